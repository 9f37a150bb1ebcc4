import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, badInput, notFound } from '../../errors';
import type { HttpClientOptions } from '../checks/http-client';
import type { SecretBox } from '../checks/secret-box';
import { paginate, type Page, type PageArgs, type PageColumns } from '../common/pagination';
import { newId } from '../common/ids';
import type { BillingService } from '../billing/billing.service';
import type { CheckJob } from './check-job';
import { CHECK_KINDS, checkKind, kindOfId, type CheckKindName } from '../checks/kinds/registry';
import { checkIdField } from './check-id-field';
import type { CheckEntity } from '../checks/check-kind';
import type { CheckOutcome, RunStatus } from '../checks/check-runner';
import { withRetries, type AttemptedOutcome } from '../checks/retry';
import { isDegraded } from '../checks/degraded';
import { Run } from './run.entity';
import type { Check, Execution, RunRecorder } from './run-recorder';
import { audit, type Actor } from '../audit/audit';

/** Hands a job to the queue (the engine); `live` answers how many workers serve a location right now. */
export interface RunDispatcher {
  dispatch(job: CheckJob, leaseSeconds: number): Promise<void>;
  /** Gives up on a job nobody took in time, so it does not run long after its caller stopped waiting. */
  cancel(job: CheckJob): Promise<void>;
  liveWorkers(em: EntityManager, location: string): Promise<number>;
}

export interface RunServiceDeps {
  billing: BillingService;
  /** Writes a performed run and all it changes, in one transaction. */
  recorder: RunRecorder;
  http: HttpClientOptions;
  /** REDACTION_MAX_COMPARED: the bound on masking echoed credentials in what a run records (see Redactor). */
  redactionMaxCompared: number;
  /** Opens the sealed credential headers for the request, and seals rows stored before encryption at rest. */
  secrets: SecretBox;
  now: () => Date;
  log: FastifyBaseLogger;
  dispatcher: RunDispatcher;
  /** Added to a check's whole timeout: its lease in the queue, and how long a manual run is waited for (s). */
  leaseMarginSeconds: number;
  /** JOURNEY_MAX_DURATION_MS: the longest one journey run may take, all its steps together. */
  journeyMaxDurationMs: number;
}

/** What a run list is given: a page, its filters, and the check as its kind's id field (`monitorId`, …). */
export type RunListArgs = PageArgs & RunFilter & { [checkIdField: string]: unknown };

/** Optional filters of a run list (all together). */
export interface RunFilter {
  since?: Date | null;
  until?: Date | null;
  status?: RunStatus | null;
  location?: string | null;
}

/** The longest one run of a check may take, as its kind counts it (a journey's timeout is per step, bounded). */
export const totalTimeoutMs = (c: Check, journeyMaxDurationMs: number) => checkKind(c.kind).totalTimeoutMs(c.entity, journeyMaxDurationMs);

/**
 * Runs checks for real and records them (docs/explanation/architecture.md). Workers call `execute` for each job; manual
 * runs go through the same queue with priority and are waited for.
 */
