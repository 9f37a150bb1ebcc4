/**
 * The `me` rows of issue 30 (`BENCH_ONLY=me`, and part of a full `npm run bench`): tracer's server CPU per request
 * for `me` through `/graphql` and for `GET /v1/me`, against a bare Apollo Server 5 (NODE_ENV=production) answering
 * the same `me` selection from constants in its own process, and p99 latency at a fixed open-loop rate.
 *
 * - CPU µs/request: the server process's own CPU counters (utime + stime from /proc, every thread of it: the
 *   embedded database's thread included) over a fixed number of requests (BENCH_ME_REQUESTS, default 20,000, 10
 *   connections), after a warm-up (BENCH_ME_WARMUP, default 20,000). Far steadier than req/s on a shared machine.
 *   The warm-up is long because a fresh process's first thousands of requests pay V8's compilers, whose
 *   background threads are in the same counters: measured in windows of 5,000 requests on this machine, the bare
 *   server's first window cost 378 µs a request and every later one 112–130; tracer's REST route (ADR 0078's
 *   flags) 346, 140, 132, then 80–134: it has more code to compile than the bare server, which is steady from its
 *   second window. With a warm-up of a fifth of 5,000 the rows compared start-up compilation, not a request's cost (a
 *   process pays it once; the cold-start row measures start-up).
 * - p99 at BENCH_ME_RATE req/s (default 300), open loop: requests are sent on a fixed schedule whatever the
 *   answers do, and each latency counts from the moment its request was due (a server that stalls is charged for
 *   the requests queued behind the stall, which a closed loop would not send). BENCH_ME_SECONDS (default 10) s.
 * - Interleaved rounds (BENCH_ROUNDS, default 5): each round measures the baseline, then every tracer row in a
 *   process started for it; a row's figure is the median of its rounds, and its ratio is the median of the
 *   per-round ratios (bare ÷ tracer for CPU, tracer ÷ bare for p99), so drift hits both sides of a pair alike.
 *
 * Embedded database: the default `npm start` process (API and worker in one process, the database in its thread).
 * PostgreSQL (DATABASE_URL): the API role (`WORKER=false`), in a database of its own.
 *
 * Rows (BENCH_ME_ROWS, default `graphql,session,rest`): `me` over /graphql with a key; the same query with a member's
 * session cookie (signed in through POST /auth/sign-in, as the dashboard is: issue 25's comparison); `GET /v1/me`.
 * For A/B work in one run, BENCH_ME_VARIANTS (JSON: `[{"label":"semi 16","flags":["--max-semi-space-size=16"]},
 * {"label":"before","root":"/tmp/base","rows":["graphql"]}, {"label":"no worker","env":{"WORKER":"false"}}]`) adds the rows again for other node flags (after
 * the role's own from scripts/node-flags.js, so they win: `--no-single-threaded-gc` turns that one off) or another
 * build (`root` holds its own dist/; it still gets this checkout's flags) or other environment variables, in the same interleaved rounds.
 * BENCH_ME_SECONDS=0 leaves p99 out.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { cli, cpuMs, median, readyz, rssMb, startProcess, type Proc } from './common';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_ME_REQUESTS ?? 20_000);
const WARMUP = Number(process.env.BENCH_ME_WARMUP ?? 20_000);
const RATE = Number(process.env.BENCH_ME_RATE ?? 300);
const SECONDS = Number(process.env.BENCH_ME_SECONDS ?? 10);
const ME_QUERY = JSON.stringify({ query: '{ me { organization { id name } key { name permissions expiresAt } } }' });

export interface MeRow {
  name: string;
  /** Median over the rounds of the server's CPU per request (µs). */
  cpuUsPerReq: number;
  /** Median over the rounds of p99 at the fixed rate (ms). */
  p99Ms: number;
  /** RSS after the round's load (MB), median over the rounds. */
  rssMb: number | null;
  /** Median of the per-round bare ÷ tracer CPU (≥ 1: tracer costs no more than the bare server). */
  cpuRatio?: number;
  /** Median of the per-round tracer ÷ bare p99. */
  p99Ratio?: number;
  rounds: { cpuUsPerReq: number; p99Ms: number; rssMb: number | null }[];
}

