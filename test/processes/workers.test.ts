/**
 * Worker processes on one PostgreSQL database (a database of their own): two scheduling workers record every slot
 * exactly once, and a worker killed with SIGKILL mid-run has its job run by another worker after the lease.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as PgClient } from 'pg';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { runCli, spawnServer, spawnWorker, type ServerProcess } from '../helpers/process';
import { json, startTarget, type Target } from '../helpers/target';
import { phasedSlotAtOrAfter } from '../../src/modules/checks/phase';

describe.runIf(onPostgres())('worker processes sharing PostgreSQL', () => {
  let pg: TestDatabase;
  let api: ServerProcess;
  let target: Target;
  let env: Record<string, string>;
  let key: string;
  let db: PgClient;
  const workers: ServerProcess[] = [];
  let hangs = 0;
  const hangAt: number[] = [];
  let holdNext = false;

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${api.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { data: Record<string, unknown> },
    }));
  const create = async (input: Record<string, unknown>) => {
    const res = await call('/v1/monitors', { method: 'POST', body: JSON.stringify(input) });
    expect(res.status).toBe(201);
    return res.body.data.id as string;
  };

  beforeAll(async () => {
    pg = await openTestDatabase();
    target = await startTarget();
    target.route('/ok', json(200, { ok: true }));
    // The first request after `holdNext = true` is held for 60 s, longer than any check's timeout here: that attempt
    // ends by its worker being killed or stopped, never by an answer a slow test step let arrive (the target is
    // closed, connections and all, after). The next attempt (another worker's) is answered at once.
    target.route('/hang', (_req, res) => {
      hangs++;
      hangAt.push(Date.now());
      if (!holdNext) return void res.writeHead(200).end('ok');
      holdNext = false;
      setTimeout(() => res.writeHead(200).end('late'), 60_000).unref();
    });
    env = {
      DATABASE_URL: pg.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_KEY: 'false',
      ALLOW_PRIVATE_TARGETS: 'true',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_FAILURE_LIMIT: '100000',
      SCHEDULE_TICK_MS: '200',
      WORKER_POLL_MS: '100',
      QUEUE_MAINTENANCE_SECONDS: '1',
      LEASE_MARGIN_SECONDS: '2',
      WORKER_HEARTBEAT_MS: '500',
      SHUTDOWN_TIMEOUT_MS: '2000',
    };
    api = await spawnServer({ ...env, WORKER: 'false' });
    const made = await runCli(['create', '--org', 'Acme Inc', '--name', 'admin', '--permissions', 'all', '--json'], env);
    key = (JSON.parse(made.stdout) as { key: string }).key;
    expect((await runCli(['set-plan', '--org', 'Acme Inc', '--plan', 'UNLIMITED'], env, 'orgs')).code).toBe(0);
    db = new PgClient({ connectionString: pg.url });
    await db.connect();
  });
  /**
   * A second worker, started and then frozen (SIGSTOP) before the check exists, so the first worker is the one that
   * takes it; `thaw()` lets it run. Its start (6-9 s on a busy machine, more under load) is then not a race against
   * the first worker's check.
   */
  const frozenWorker = async (extra: Record<string, string>) => {
    const w = await spawnWorker({ ...env, ...extra });
    workers.push(w);
    w.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 500)); // a fetch it had sent finds nothing: the check does not exist yet
    return { worker: w, thaw: () => w.proc.kill('SIGCONT') };
  };

  afterAll(async () => {
    for (const w of workers) w.proc.kill('SIGCONT'); // a frozen worker cannot act on SIGTERM
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
    await db?.end();
    await target?.close();
    await pg?.close();
  });

  it('two scheduling workers: every slot of every monitor recorded exactly once, none missed', async () => {
    // A 20 s interval: a slot more than one interval late runs once "now" instead (scheduler.ts), so a 10 s interval
    // let a machine that stalled the workers for 10 s look like a missed slot.
    const interval = 20;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await create({ name: `m${i}`, url: `${target.url}/ok`, interval_seconds: interval }));
    const started = Date.now();
    workers.push(await spawnWorker(env), await spawnWorker(env));
    // Two slots of each: the first at creation, the next at the check's phase (checks/phase.ts), half to one and a
    // half intervals later. Polled, not a fixed wait a loaded machine can outlast.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { rows: done } = await db.query<{ n: number }>(
        `select count(*)::int as n from (select check_id from runs where check_id = any($1) group by 1 having count(*) >= 2) s`,
        [ids],
      );
      if (done[0].n === ids.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const { rows } = await db.query<{ check_id: string; scheduled_at: Date; n: number }>(
      `select check_id, scheduled_at, count(*)::int as n from runs where check_id = any($1) group by 1, 2 order by 1, 2`,
      [ids],
    );
    expect(rows.filter((r) => r.n !== 1)).toEqual([]); // no duplicated slot
    for (const id of ids) {
      const slots = rows.filter((r) => r.check_id === id).map((r) => new Date(r.scheduled_at).getTime());
      expect(slots.length, id).toBeGreaterThanOrEqual(2);
      // No missed slot: the second is exactly the check's phased slot half an interval after the first, the rest
      // one interval apart.
      // (Within a millisecond: the database keeps microseconds, the driver reads milliseconds.)
      const second = phasedSlotAtOrAfter(id, interval, new Date(slots[0] + (interval * 1000) / 2)).getTime();
      expect(Math.abs(slots[1] - second), id).toBeLessThanOrEqual(1);
      for (let i = 2; i < slots.length; i++) expect(slots[i] - slots[i - 1], id).toBe(interval * 1000);
    }
    // Both workers took part.
    const { rows: perWorker } = await db.query<{ n: number }>(`select count(distinct pid)::int as n from workers`);
    expect(perWorker[0].n).toBe(2);
    const { rows: lag } = await db.query<{ p99: number }>(
      `select percentile_cont(0.99) within group (order by extract(epoch from started_at - scheduled_at) * 1000) as p99 from runs where check_id = any($1)`,
      [ids],
    );
    console.log(`two workers: ${rows.length} slots recorded once each in ${Date.now() - started} ms; lag p99 ${Math.round(lag[0].p99)} ms`);
  });

  it('a worker killed with SIGKILL mid-run: another worker of the location runs its job after the lease', async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    const victim = await spawnWorker({ ...env, SCHEDULING: 'true' });
    const rescuer = await frozenWorker({ SCHEDULING: 'false' });
    holdNext = true;
    const id = await create({ name: 'hang', url: `${target.url}/hang`, interval_seconds: 3600, timeout_ms: 15_000 });
    const hangsBefore = hangs;
    for (let i = 0; i < 200 && hangs === hangsBefore; i++) await new Promise((r) => setTimeout(r, 100));
    expect(hangs).toBe(hangsBefore + 1); // the victim is running it now
    victim.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.stop();
    rescuer.thaw();
    // The lease is the check's timeout (15 s) plus the margin (2 s), counted from when the victim took the job.
    let rows: { id: string; scheduled_at: Date }[] = [];
    while (Date.now() - killedAt < 17_000 + 30_000) {
      ({ rows } = await db.query('select id, scheduled_at from runs where check_id = $1', [id]));
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows).toHaveLength(1);
    expect(hangs).toBe(hangsBefore + 2); // the victim's attempt, then the rescuer's
    // The lease runs from when the victim took the job (its first request to the target): not before it, and
    // soon after it (pg-boss's maintenance runs every second here; the rest is a loaded machine's slack).
    const rerunAfter = hangAt[hangAt.length - 1] - hangAt[hangAt.length - 2];
    console.log(
      `SIGKILL recovery: another worker started the job again ${rerunAfter} ms after the victim had (${hangAt[hangAt.length - 1] - killedAt} ms after the kill; lease 17 s), recorded at ${Date.now() - killedAt} ms`,
    );
    expect(rerunAfter).toBeGreaterThanOrEqual(17_000 - 1_000);
    expect(rerunAfter).toBeLessThan(17_000 + 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await db.query('select id from runs where check_id = $1', [id])).rows).toHaveLength(1);
  }, 120_000); // two worker starts and a 17 s lease

  it('SIGTERM: a worker stops within its deadline and hands back the check it could not finish', async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    const leaving = await spawnWorker({ ...env, SCHEDULING: 'true', SHUTDOWN_TIMEOUT_MS: '1000' });
    const taker = await frozenWorker({ SCHEDULING: 'false' });
    // A 30 s timeout, so a 32 s lease: a hand-back is told apart from the lease by a wide margin.
    holdNext = true;
    const id = await create({ name: 'hang on stop', url: `${target.url}/hang`, interval_seconds: 3600, timeout_ms: 30_000 });
    const before = hangs;
    for (let i = 0; i < 200 && hangs === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(hangs).toBe(before + 1);
    taker.thaw();
    const stoppedAt = Date.now();
    const code = await leaving.stop();
    const stopMs = Date.now() - stoppedAt;
    expect(code).toBe(0);
    // Its deadline is 1 s: it did not wait for the 30 s check (the rest is process exit on a loaded machine).
    expect(stopMs).toBeLessThan(1000 + 9000);
    // Handed back, not left to its 32 s lease: the other worker starts it again well before.
    for (let i = 0; i < 300 && hangs === before + 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(hangs).toBe(before + 2);
    const rerunAfter = hangAt[hangAt.length - 1] - stoppedAt;
    console.log(`SIGTERM: the worker exited after ${stopMs} ms; another worker started the handed-back check ${rerunAfter} ms after the signal`);
    expect(rerunAfter).toBeLessThan(20_000);
    let rows: unknown[] = [];
    for (let i = 0; i < 250 && !rows.length; i++) {
      ({ rows } = await db.query('select id from runs where check_id = $1', [id]));
      if (!rows.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows).toHaveLength(1);
  }, 120_000);
});
