/**
 * Slots are phased per check (checks/phase.ts): checks created, resumed or changed together get slots spread over
 * their interval, each keeping its own phase. Before, resuming set every slot to "now" and a claimed slot's next
 * was exactly one interval later, so 600 monitors resumed together fired together every interval for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateDnsMonitorDocument, CreateMonitorDocument, PauseMonitorDocument, ResumeMonitorDocument, UpdateMonitorDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import { phaseMs, phasedSlotAtOrAfter, phasedSlotSql } from '../../src/modules/checks/phase';
import { newId } from '../../src/modules/common/ids';
import { SlotScheduler } from '../../src/modules/engine/scheduler';
import { applyInterval, SCHEDULER_MAX_LOOKAHEAD_MS } from '../../src/modules/checks/scheduled-check';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let target: Target;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.db.orm.em.getConnection().execute<T[]>(text, params as never[]);

beforeAll(async () => {
  t = await startTestApp({ WORKER_POLL_MS: '50' });
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  org = await t.org('Phases Inc');
  await t.app.services.billing.setPlan(t.db.orm.em.fork(), org.id, 'UNLIMITED');
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

/** Creates `n` monitors, ten requests at a time. */
async function createMany(n: number, input: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, (_, j) =>
        admin.client.gql(CreateMonitorDocument, { input: { name: `m${i + j}`, url: `${target.url}/ok`, ...input } as never }),
      ),
    );
    for (const res of batch) {
      expect(res.errors).toBeUndefined();
      ids.push(res.data!.createMonitor.id);
    }
  }
  return ids;
}

const nextRuns = async (ids: string[]) =>
  new Map((await sql<{ id: string; next_run_at: Date }>(`select id, next_run_at from monitors where id in (${ids.map(() => '?').join(',')})`, ids)).map((r) => [r.id, new Date(r.next_run_at).getTime()]));

/** How many of `times` fall in each of `buckets` equal parts of [from, from + spanMs). */
const histogram = (times: number[], from: number, spanMs: number, buckets: number) => {
  const counts = new Array<number>(buckets).fill(0);
  for (const at of times) counts[Math.min(buckets - 1, Math.floor(((at - from) / spanMs) * buckets))]++;
  return counts;
};

describe('the phase', () => {
  it('is the same in SQL as in TypeScript', async () => {
    for (let i = 0; i < 200; i++) {
      const id = newId('mon');
      const interval = [10, 30, 60, 61, 300, 3600, 86_400][i % 7];
      const at = new Date(Date.now() + Math.floor(Math.random() * 86_400_000) - 43_200_000);
      const [row] = await sql<{ slot: Date }>(`select ${phasedSlotSql('?::text', '?::int', '?::timestamptz(3)')} as slot`, sqlArgs(id, interval, at));
      const expected = phasedSlotAtOrAfter(id, interval, at);
      expect(new Date(row.slot).getTime()).toBe(expected.getTime());
      expect(expected.getTime()).toBeGreaterThanOrEqual(at.getTime());
      expect(expected.getTime() - at.getTime()).toBeLessThan(interval * 1000);
      expect(expected.getTime() % (interval * 1000)).toBe(phaseMs(id, interval));
    }
  });
});

/** The bindings of phasedSlotSql('?::text', '?::int', '?::timestamptz') in the order its placeholders appear. */
function sqlArgs(id: string, interval: number, at: Date): unknown[] {
  const text = phasedSlotSql('\u0001', '\u0002', '\u0003');
  const args: unknown[] = [];
  for (const ch of text) if (ch === '\u0001') args.push(id);
  else if (ch === '\u0002') args.push(interval);
  else if (ch === '\u0003') args.push(at.toISOString());
  return args;
}

describe('checks resumed together', () => {
  it('get slots spread over their interval, and keep their phase across pauses, resumes and updates', async () => {
    const ids = await createMany(120, { intervalSeconds: 60, paused: true });
    const before = Date.now();
    await Promise.all(ids.map((id) => admin.client.gql(ResumeMonitorDocument, { id })));
    const next = await nextRuns(ids);
    const times = [...next.values()];
    for (const at of times) {
      expect(at).toBeGreaterThanOrEqual(before - 5);
      expect(at).toBeLessThan(Date.now() + 60_000);
    }
    // Spread: 120 slots in four 15 s quarters of the next minute, ~30 each (all 120 in one before phases).
    const counts = histogram(times, before, 60_000, 4);
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(10);
    expect(new Set(times).size).toBeGreaterThan(110);

    // Stable: pausing and resuming, or renaming, keeps each check's place in its interval.
    const phase = (id: string, at: number, interval = 60) => at % (interval * 1000);
    for (const id of ids.slice(0, 10)) {
      expect(phase(id, next.get(id)!)).toBe(phaseMs(id, 60));
      await admin.client.gql(PauseMonitorDocument, { id });
      await admin.client.gql(ResumeMonitorDocument, { id });
      await admin.client.gql(UpdateMonitorDocument, { id, input: { name: 'renamed' } });
      expect(phase(id, (await nextRuns([id])).get(id)!)).toBe(phaseMs(id, 60));
      // A new interval: the check's phase in it (a slot within the scheduler's lookahead stays), and back.
      const prev = (await nextRuns([id])).get(id)!;
      const t0 = Date.now();
      await admin.client.gql(UpdateMonitorDocument, { id, input: { intervalSeconds: 120 } });
      const t1 = Date.now();
      const moved = (await nextRuns([id])).get(id)!;
      if (prev > t1 + SCHEDULER_MAX_LOOKAHEAD_MS) expect(phase(id, moved, 120)).toBe(phaseMs(id, 120));
      else if (prev <= t0 + SCHEDULER_MAX_LOOKAHEAD_MS) expect(moved).toBe(prev);
      await admin.client.gql(UpdateMonitorDocument, { id, input: { intervalSeconds: 60, paused: false } });
      expect(phase(id, (await nextRuns([id])).get(id)!)).toBe(phaseMs(id, 60));
    }
  });
});

