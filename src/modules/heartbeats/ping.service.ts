import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { newId } from '../common/ids';
import type { BillingService } from '../billing/billing.service';
import type { RecordItem, RunRecorder, RunResult } from '../runs/run-recorder';
import type { CheckJob } from '../runs/check-job';
import type { SecretBox } from '../checks/secret-box';
import { Heartbeat } from '../checks/kinds/heartbeat/heartbeat.entity';
import { deadlineAfter } from '../checks/kinds/heartbeat/heartbeat-schedule';
import { hashPingToken, PING_TOKEN, sameHash } from '../checks/kinds/heartbeat/heartbeat-token';
import type { PingDetail } from '../checks/kinds/heartbeat/ping.types';
import type { PublicUrl } from '../common/public-url';

/** What a ping says: its route, and for `/ping/:token/:exitCode` the code; a POST's body is its log. */
export type Ping = { route: 'success' | 'start' | 'fail' } | { route: 'exit'; exitCode: number };

/** The most of a POST body kept as the ping's log. */
export const PING_LOG_BYTES = 10_000;

/** Missed deadlines recorded in one transaction (recordMissed). */
const MISSED_BATCH = 50;

type Due = { id: string; deadline: Date };

/** An organization has fewer runs left this month than a batch holds of it: its heartbeats are recorded one by one. */
class QuotaShort extends Error {
  constructor(readonly heartbeats: ReadonlySet<string>) {
    super('fewer runs left this month than the batch holds');
  }
}

export interface PingServiceDeps {
  orm: MikroORM;
  recorder: RunRecorder;
  billing: BillingService;
  secrets: SecretBox;
  now: () => Date;
  log: FastifyBaseLogger;
  /** Where ping URLs point: PUBLIC_URL, or the address the server listens at. */
  publicUrl: PublicUrl;
  /** Batches of missed deadlines recorded at once (PostgreSQL: a few, within the pool; the embedded database: 1). */
  parallelBatches?: number;
}

/**
 * A heartbeat's pings and missed deadlines, each recorded as a run through the run recorder (so status, alerts,
 * statistics and live events are a monitor's), in one transaction with the heartbeat's new deadline, under the
 * heartbeat row's lock: a ping and the deadline watcher never both decide on one deadline.
 */
export class PingService {
  constructor(private readonly deps: PingServiceDeps) {}

  /** The URL a job pings (GET, POST or HEAD), from the stored sealed token. */
  pingUrl(tokenSealed: string): string {
    return `${this.deps.publicUrl}/ping/${this.deps.secrets.open(tokenSealed)}`;
  }

