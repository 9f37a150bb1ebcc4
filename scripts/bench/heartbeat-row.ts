/**
 * One process of a heartbeat-deadline row (scripts/bench/heartbeats.ts starts it; `node dist/scripts/bench/heartbeat-row.js`):
 * the real app (API + worker role, so the deadline watcher at SCHEDULE_TICK_MS) on DATA_DIR or DATABASE_URL.
 *
 * `--count N --span-ms S --lead-ms L [--orgs K]`: makes K organizations (1 by default) and N heartbeats (inserted in SQL,
 * like the cost script; dealt to the organizations in turn) whose deadlines fall evenly over S ms, starting L ms from
 * now; `--org ID` instead: no new heartbeats, the organization of an earlier process (the second half of a restart row).
 *
 * While it runs, it polls the organization's missed runs every POLL_MS from the app's own connection, and keeps the
 * instant each was first SEEN (committed, readable by anyone): lateness = seen − deadline, which includes the
 * batch's commit, not just the instant the watcher wrote the run. It stops when every heartbeat has a missed run (or
 * `--until` passes), or on SIGTERM (a restart), then prints one JSON line: each run's deadline, recording and seen
 * instants (`seenAt` null: the run was already there at this process's first poll), and how many runs, alerts and
 * heartbeats with more than one missed run there are (must be 0: recorded once). Logs at `error`: a late deadline's
 * warning would be a line a heartbeat.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { randomBase62 } from '../../src/modules/common/base62';

const POLL_MS = 100;
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '0' },
    'span-ms': { type: 'string', default: '10000' },
    'lead-ms': { type: 'string', default: '3000' },
    org: { type: 'string' },
    orgs: { type: 'string', default: '1' },
    until: { type: 'string' },
  },
});

export interface RowRun {
  check: string;
  deadline: number;
  recordedAt: number;
  seenAt: number | null;
}

export interface RowOutput {
  org: string;
  /** When this process's app answered (epoch ms). */
  readyAt: number;
  runs: RowRun[];
  alerts: number;
  /** Heartbeats with more than one missed run in the row's window (each has one deadline in it). */
  twice: number;
  /** This process's CPU time (every thread: the embedded database's too) from the heartbeats' insertion to the end, ms. */
  cpuMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A line for the parent, told apart from the app's log lines on the same stdout. */
const say = (o: object) => process.stdout.write(`${ROW_LINE}${JSON.stringify(o)}\n`);
export const ROW_LINE = 'heartbeat-row ';

async function main() {
  const app = await createApp(loadConfig({ LOG_LEVEL: 'error', BOOTSTRAP_KEY: 'false', PORT: '0', ...process.env }));
  const readyAt = Date.now();
  const sql = <T extends object[]>(text: string, params: unknown[] = []) => app.database.orm.em.fork().getConnection().execute<T>(text, params as never[]);
  let org = values.org;
  const orgs = org ? [org] : [];
  let count = Number(values.count);
  if (!org) {
    for (let k = 0; k < Number(values.orgs); k++) {
      const id = (await app.services.organizations.findOrCreate(app.database.orm.em.fork(), `Heartbeats ${randomBase62(6)}`)).org.id;
      await sql(`update organizations set plan = 'UNLIMITED' where id = ?`, [id]);
      orgs.push(id);
    }
    org = orgs[0];
    const start = Date.now() + Number(values['lead-ms']);
    const span = Number(values['span-ms']);
    const ids = Array.from({ length: count }, () => `hbt_bench${randomBase62(12)}`);
    const owners = ids.map((_, i) => orgs[i % orgs.length]);
    const deadlines = ids.map((_, i) => new Date(start + Math.floor((i * span) / Math.max(1, count - 1))).toISOString());
    // A period of an hour: each heartbeat has exactly one deadline in the row.
    await sql(`insert into checks (id, organization_id, kind) select r.id, r.org, 'heartbeat' from unnest(?::text[], ?::text[]) as r(id, org)`, [`{${ids.join(',')}}`, `{${owners.join(',')}}`]);
    await sql(
      `insert into heartbeats (id, organization_id, name, period_seconds, grace_seconds, token_hash, token_sealed, next_deadline_at, next_run_at, created_at, updated_at)
       select r.id, r.org, 'bench', 3600, 1, encode(sha256(r.id::bytea), 'hex'), 'x', r.deadline::timestamptz, now(), now(), now()
         from unnest(?::text[], ?::text[], ?::text[]) as r(id, org, deadline)`,
      [`{${ids.join(',')}}`, `{${owners.join(',')}}`, `{${deadlines.join(',')}}`],
    );
    say({ org, firstDeadline: start, lastDeadline: start + span });
  } else {
    count = (await sql<{ n: number }[]>(`select count(*)::int as n from heartbeats where organization_id = ?`, [org]))[0].n;
  }
  const inOrgs = `{${orgs.join(',')}}`;

  const cpu0 = process.cpuUsage();
  const runs = new Map<string, RowRun>();
  let first = true;
  const poll = async () => {
    const rows = await sql<{ check_id: string; scheduled_at: Date; finished_at: Date }[]>(
      `select check_id, scheduled_at, finished_at from runs where organization_id = any(?::text[]) and scheduled_at is not null`,
      [inOrgs],
    );
    const now = Date.now();
    for (const r of rows)
      if (!runs.has(r.check_id))
        runs.set(r.check_id, { check: r.check_id, deadline: new Date(r.scheduled_at).getTime(), recordedAt: new Date(r.finished_at).getTime(), seenAt: first ? null : now });
    first = false;
  };
  let stopping = false;
  process.once('SIGTERM', () => (stopping = true));
  const until = values.until ? Number(values.until) : Infinity;
  while (!stopping && runs.size < count && Date.now() < until) {
    const t0 = Date.now();
    await poll();
    await sleep(Math.max(0, POLL_MS - (Date.now() - t0)));
  }
  await poll();
  const [{ alerts }] = await sql<{ alerts: number }[]>(`select count(*)::int as alerts from alerts where organization_id = any(?::text[])`, [inOrgs]);
  const [{ twice }] = await sql<{ twice: number }[]>(
    `select count(*)::int as twice from (select check_id from runs where organization_id = any(?::text[]) and scheduled_at is not null group by check_id having count(*) > 1) t`,
    [inOrgs],
  );
  const cpu = process.cpuUsage(cpu0);
  const out: RowOutput = { org, readyAt, runs: [...runs.values()], alerts, twice, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  say(out);
  await app.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