interface Target {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

type RowKey = 'graphql' | 'session' | 'rest';
const ROW_NAMES: Record<RowKey, string> = {
  graphql: '`me` over /graphql (key)',
  session: '`me` over /graphql (session cookie)',
  rest: '`GET /v1/me` (key)',
};
const ROWS = (process.env.BENCH_ME_ROWS ?? 'graphql,session,rest').split(',').map((r) => r.trim()) as RowKey[];
interface Variant {
  label: string;
  root?: string;
  flags?: string[];
  env?: Record<string, string>;
  rows?: RowKey[];
}
const VARIANTS = JSON.parse(process.env.BENCH_ME_VARIANTS ?? '[]') as Variant[];
const PASSWORD = 'violet-harbor-tunnel-8142';

/** CPU µs per request over a fixed count of requests (a warm-up first), and the RSS after it. */
async function cpuPerRequest(url: string, t: Target, pid: number): Promise<{ cpuUsPerReq: number; rssMb: number | null }> {
  const base = { url: url + t.path, connections: 10, method: t.method as 'GET', headers: t.headers, body: t.body };
  if (WARMUP > 0) await autocannon({ ...base, amount: WARMUP });
  const cpu0 = cpuMs(pid)!;
  const r = await autocannon({ ...base, amount: REQUESTS });
  const cpu1 = cpuMs(pid)!;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`bench: ${t.path} answered ${r.non2xx} non-2xx and ${r.errors} errors`);
  return { cpuUsPerReq: Math.round(((cpu1 - cpu0) * 1000) / r.requests.total), rssMb: rssMb(pid) };
}

/** p99 (ms) of requests sent on a fixed schedule of `RATE` a second, each timed from when it was due. */
async function openLoopP99(url: string, t: Target): Promise<number> {
  if (RATE * SECONDS <= 0) return NaN;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url + t.path);
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  const start = performance.now();
  let failures = 0;
  await new Promise<void>((resolve) => {
    let sent = 0;
    let done = 0;
    const fire = (due: number) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: t.method, headers: t.headers, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) failures++;
            latencies.push(performance.now() - due);
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', () => {
        failures++;
        if (++done === total) resolve();
      });
      req.end(t.body);
    };
    const tick = () => {
      const now = performance.now();
      // Every request due by now goes out, each timed from its own due moment.
      while (sent < total && start + (sent * 1000) / RATE <= now) fire(start + (sent++ * 1000) / RATE);
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / RATE - performance.now()));
    };
    tick();
  });
  agent.destroy();
  if (failures) throw new Error(`bench: ${failures} of ${total} requests to ${t.path} failed at ${RATE} req/s`);
  latencies.sort((a, b) => a - b);
  return Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] * 100) / 100;
}

async function measure(url: string, t: Target, pid: number) {
  const cpu = await cpuPerRequest(url, t, pid);
  const p99Ms = await openLoopP99(url, t);
  return { ...cpu, p99Ms };
}

