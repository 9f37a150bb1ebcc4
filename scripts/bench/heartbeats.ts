/**
 * Heartbeat deadline accuracy (`BENCH_ONLY=heartbeats npm run bench`; embedded database, and PostgreSQL too when
 * DATABASE_URL is set): how late a missed deadline is recorded, for deadlines spread out, a burst of 200 and of
 * 1,000 within 10 s, and across a worker restart. Each row is a process of its own (scripts/bench/heartbeat-row.ts:
 * the real app, API + worker role, on a fresh DATA_DIR or database), started with `npm start`'s node flags.
 *
 * Lateness is seen − deadline: the instant a poll (every 100 ms) first reads the committed missed run, minus its
 * deadline. The restart row stops its process (SIGTERM, a graceful stop as a deployment does it) 5 s into 200
 * deadlines over 20 s, starts another on the same data 2 s later, and splits the deadlines into those that fell
 * while a worker ran and those that fell while none did (which can be no earlier than that worker's start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { nodeFlags, pct, ROOT, withPostgresDatabase } from './common';
import type { RowOutput, RowRun } from './heartbeat-row';

const ROW_LINE = 'heartbeat-row '; // heartbeat-row.ts's prefix (importing it would run that script)

const ROW = 'dist/scripts/bench/heartbeat-row.js';

export interface HeartbeatRow {
  database: string;
  name: string;
  deadlines: number;
  recorded: number;
  /** Seen − deadline, ms. */
  p50: number;
  p99: number;
  max: number;
  /** Deadlines seen more than 5 s late. */
  over5s: number;
  /** Heartbeats with more than one missed run (must be 0), and alerts opened (one per heartbeat). */
  twice: number;
  alerts: number;
  /**
   * The row process's CPU time per recorded deadline (ms; every thread of it, the embedded database's included, and
   * the 100 ms polling), from the heartbeats' insertion to the end. Steadier than lateness on a shared machine.
   */
  cpuMsPerDeadline?: number;
  note?: string;
}