describe('a new interval', () => {
  it('keeps a slot within the scheduler\'s lookahead (it may be enqueued now), and moves a later one to its phase', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const check = (id: string, nextRunAt: Date) => ({ id, intervalSeconds: 60, nextRunAt }) as Parameters<typeof applyInterval>[0];
    const soon = new Date(now.getTime() + SCHEDULER_MAX_LOOKAHEAD_MS);
    const near = check(newId('mon'), soon);
    applyInterval(near, now);
    expect(near.nextRunAt).toBe(soon);
    const due = check(newId('mon'), new Date(now.getTime() - 5000));
    applyInterval(due, now);
    expect(due.nextRunAt.getTime()).toBe(now.getTime() - 5000);
    const later = check(newId('mon'), new Date(now.getTime() + SCHEDULER_MAX_LOOKAHEAD_MS + 1));
    applyInterval(later, now);
    expect(later.nextRunAt.getTime()).toBe(phasedSlotAtOrAfter(later.id, 60, now).getTime());
  });
});

describe('checks created together', () => {
  it('run at once, and their following slots are phased', async () => {
    const ids = await createMany(60, { intervalSeconds: 60 });
    // Each check's first slot is its creation (creating 60 may take seconds on a loaded machine): the bound below is
    // relative to each one's own.
    const first = await nextRuns(ids);
    const scheduler = new SlotScheduler(t.db.orm, t.app.engine.boss, t.app.fastify.log, { tickMs: 60_000, lookaheadMs: 1000, leaseMarginSeconds: 10, journeyMaxDurationMs: 120_000, batch: 500 });
    expect(await scheduler.tick()).toBeGreaterThanOrEqual(60); // all due at once: their first slot was their creation
    await scheduler.stop();
    const next = await nextRuns(ids);
    for (const [id, at] of next) {
      expect(at % 60_000).toBe(phaseMs(id, 60));
      // At least half an interval after its first slot: the first gap takes a check to its phase (checks/phase.ts).
      expect(at, id).toBeGreaterThanOrEqual(first.get(id)! + 30_000);
      expect(at).toBeLessThan(Date.now() + 90_000);
    }
    // Before phases every one of them was due again at the same instant, one interval later.
    expect(new Set(next.values()).size).toBeGreaterThan(55);
  });
});

describe('a tick', () => {
  it('claims a later kind whose slot is due, and an idle tick claims nothing', async () => {
    const made = await admin.client.gql(CreateDnsMonitorDocument, { input: { name: 'dns due', hostname: 'www.example.test', recordType: 'A', resolver: '127.0.0.1:9', timeoutMs: 1000 } as never });
    expect(made.errors).toBeUndefined();
    const id = made.data!.createDnsMonitor.id;
    // Nothing else due: every other slot-run check of the database is pushed an hour out (other tests' checks).
    for (const table of ['monitors', 'journeys', 'tcp_monitors']) await sql(`update "${table}" set next_run_at = now() + interval '1 hour'`);
    const nextRun = async () => new Date((await sql<{ next_run_at: Date }>('select next_run_at from dns_monitors where id = ?', [id]))[0].next_run_at).getTime();
    const before = await nextRun();
    expect(before).toBeLessThanOrEqual(Date.now()); // its first slot is its creation
    const scheduler = new SlotScheduler(t.db.orm, t.app.engine.boss, t.app.fastify.log, { tickMs: 60_000, lookaheadMs: 1000, leaseMarginSeconds: 10, journeyMaxDurationMs: 120_000, batch: 500 });
    try {
      expect(await scheduler.tick()).toBe(1); // the DNS check's one location
      expect(await nextRun()).toBeGreaterThan(Date.now());
      expect(await scheduler.tick()).toBe(0);
    } finally {
      await scheduler.stop();
    }
  });
});