/** The rows; `databaseUrl` undefined → the embedded default in a fresh DATA_DIR. */
export async function benchMe(databaseUrl: string | undefined, log: (s: string) => void): Promise<{ rows: MeRow[]; role: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-bench-me-'));
  const role = databaseUrl ? 'PostgreSQL, API role (`WORKER=false`)' : 'embedded, `npm start` (API + worker in one process)';
  const env: Record<string, string> = {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, SECRETS_KEY: randomBytes(32).toString('base64'), WORKER: 'false' } : { DATA_DIR: dataDir }),
    LOG_LEVEL: 'warn',
    BOOTSTRAP_KEY: 'false',
    SETUP_LINK: 'false',
    LAST_USED_FLUSH_MS: '5000',
    RATE_LIMIT_PER_MINUTE: '10000000',
  };
  try {
    const made = JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', 'Bench Inc', '--name', 'bench', '--permissions', 'all', '--json'], env)) as { key: string };
    const wantsSession = ROWS.includes('session') || VARIANTS.some((v) => (v.rows ?? ROWS).includes('session'));
    const invited = wantsSession
      ? (JSON.parse(await cli(['dist/src/cli/members.js', 'add', '--org', 'Bench Inc', '--email', 'bench@example.com', '--role', 'OWNER', '--json'], env)) as { token: string })
      : undefined;
    // The member's password is set, and the member signed in, through the first server that needs the cookie; the
    // session is a row of the database, so every later process accepts the same cookie.
    let cookie: string | undefined;
    const sessionCookie = async (url: string): Promise<string> => {
      if (cookie) return cookie;
      const post = (p: string, body: unknown) => fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const set = await post('/auth/reset-password', { token: invited!.token, password: PASSWORD });
      if (set.status !== 204) throw new Error(`bench: reset-password answered ${set.status}`);
      const signed = await post('/auth/sign-in', { email: 'bench@example.com', password: PASSWORD });
      cookie = signed.headers.get('set-cookie')?.split(';')[0];
      if (!cookie) throw new Error(`bench: sign-in answered ${signed.status}: ${await signed.text()}`);
      return cookie;
    };
    const json = { 'content-type': 'application/json' };
    const targetOf = async (row: RowKey, url: string): Promise<Target> => {
      if (row === 'graphql') return { method: 'POST', path: '/graphql', headers: { ...json, authorization: `Bearer ${made.key}` }, body: ME_QUERY };
      if (row === 'rest') return { method: 'GET', path: '/v1/me', headers: { authorization: `Bearer ${made.key}` } };
      // A signed-in POST must name this server's origin, as the dashboard's requests do.
      return { method: 'POST', path: '/graphql', headers: { ...json, cookie: await sessionCookie(url), origin: url }, body: ME_QUERY };
    };
    const targets: { name: string; row: RowKey; variant: Variant }[] = [
      ...ROWS.map((row) => ({ name: ROW_NAMES[row], row, variant: { label: '' } })),
      ...VARIANTS.flatMap((variant) => (variant.rows ?? ROWS).map((row) => ({ name: `${ROW_NAMES[row]}, ${variant.label}`, row, variant }))),
    ];
    const bareTarget: Target = { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: ME_QUERY };
    const answersMe = async (u: string) => (await fetch(u, { method: 'POST', headers: bareTarget.headers, body: ME_QUERY })).ok;
    const bareRounds: MeRow['rounds'] = [];
    const tracerRounds = targets.map(() => [] as MeRow['rounds']);
    log(`me rows (${role}): ${ROUNDS} interleaved rounds; CPU over ${REQUESTS} requests after ${WARMUP}, p99 at ${RATE} req/s open loop for ${SECONDS} s`);
    for (let round = 0; round < ROUNDS; round++) {
      const bare: Proc = await startProcess('dist/scripts/bench/baseline-server.js', { NODE_ENV: 'production' }, answersMe);
      try {
        bareRounds.push(await measure(bare.url, bareTarget, bare.child.pid!));
      } finally {
        await bare.stop();
      }
      for (const [i, { row, variant }] of targets.entries()) {
        const s = await startProcess('dist/src/server.js', env, readyz, variant);
        try {
          tracerRounds[i].push(await measure(s.url, await targetOf(row, s.url), s.child.pid!));
        } finally {
          await s.stop();
        }
      }
      log(`  round ${round + 1}: bare ${bareRounds[round].cpuUsPerReq} µs, ${targets.map((t, i) => `${t.name} ${tracerRounds[i][round].cpuUsPerReq} µs`).join(', ')}`);
    }
    const rowOf = (name: string, rounds: MeRow['rounds']): MeRow => ({
      name,
      cpuUsPerReq: median(rounds.map((r) => r.cpuUsPerReq)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      rssMb: median(rounds.map((r) => r.rssMb ?? NaN)),
      rounds,
    });
    const ratio = (xs: number[]) => Math.round(median(xs) * 100) / 100;
    const rows = [rowOf('bare Apollo Server 5 `me` from constants', bareRounds)];
    for (const [i, t] of targets.entries()) {
      const row = rowOf(t.name, tracerRounds[i]);
      row.cpuRatio = ratio(tracerRounds[i].map((r, k) => bareRounds[k].cpuUsPerReq / r.cpuUsPerReq));
      row.p99Ratio = ratio(tracerRounds[i].map((r, k) => r.p99Ms / bareRounds[k].p99Ms));
      rows.push(row);
    }
    return { rows, role };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export function meTable({ rows, role }: { rows: MeRow[]; role: string }): string {
  return [
    `\`me\` rows, ${role}: CPU over ${REQUESTS} requests after ${WARMUP} of warm-up, p99 at ${RATE} req/s open loop, ${ROUNDS} interleaved rounds (medians)`,
    '',
    '| row | CPU µs/req | bare ÷ tracer CPU | p99 ms | p99 × bare | RSS MB | CPU per round |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) => `| ${r.name} | ${r.cpuUsPerReq} | ${r.cpuRatio ?? ''} | ${r.p99Ms} | ${r.p99Ratio ?? ''} | ${r.rssMb ?? ''} | ${r.rounds.map((x) => x.cpuUsPerReq).join(', ')} |`,
    ),
  ].join('\n');
}