interface Child {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>, root = ROOT): Child {
  // `npm start`'s node flags: the row runs as the server does. The bench's DATABASE_URL is for the PostgreSQL rows'
  // databases only: an embedded row has none.
  const { DATABASE_URL: _admin, ...inherited } = process.env;
  const childEnv = { ...inherited, ...env };
  const child = spawn(process.execPath, [...nodeFlags('dist/src/server.js', childEnv), ROW, ...args], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (d) => {
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts.filter((l) => l.startsWith(ROW_LINE)).map((l) => l.slice(ROW_LINE.length)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function line<T>(c: Child, n: number): Promise<T> {
  while (c.lines.length < n) {
    if (c.child.exitCode !== null) throw new Error(`${ROW} exited with ${c.child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return JSON.parse(c.lines[n - 1]) as T;
}

function summarise(database: string, name: string, deadlines: number, runs: RowRun[], out: { alerts: number; twice: number; cpuMs?: number }, note?: string): HeartbeatRow {
  const late = runs.map((r) => (r.seenAt ?? r.recordedAt) - r.deadline).sort((a, b) => a - b);
  return {
    database,
    name,
    deadlines,
    recorded: runs.length,
    p50: pct(late, 50) ?? NaN,
    p99: pct(late, 99) ?? NaN,
    max: late.at(-1) ?? NaN,
    over5s: late.filter((ms) => ms > 5000).length,
    twice: out.twice,
    alerts: out.alerts,
    ...(out.cpuMs !== undefined && runs.length ? { cpuMsPerDeadline: Math.round((out.cpuMs / runs.length) * 10) / 10 } : {}),
    note,
  };
}

async function steady(database: string, env: Record<string, string>, name: string, count: number, spanMs: number, orgs = 1, root = ROOT): Promise<HeartbeatRow> {
  const c = start(['--count', String(count), '--span-ms', String(spanMs), '--orgs', String(orgs)], env, root);
  await line(c, 1);
  const out = await line<RowOutput>(c, 2);
  await c.exited;
  return summarise(database, name, count, out.runs, out);
}

async function restart(database: string, env: Record<string, string>, count: number, spanMs: number): Promise<HeartbeatRow[]> {
  const first = start(['--count', String(count), '--span-ms', String(spanMs)], env);
  const { org, firstDeadline } = await line<{ org: string; firstDeadline: number }>(first, 1);
  await new Promise((r) => setTimeout(r, firstDeadline + 5000 - Date.now()));
  const stoppedAt = Date.now();
  first.child.kill('SIGTERM');
  const before = await line<RowOutput>(first, 2);
  await first.exited;
  const down = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  const second = start(['--org', org, '--until', String(firstDeadline + spanMs + 120_000)], env);
  const after = await line<RowOutput>(second, 1);
  await second.exited;
  const seen = new Map(before.runs.map((r) => [r.check, r]));
  for (const r of after.runs) if (!seen.has(r.check)) seen.set(r.check, r);
  const runs = [...seen.values()];
  // While no worker ran: from the first process's stop to the second's app being up.
  const gap = (r: RowRun) => r.deadline >= stoppedAt && r.deadline < after.readyAt;
  const startMs = after.readyAt - down - 2000;
  const total = { alerts: after.alerts, twice: after.twice };
  return [
    summarise(database, `restart: deadlines while a worker ran (of ${count} over ${spanMs / 1000} s)`, runs.filter((r) => !gap(r)).length, runs.filter((r) => !gap(r)), total),
    summarise(database, `restart: deadlines while no worker ran (stopped ${((after.readyAt - stoppedAt) / 1000).toFixed(1)} s)`, runs.filter(gap).length, runs.filter(gap), total,
      `stop → ready ${((after.readyAt - stoppedAt) / 1000).toFixed(1)} s (2 s down, start ${(startMs / 1000).toFixed(1)} s)`),
  ];
}

/** The rows of one process each: name, deadlines, span (ms), organizations. */
const STEADY = [
  ['spread: 40 deadlines 0.5 s apart', 40, 19_500, 1],
  ['burst: 200 deadlines within 10 s', 200, 10_000, 1],
  ['burst: 1,000 deadlines within 10 s', 1000, 10_000, 1],
  ['burst: 1,000 deadlines of 20 organizations within 10 s', 1000, 10_000, 20],
] as const;

/** The bursts compared with another build (BENCH_HEARTBEATS_BASELINE), alternated round by round. */
const VERSUS = STEADY.slice(2);

/**
 * The bursts of 1,000 (one organization, twenty) recorded by another checkout's build (`baseline`: its root, built,
 * with this script's heartbeat-row.ts) and by this one, alternated (the first of a round changes each round) so that
 * the machine's load hits both alike; embedded, and PostgreSQL too with `databaseUrl`.
 */
export async function benchHeartbeatsVersus(baseline: string, databaseUrl: string | undefined, rounds: number, log: (s: string) => void): Promise<HeartbeatRow[]> {
  const out: HeartbeatRow[] = [];
  const builds = [['before', baseline], ['after', ROOT]] as const;
  for (const database of databaseUrl ? ['embedded', 'postgresql'] : ['embedded'])
    for (let round = 1; round <= rounds; round++)
      for (const [name, count, span, orgs] of VERSUS)
        for (const [which, root] of round % 2 ? builds : [...builds].reverse()) {
          log(`heartbeats (${database}, ${which}, round ${round}): ${name}`);
          const row = (env: Record<string, string>) => steady(`${database} ${which}`, env, `${name} (round ${round})`, count, span, orgs, root);
          out.push(
            database === 'embedded'
              ? await row(await fresh({}))
              : await withPostgresDatabase(databaseUrl!, (url) => row({ DATABASE_URL: url, SECRETS_KEY: randomBytes(32).toString('base64') })),
          );
        }
  return out;
}

async function rows(database: string, env: Record<string, string>, log: (s: string) => void): Promise<HeartbeatRow[]> {
  const out: HeartbeatRow[] = [];
  for (const [name, count, span, orgs] of STEADY) {
    log(`heartbeats (${database}): ${name}`);
    out.push(await steady(database, await fresh(env), name, count, span, orgs));
  }
  log(`heartbeats (${database}): restart`);
  out.push(...(await restart(database, await fresh(env), 200, 20_000)));
  return out;
}

/** A fresh DATA_DIR per embedded row (a PostgreSQL row gets a fresh database from benchHeartbeats). */
async function fresh(env: Record<string, string>): Promise<Record<string, string>> {
  return env.DATABASE_URL ? env : { ...env, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-bench-hb-')) };
}

export async function benchHeartbeats(databaseUrl: string | undefined, log: (s: string) => void): Promise<HeartbeatRow[]> {
  const embedded = await rows('embedded', {}, log);
  if (!databaseUrl) return embedded;
  const pg: HeartbeatRow[] = [];
  // A database per row: each starts from an empty one, as the embedded rows do.
  const one = (name: string, count: number, span: number, orgs: number) =>
    withPostgresDatabase(databaseUrl, async (url) => steady('postgresql', { DATABASE_URL: url, SECRETS_KEY: randomBytes(32).toString('base64') }, name, count, span, orgs));
  log('heartbeats (postgresql): spread, bursts, restart');
  for (const [name, count, span, orgs] of STEADY) pg.push(await one(name, count, span, orgs));
  pg.push(...(await withPostgresDatabase(databaseUrl, (url) => restart('postgresql', { DATABASE_URL: url, SECRETS_KEY: randomBytes(32).toString('base64') }, 200, 20_000))));
  return [...embedded, ...pg];
}

export function heartbeatsTable(rows: HeartbeatRow[]): string {
  const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '—');
  return [
    '| database | row | deadlines | recorded | late p50 | p99 | max | > 5 s | recorded twice | alerts | CPU ms / deadline | note |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.database} | ${r.name} | ${r.deadlines} | ${r.recorded} | ${s(r.p50)} | ${s(r.p99)} | ${s(r.max)} | ${r.over5s} | ${r.twice} | ${r.alerts} | ${r.cpuMsPerDeadline ?? ''} | ${r.note ?? ''} |`),
  ].join('\n');
}