export class RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  /**
   * A manual run: enqueued for the location (the check's first by default) with priority over scheduled slots,
   * then waited for, at most the check's whole timeout plus the margin. A location with no live worker is refused
   * at once rather than waited on. The admission writes the audit event (`monitor.run` / `journey.run`), and the
   * run records the key that asked (`triggeredBy`, carried by the job).
   */
  async runNow(em: EntityManager, actor: Actor, kind: CheckKindName, id: string, location?: string | null): Promise<Run> {
    const { organizationId } = actor;
    const check = await this.getCheck(em, organizationId, kind, id);
    const where = location ?? check.entity.locations[0];
    if (!check.entity.locations.includes(where))
      throw badInput([{ field: 'location', message: `must be one of this check's locations: ${check.entity.locations.join(', ')}` }]);
    if ((await this.deps.dispatcher.liveWorkers(em, where)) === 0)
      throw new AppError('SERVICE_UNAVAILABLE', `No worker is running in location "${where}"; start one with LOCATION=${where} npm run worker`, { location: where }, { 'retry-after': '5' });
    // The reservation is the admission (one upsert of the month's counter, before the check): a run that then
    // crashes before it is recorded still counted, which is the safe side of the allowance. Made here, so the caller
    // hears PLAN_LIMIT_EXCEEDED (402), not the worker. Not in a transaction with the audit event: a refusal opens
    // the quota alert, which must stay. An admitted run is audited before its job exists.
    await this.deps.billing.reserveRunOrThrow(em, organizationId);
    audit(em, actor, `${kind}.run`, id, this.deps.now());
    await em.flush();
    const job: CheckJob = {
      kind,
      checkId: id,
      organizationId,
      location: where,
      scheduledAt: null,
      requestedAt: this.deps.now().toISOString(),
      runId: newId('run'),
      trigger: 'MANUAL',
      admitted: true,
      triggeredBy: actor.keyId,
    };
    const waitMs = totalTimeoutMs(check, this.deps.journeyMaxDurationMs) + this.deps.leaseMarginSeconds * 1000;
    await this.deps.dispatcher.dispatch(job, Math.ceil(waitMs / 1000));
    let run: Run | null = null;
    try {
      run = await this.waitFor(em, job.runId, waitMs);
    } finally {
      // Nobody waits any more: a job no worker took must not run later, out of the blue.
      if (!run) await this.deps.dispatcher.cancel(job).catch(() => {});
    }
    if (run) return run;
    throw new AppError('SERVICE_UNAVAILABLE', `The run did not finish within ${Math.round(waitMs / 1000)} s in location "${where}"`, { location: where }, { 'retry-after': '5' });
  }

  /** Polls for the run row (a worker, maybe in another process, writes it): short steps first, then 200 ms. */
  private async waitFor(em: EntityManager, runId: string, waitMs: number): Promise<Run | null> {
    const until = Date.now() + waitMs;
    for (let step = 10; Date.now() < until; step = Math.min(step * 2, 200)) {
      const rows = await em.getConnection().execute<{ id: string }[]>('select id from runs where id = ?', [runId]);
      if (rows.length) return em.findOneOrFail(Run, { id: runId });
      await new Promise((r) => setTimeout(r, Math.min(step, Math.max(0, until - Date.now()))));
    }
    return null;
  }

  /**
   * One job, as a worker runs it: the check, performed for real, then its run recorded exactly once — the run's id
   * and its (check, location, slot) are unique, so a job run again after its worker died records nothing twice —
   * and applied to status and alerts in the same transaction. (Such a repeat is admitted against the quota again:
   * a run counted twice in a rare crash, rather than a query more on every run.)
   */
  async execute(em: EntityManager, job: CheckJob): Promise<Execution> {
    const check = await this.find(em, job.organizationId, job.kind, job.checkId);
    if (!check || (job.trigger === 'SCHEDULED' && check.entity.paused)) return 'gone'; // deleted or paused since
    if (!job.admitted) {
      const admission = await this.deps.billing.reserveRun(em, job.organizationId);
      if (!admission.ok) {
        // Never a silent stop: the organization's quota alert opens (once), and billing and the checks show it.
        await this.deps.billing.quotaExhausted(em, job.organizationId, admission);
        return 'quota';
      }
    }
    const startedAt = this.deps.now();
    const outcome = await this.perform(em, check);
    const finishedAt = this.deps.now();
    const degraded = isDegraded(outcome, checkKind(check.kind).degradedAfterMs?.(check.entity));
    return this.deps.recorder.record(em, check, job, { ...outcome, degraded, startedAt, finishedAt });
  }

  /**
   * A page of one check's runs, the check given by its kind's id field (`monitorId`, …; exactly one); with
   * `columns`, only those properties are read (see `paginate`).
   */
  list(em: EntityManager, organizationId: string, args: RunListArgs, columns?: PageColumns): Promise<Page<Run>> {
    const given = CHECK_KINDS.filter((k) => args[checkIdField(k)]);
    if (given.length !== 1) {
      const ids = CHECK_KINDS.map(checkIdField);
      throw badInput([{ field: ids[0], message: `give exactly one of ${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}` }]);
    }
    if (args.since && args.until && args.since >= args.until) throw badInput([{ field: 'until', message: 'must be after since' }]);
    if (args.location != null && (args.location.length < 1 || args.location.length > 40)) throw badInput([{ field: 'location', message: 'must be 1 to 40 characters' }]);
    const startedAt = { ...(args.since ? { $gte: args.since } : {}), ...(args.until ? { $lt: args.until } : {}) };
    const id = args[checkIdField(given[0])] as string;
    const where = {
      organization: organizationId,
      // `check_id = ?`, off the (check_id, started_at, id) index. Another kind's id (`monitorId: "jrn_…"`) has no
      // runs of this kind: `check_id is null`, which no run is (the same index answers it at once).
      check: kindOfId(id) === given[0] ? id : null,
      ...(args.since || args.until ? { startedAt } : {}),
      ...(args.status ? { status: args.status } : {}),
      ...(args.location != null ? { location: args.location } : {}),
    };
    return paginate(em, Run, where, 'startedAt', args, columns);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<Run> {
    const run = await em.findOne(Run, { id, organization: organizationId });
    if (!run) throw notFound('Run');
    return run;
  }

  /** The organization's check of that kind, or NOT_FOUND (another organization's id reads as unknown). */
  async getCheck(em: EntityManager, organizationId: string, kind: Check['kind'], id: string): Promise<Check> {
    const check = await this.find(em, organizationId, kind, id);
    if (!check) throw notFound(checkKind(kind).label);
    return check;
  }

  private async find(em: EntityManager, organizationId: string, kind: Check['kind'], id: string): Promise<Check | null> {
    const entity = await em.findOne(checkKind(kind).entity, { id, organization: organizationId } as never);
    return entity && { kind, entity };
  }

  /**
   * The check's attempts in this slot: a FAILED attempt is tried again as its kind's retry policy says
   * (checks/retry.ts), within the job's lease (the kind's total timeout counts every attempt and wait) and the one
   * admission already made: a retried run is still one run of the quota.
   */
  private async perform(em: EntityManager, check: Check): Promise<AttemptedOutcome<CheckOutcome>> {
    const kind = checkKind(check.kind);
    return withRetries(kind.retryPolicy?.(check.entity) ?? null, () => this.attempt(em, check));
  }

  private async attempt(em: EntityManager, check: Check): Promise<CheckOutcome> {
    const { secrets, http, redactionMaxCompared, journeyMaxDurationMs } = this.deps;
    const kind = checkKind(check.kind);
    const { column, hasPlaintext, reseal } = kind.credentials;
    if (hasPlaintext(check.entity, secrets)) {
      const c = check.entity;
      await this.sealLegacy(em, kind.table, column, c.id, c[column as keyof CheckEntity], () => reseal(c, secrets));
    }
    try {
      return await kind.probe(check.entity, { options: { http, redactionMaxCompared }, secrets, journeyMaxDurationMs });
    } catch (e) {
      // A bug in tracer, not the target's fault: recorded as ERROR, which neither opens nor resolves alerts.
      this.deps.log.error({ err: (e as Error).message, checkId: check.entity.id }, 'check crashed');
      return { status: 'ERROR', responseStatus: null, timings: null, assertions: [], steps: null, error: 'The check could not be run' };
    }
  }

  /**
   * A row stored before encryption at rest is sealed by its first run, so active checks do not keep plaintext
   * credentials until someone edits them. Only if the column still holds what this run read: an update that
   * landed meanwhile wins, and seals its own values.
   */
  private async sealLegacy(em: EntityManager, table: string, column: string, id: string, read: unknown, seal: () => unknown) {
    try {
      await em
        .getConnection()
        .execute(`update "${table}" set "${column}" = ?::jsonb where "id" = ? and "${column}" = ?::jsonb`, [JSON.stringify(seal()), id, JSON.stringify(read)]);
    } catch (e) {
      // Not this run's business: the check runs on what was read (and says so if a value cannot be decrypted).
      this.deps.log.warn({ id, err: (e as Error).message }, 'could not encrypt stored credential headers');
    }
  }
}