  /**
   * Records one ping. Answers false for a token no heartbeat has (the route answers the same 404 whatever the
   * reason). A ping of a paused heartbeat is noted (`lastPingAt`) and not recorded as a run.
   */
  async ping(token: string, ping: Ping, body: string | null): Promise<boolean> {
    if (!PING_TOKEN.test(token)) return false;
    const hash = hashPingToken(token);
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const [row] = await tx.execute<{ id: string; token_hash: string }[]>('select id, token_hash from heartbeats where token_hash = ? for no key update', [hash]);
      if (!row || !sameHash(row.token_hash, hash)) return false;
      const h = await tx.findOneOrFail(Heartbeat, row.id);
      const now = this.deps.now();
      h.lastPingAt = now;
      if (h.paused) return this.done(tx);
      if (ping.route === 'start') {
        h.startedAt = now;
        return this.done(tx);
      }
      const passed = ping.route === 'success' || (ping.route === 'exit' && ping.exitCode === 0);
      const exitCode = ping.route === 'exit' ? ping.exitCode : null;
      const detail: PingDetail = { kind: ping.route === 'exit' ? 'EXIT_CODE' : ping.route === 'fail' ? 'FAIL' : 'SUCCESS', exitCode, log: body };
      const error = passed ? null : exitCode !== null ? `Exit code ${exitCode}` : 'The job reported a failure';
      const job: CheckJob = { kind: 'heartbeat', checkId: h.id, organizationId: h.organization.id, location: h.locations[0] ?? 'local', scheduledAt: null, runId: newId('run'), trigger: 'PING', requestedAt: now.toISOString() };
      await this.recordRun(tx, h, job, { status: passed ? 'PASSED' : 'FAILED', responseStatus: null, timings: null, assertions: [], steps: null, error, ping: detail, startedAt: h.startedAt ?? now, finishedAt: now });
      h.startedAt = null;
      if (passed) h.nextDeadlineAt = deadlineAfter(h, now);
      return this.done(tx);
    });
  }

  /**
   * Records a missed deadline of each overdue heartbeat (at most `limit`): one indexed query finds them; then, BATCH at
   * a time, one transaction locks them all (`skip locked`: another worker has those), keeps those whose deadline is
   * still the one read (a ping may have moved it), and records each once as a FAILED run whose slot is the deadline
   * (the runs' unique (check, location, slot) key) through the run recorder's batch form, then gives each its next
   * deadline. One transaction a batch rather than one a heartbeat: a burst of deadlines costs one commit and one lock
   * statement per batch (docs/adr/0068). On PostgreSQL `parallelBatches` batches run at once (their rows are
   * disjoint); the embedded database has one connection, so one. A batch that fails is tried again one heartbeat a
   * transaction, so one that cannot be recorded holds back no other. A worker that dies half way leaves the
   * deadlines passed, and the next tick (of any worker) records them.
   */
  async recordMissed(limit = 500): Promise<number> {
    const due = await this.deps.orm.em.fork().getConnection().execute<{ id: string; next_deadline_at: Date }[]>(
      'select id, next_deadline_at from heartbeats where paused = false and next_deadline_at <= ? order by next_deadline_at limit ?',
      [this.deps.now(), limit],
    );
    const batches: Due[][] = [];
    for (let from = 0; from < due.length; from += MISSED_BATCH)
      batches.push(due.slice(from, from + MISSED_BATCH).map((d) => ({ id: d.id, deadline: new Date(d.next_deadline_at) })));
    let recorded = 0;
    const lanes = Array.from({ length: Math.min(batches.length, Math.max(1, this.deps.parallelBatches ?? 1)) }, async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) {
        // Not `recorded += await …`: that reads `recorded` before the await, and lanes in parallel overwrite each other.
        const n = await this.recordOrSplit(batch);
        recorded += n;
      }
    });
    await Promise.all(lanes);
    return recorded;
  }

  /**
   * A batch; if it fails, each of its heartbeats in a transaction of its own; if an organization's quota cannot take
   * all its runs in it, that organization's heartbeats one by one and the rest as a batch again.
   */
  private async recordOrSplit(batch: Due[]): Promise<number> {
    try {
      return await this.recordBatch(batch, batch.length > 1 ? 'after' : 'first');
    } catch (err) {
      if (batch.length === 1) throw err;
      let alone = batch;
      let recorded = 0;
      if (err instanceof QuotaShort) {
        // That organization's heartbeats one by one (each admitted or refused as any run); the others still as a batch.
        alone = batch.filter((b) => err.heartbeats.has(b.id));
        const rest = batch.filter((b) => !err.heartbeats.has(b.id));
        if (rest.length)
          recorded += await this.recordOrSplit(rest).catch((e: Error) => {
            this.deps.log.warn({ err: e.message, heartbeatId: rest[0].id }, 'could not record a missed heartbeat deadline; trying again on the next tick');
            return 0;
          });
      } else this.deps.log.warn({ err: (err as Error).message, heartbeats: batch.length }, 'a batch of missed heartbeat deadlines failed; recording them one by one');
      for (const one of alone) {
        try {
          recorded += await this.recordBatch([one], 'first');
        } catch (e) {
          this.deps.log.warn({ err: (e as Error).message, heartbeatId: one.id }, 'could not record a missed heartbeat deadline; trying again on the next tick');
        }
      }
      return recorded;
    }
  }

  /**
   * One transaction: the batch's heartbeats still due at the deadlines read, locked, each recorded once.
   *
   * `reserve: 'after'` (a batch) takes each organization's usage counter once, with one statement for all its runs,
   * as the transaction's last statements (in organization order: two batches take counters in one order): the
   * counter row is then held only until the commit, so batches of one organization overlap instead of queueing on
   * it. When the quota cannot take them all it throws QuotaShort and the batch is rolled back (then recorded one by
   * one). `'first'` (one heartbeat): admitted before it is recorded, as every run; refused → the quota alert.
   */
  private recordBatch(batch: Due[], reserve: 'first' | 'after'): Promise<number> {
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const locked = await tx.execute<{ id: string; next_deadline_at: Date }[]>(
        'select id, next_deadline_at from heartbeats where id = any(?::text[]) and paused = false for no key update skip locked',
        [`{${batch.map((b) => b.id).join(',')}}`],
      );
      const still = new Map(locked.map((r) => [r.id, new Date(r.next_deadline_at).getTime()]));
      // Gone from `locked`: another worker is recording it. Another deadline: a ping moved it.
      const mine = batch.filter((b) => still.get(b.id) === b.deadline.getTime());
      if (!mine.length) return 0;
      const rows = new Map((await tx.find(Heartbeat, { id: mine.map((b) => b.id) })).map((h) => [h.id, h]));
      // By organization, then deadline: an organization's runs side by side (its reservation is one statement).
      mine.sort((a, b) => rows.get(a.id)!.organization.id.localeCompare(rows.get(b.id)!.organization.id) || a.deadline.getTime() - b.deadline.getTime());
      const now = this.deps.now();
      const items: RecordItem[] = [];
      const next: string[] = [];
      for (const { id, deadline } of mine) {
        const h = rows.get(id)!;
        const job: CheckJob = { kind: 'heartbeat', checkId: id, organizationId: h.organization.id, location: h.locations[0] ?? 'local', scheduledAt: deadline.toISOString(), runId: newId('run'), trigger: 'SCHEDULED' };
        items.push({
          check: { kind: 'heartbeat', entity: h },
          job,
          result: {
            status: 'FAILED', responseStatus: null, timings: null, assertions: [], steps: null,
            error: `No ping before the deadline (${deadline.toISOString()})`, ping: { kind: 'MISSED', exitCode: null, log: null, deadline: deadline.toISOString() },
            startedAt: now, finishedAt: now,
          },
        });
        const late = Math.round((now.getTime() - deadline.getTime()) / 1000);
        if (late > 5) this.deps.log.warn({ heartbeatId: id, lateSeconds: late }, 'a heartbeat deadline was recorded late (were the workers down?)');
        // The next deadline: one period (or cron instant) on; after a long outage, counted from now.
        const grace = h.graceSeconds * 1000;
        next.push(deadlineAfter(h, new Date(Math.max(deadline.getTime() - grace, now.getTime() - grace)))?.toISOString() ?? 'NULL');
      }
      if (reserve === 'first') {
        for (const item of items) await this.recordRun(tx, item.check.entity as Heartbeat, item.job, item.result);
      } else {
        await this.deps.recorder.recordBatch(tx, items);
      }
      // Every next deadline in one statement (NULL: a cron schedule with no next instant).
      await tx.execute(
        `update heartbeats as h set next_deadline_at = v.at::timestamptz, updated_at = ? from unnest(?::text[], ?::text[]) as v(id, at) where h.id = v.id`,
        [this.deps.now(), `{${mine.map((b) => b.id).join(',')}}`, `{${next.join(',')}}`],
      );
      if (reserve === 'after') {
        const perOrg = new Map<string, number>();
        for (const { job } of items) perOrg.set(job.organizationId, (perOrg.get(job.organizationId) ?? 0) + 1);
        for (const [org, runs] of [...perOrg].sort(([a], [b]) => a.localeCompare(b)))
          if (!(await this.deps.billing.reserveRuns(tx, org, runs)).ok) throw new QuotaShort(new Set(items.filter((i) => i.job.organizationId === org).map((i) => i.check.entity.id)));
      }
      return mine.length;
    });
  }

  /** Admits the run against the month's quota (as every run is), then records it; an exhausted quota records nothing. */
  private async recordRun(tx: EntityManager, h: Heartbeat, job: CheckJob, result: RunResult): Promise<void> {
    const admission = await this.deps.billing.reserveRun(tx, job.organizationId);
    if (!admission.ok) {
      await this.deps.billing.quotaExhausted(tx, job.organizationId, admission);
      return;
    }
    await this.deps.recorder.record(tx, { kind: 'heartbeat', entity: h }, job, result);
  }

  private async done(tx: EntityManager): Promise<true> {
    await tx.flush();
    return true;
  }
}
