/**
 * `npm run bench`: tracer's performance against a bare Apollo Server, measured in ONE run on this machine.
 * Every server is its own process on 127.0.0.1; each row is warmed up, then loaded by autocannon with the same
 * connections and duration, and reported as req/s, p50/p99 latency and RSS with its ratio to the baseline of this
 * same run. Writes bench/results/latest.json. Embedded database by default; DATABASE_URL runs tracer on
 * PostgreSQL (in a database of its own, dropped afterwards) and adds the revocation-across-instances row.
 *
 * The machine is shared and noisy (the same row moves by a third between two runs a minute apart), so the rows
 * compared with the baseline are measured in interleaved rounds (baseline, me, /v1/me, list ceiling, list, on
 * PostgreSQL the peer, and `me` signed in with a session cookie instead of a key; again; again) and each ratio is the median of the per-round ratios: drift hits both sides of
 * a pair alike. Each tracer row runs in a process started for it; the baseline and ceiling (bare Apollo, both
 * NODE_ENV=production, the ceiling with cache-control off) and the peer (GraphQL Yoga + generic-auth) are
 * processes of their own. Every row
 * also reports the server's own CPU time per request (utime + stime from /proc over the measured load), which
 * other tenants of the machine disturb far less than req/s.
 *
 * The API rows run tracer's API role (`WORKER=false npm start`, as a deployment that scales the API runs it); the
 * soak runs twice, on the API role and on the combined `npm start` process (API + in-process worker). Every tracer
 * process starts with the node flags of its package.json script (common.ts, nodeFlags).
 *
 * Knobs: BENCH_DURATION (s per row and round, default 5), BENCH_ROUNDS (default 5), BENCH_CONNECTIONS (default 10),
 * BENCH_SOAK (s, default 60), BENCH_ONLY=rounds (only the interleaved rows, for quick comparisons while working),
 * BENCH_ONLY=soak (only the two soaks),
 * BENCH_ONLY=notify (only the notifications rows; PostgreSQL).
 * BENCH_ONLY=live (only the live-updates rows, scripts/bench/live.ts: 1,000 subscribers; PostgreSQL).
 * BENCH_ONLY=api (every row but the check engine's).
 * BENCH_ONLY=stats (only the statistics rows, scripts/bench/stats.ts).
 * BENCH_ONLY=status (only the public status page against /healthz on the same server).
 * BENCH_ONLY=me (only the `me` CPU-per-request and fixed-rate p99 rows, scripts/bench/me.ts).
 * BENCH_ONLY=heartbeats (only the heartbeat deadline accuracy rows, scripts/bench/heartbeats.ts; embedded, and
 * PostgreSQL too with DATABASE_URL). With BENCH_HEARTBEATS_BASELINE=<another built checkout> instead: the bursts of
 * 1,000 recorded by that build and by this one, alternated, BENCH_ROUNDS rounds (2 by default).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { checksum, KEY_PREFIX } from '../src/modules/auth/key-format';
import { benchEngine, engineTable } from './bench/engine';
import { benchNotify, notifyTable } from './bench/notify';
import { benchLive, liveTable } from './bench/live';
import { benchStatsOn, statsTable } from './bench/stats';
import { benchMe, meTable } from './bench/me';
import { benchHeartbeats, benchHeartbeatsVersus, heartbeatsTable } from './bench/heartbeats';
import { cli, cpuMs, median, pairedRatio, pct, readyz, ROOT, rssMb, startProcess, withPostgresDatabase, type Proc, type Row } from './bench/common';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SOAK = Number(process.env.BENCH_SOAK ?? 60);
const ME_QUERY = JSON.stringify({ query: '{ me { organization { id name } key { name permissions expiresAt } } }' });
/** `me` as the dashboard of a signed-in person asks it: the same shape as ME_QUERY, the member instead of the key. */
const ME_SESSION_QUERY = JSON.stringify({ query: '{ me { organization { id name } member { email role permissions } } }' });
/** The bench's PUBLIC_URL: a signed-in request must name the server's origin, which is then the same for every process of a row. */
const BENCH_ORIGIN = 'http://bench.tracer.test';
const MONITORS_QUERY = JSON.stringify({ query: '{ monitors(first: 50) { nodes { id name url status intervalSeconds lastRunAt } pageInfo { endCursor hasNextPage } } }' });


async function load(
  name: string,
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; pid?: number; duration?: number; sampleRss?: boolean },
): Promise<Row> {
  const base = { url, connections: CONNECTIONS, method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body };
  const countStatuses = (res: unknown) => {
    const out: Record<string, number> = {};
    for (const [code, v] of Object.entries((res as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {})) out[code] = v.count;
    return out;
  };
  const warm = await autocannon({ ...base, duration: 2 }); // warm-up: JIT, caches, connection pools
  const cpu0 = opts.pid ? cpuMs(opts.pid) : null;
  const samples: number[] = [];
  const sampler = opts.pid && opts.sampleRss ? setInterval(() => samples.push(rssMb(opts.pid!) ?? NaN), 500) : undefined;
  const r = await autocannon({ ...base, duration: opts.duration ?? DURATION });
  clearInterval(sampler);
  const cpu1 = opts.pid ? cpuMs(opts.pid) : null;
  return {
    name,
    reqPerSec: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    rssMb: opts.pid ? rssMb(opts.pid) : null,
    ...(opts.sampleRss ? { rssSamples: samples } : {}),
    cpuUsPerReq: cpu0 !== null && cpu1 !== null && r.requests.total > 0 ? Math.round(((cpu1 - cpu0) * 1000) / r.requests.total) : null,
    statuses: countStatuses(r),
    warmStatuses: countStatuses(warm),
  };
}

const gql = (key: string | null, body: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  body,
});

function forged(keyId: string, secret = randomBytes(16).toString('hex')) {
  const body = KEY_PREFIX + keyId + secret.slice(0, 32).replace(/[^0-9A-Za-z]/g, 'a');
  return body + checksum(body);
}

/**
 * `me` for BENCH_SOAK seconds on a process started for it, RSS sampled every 500 ms. RSS of a garbage-collected
 * runtime moves by tens of MB from one instant to the next (V8 sizes its young generation to the load and gives
 * memory back lazily): the row reports the median over the whole soak and the medians of its first and last 10 s.
 */
async function soak(env: Record<string, string>, role: string, key: string): Promise<Row> {
  process.stderr.write(`soak: ${SOAK}s of \`me\` for RSS (${role})\n`);
  const s = await startProcess('dist/src/server.js', env, readyz);
  try {
    const row = await load(`soak: \`me\` for ${SOAK}s, ${role}`, `${s.url}/graphql`, { ...gql(key, ME_QUERY), pid: s.child.pid, duration: SOAK, sampleRss: true });
    const rss = (row.rssSamples ?? []).filter((x) => Number.isFinite(x));
    const window = Math.min(20, Math.floor(rss.length / 3));
    if (window > 0) {
      const [first, last] = [median(rss.slice(0, window)), median(rss.slice(-window))];
      row.note = `RSS median ${median(rss)} MB; first 10 s ${first} MB → last 10 s ${last} MB (${(((last - first) / first) * 100).toFixed(1)}%); range ${Math.min(...rss)}–${Math.max(...rss)} MB`;
    }
    return row;
  } finally {
    await s.stop();
  }
}

/** Three starts of the server on the same data: process start → /readyz 200, as a note line. */
async function coldStarts(env: Record<string, string>, where: string): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startProcess('dist/src/server.js', env, readyz);
    times.push(Math.round(s.startedMs));
    await s.stop();
  }
  times.sort((x, y) => x - y);
  return `cold start (process start → /readyz 200, ${where}): ${times.join(', ')} ms (median ${times[1]} ms)`;
}

/**
 * The public status page (issue 29): `GET /status/:slug` (its HTML, 3 components over 3 monitors, answered from the
 * page cache) against `GET /healthz`, on the same server, interleaved rounds; the target is ≥ 0.5× /healthz.
 */
async function statusPageRows(env: Record<string, string>, key: string, log: (s: string) => void): Promise<Row[]> {
  log('status page: GET /status/bench against GET /healthz on the same server');
  const sp = await startProcess('dist/src/server.js', { ...env, STATUS_PAGE_RATE_LIMIT_PER_MINUTE: '10000000' }, readyz);
  try {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${sp.url}/v1/monitors`, { method: 'POST', headers, body: JSON.stringify({ name: `status ${i}`, url: `https://example.com/s${i}` }) });
      ids.push(((await res.json()) as { data: { id: string } }).data.id);
    }
    const query = `mutation($input: CreateStatusPageInput!) { createStatusPage(input: $input) { id } }`;
    const input = { name: 'Bench', slug: 'bench', components: ids.map((id, i) => ({ name: `Component ${i}`, checkIds: [id] })) };
    const made = await fetch(`${sp.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables: { input } }) });
    if (!made.ok) throw new Error(`bench: createStatusPage answered ${made.status}`);
    const health: Row[] = [];
    const page: Row[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      health.push(await load('`GET /healthz` (the status page row\'s server)', `${sp.url}/healthz`, { pid: sp.child.pid }));
      page.push(await load('public status page `GET /status/:slug` (HTML, 3 components, cached)', `${sp.url}/status/bench`, { pid: sp.child.pid }));
    }
    const mid = (xs: Row[]) => ({ ...[...xs].sort((x, y) => x.reqPerSec - y.reqPerSec)[Math.floor(xs.length / 2)] });
    const h = mid(health);
    const p = mid(page);
    h.note = `rounds: ${health.map((x) => x.reqPerSec).join(', ')} req/s`;
    p.note = `rounds: ${page.map((x) => x.reqPerSec).join(', ')} req/s; ${pairedRatio(page, health)}× /healthz on the same server (target ≥ 0.5×)`;
    return [h, p];
  } finally {
    await sp.stop();
  }
}

async function statusOnly() {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-bench-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', SCHEDULING: 'false', BOOTSTRAP_KEY: 'false', WORKER: 'false', RATE_LIMIT_PER_MINUTE: '10000000' };
  const made = JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', 'Bench Inc', '--name', 'bench', '--permissions', 'all', '--json'], env)) as { key: string };
  const rows = await statusPageRows(env, made.key, log);
  const file = path.join(ROOT, 'bench/results/latest.json');
  const previous = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, `${JSON.stringify({ ...previous, statusPage: { date: new Date().toISOString(), database: 'embedded', connections: CONNECTIONS, durationSeconds: DURATION, rounds: ROUNDS, rows } }, null, 2)}\n`);
  process.stdout.write(`\n| row | req/s | p50 ms | p99 ms | CPU µs/req | note |\n| --- | ---: | ---: | ---: | ---: | --- |\n${rows.map((r) => `| ${r.name} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.cpuUsPerReq ?? ''} | ${r.note ?? ''} |`).join('\n')}\n`);
}

async function main() {
  if (process.env.BENCH_ONLY === 'engine') return engineOnly();
  if (process.env.BENCH_ONLY === 'notify') return notifyOnly();
  if (process.env.BENCH_ONLY === 'live') return liveOnly();
  if (process.env.BENCH_ONLY === 'stats') return statsOnly();
  if (process.env.BENCH_ONLY === 'status') return statusOnly();
  if (process.env.BENCH_ONLY === 'me') return meOnly();
  if (process.env.BENCH_ONLY === 'heartbeats') return heartbeatsOnly();
  const rows: Row[] = [];
  const notes: string[] = [];
  const log = (s: string) => process.stderr.write(`${s}\n`);

  log(`baseline: bare Apollo Server 5 (NODE_ENV=production), ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION}s per row`);
  const answersMe = async (u: string) => (await fetch(u, gql(null, ME_QUERY))).ok;
  const baseline = await startProcess('dist/scripts/bench/baseline-server.js', { NODE_ENV: 'production' }, answersMe);
  // The list row's ceiling, with the cache-control plugin off as tracer has it (it was half of that row's CPU).
  const ceiling = await startProcess('dist/scripts/bench/baseline-server.js', { NODE_ENV: 'production', CACHE_CONTROL: 'false' }, answersMe);

  const run = async (databaseUrl: string | undefined) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-bench-'));
    const env: Record<string, string> = {
      ...(databaseUrl ? { DATABASE_URL: databaseUrl, SECRETS_KEY: randomBytes(32).toString('base64') } : { DATA_DIR: dataDir }),
      LOG_LEVEL: 'warn', // the baseline logs nothing per request either
      SCHEDULING: 'false',
      BOOTSTRAP_KEY: 'false',
      PUBLIC_URL: BENCH_ORIGIN,
      LAST_USED_FLUSH_MS: '5000',
      // One key sends tens of thousands of requests a second here: the per-key limit still runs its check on every
      // request (that cost is measured), but must not turn the rows into 429s.
      RATE_LIMIT_PER_MINUTE: '10000000',
    };
    // The API role, as `WORKER=false npm start`: no check worker, no notification worker, no queue polling.
    const api = { ...env, WORKER: 'false' };
    let peer: Proc | undefined;
    try {
      const made = JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', 'Bench Inc', '--name', 'bench', '--permissions', 'all', '--json'], env)) as { key: string; id: string };
      await cli(['dist/src/cli/orgs.js', 'set-plan', '--org', 'Bench Inc', '--plan', 'BUSINESS'], env);
      const person = JSON.parse(await cli(['dist/src/cli/members.js', 'add', '--org', 'Bench Inc', '--email', 'bench@example.com', '--role', 'OWNER', '--json'], env)) as { token: string };
      const seeder = await startProcess('dist/src/server.js', api, readyz);
      const auth = { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' };
      // The person's password (set through the CLI's link) and a session, kept for the session row.
      const post = (p: string, body: unknown) => fetch(`${seeder.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const password = randomBytes(18).toString('base64url');
      if ((await post('/auth/reset-password', { token: person.token, password })).status !== 204) throw new Error('bench: could not set the member password');
      const signedIn = await post('/auth/sign-in', { email: 'bench@example.com', password });
      if (signedIn.status !== 200) throw new Error(`bench: sign-in answered ${signedIn.status}`);
      const cookie = signedIn.headers.get('set-cookie')!.split(';')[0];
      log('seeding 1,000 monitors');
      for (let i = 0; i < 1000; i += 20)
        await Promise.all(
          Array.from({ length: 20 }, (_, j) =>
            fetch(`${seeder.url}/v1/monitors`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `m${i + j}`, url: `https://example.com/${i + j}` }) }),
          ),
        );
      await seeder.stop();
      if (process.env.BENCH_ONLY === 'soak') {
        rows.push(await soak(api, 'API role, `WORKER=false`', made.key), await soak(env, '`npm start`, API + worker', made.key));
        return;
      }
      if (databaseUrl) {
        const peerKey = `peer_${randomBytes(24).toString('hex')}`;
        peer = await startProcess('dist/scripts/bench/peer-server.js', { NODE_ENV: 'production', DATABASE_URL: databaseUrl, PEER_KEY: peerKey }, async (u) =>
          (await fetch(`${u}/graphql`, gql(peerKey, ME_QUERY))).ok,
        );
        (peer as Proc & { key?: string }).key = peerKey;
      }

      log('interleaved rounds, each tracer row in a fresh process: baseline, me, /v1/me, ceiling, monitors(first: 50)' + (peer ? ', peer' : '') + ', me signed in');
      // Every tracer row runs in a process of its own, started for the row: a row measured right after another
      // pays for the other's garbage (`me` after the list rows measured 0.70× there, 0.89× alone).
      type Entry = { name: string; url: string; opts: Parameters<typeof load>[2]; fixed?: Proc };
      const tracerRow = (name: string, pathname: string, opts: Parameters<typeof load>[2]): Entry => ({ name, url: pathname, opts });
      const entries: Entry[] = [
        { name: 'baseline: bare Apollo `me` (NODE_ENV=production, no auth, no DB)', url: baseline.url, opts: gql(null, ME_QUERY), fixed: baseline },
        tracerRow('`me` over GraphQL with a valid key', '/graphql', gql(made.key, ME_QUERY)),
        tracerRow('`GET /v1/me` (REST)', '/v1/me', { headers: { authorization: `Bearer ${made.key}` } }),
        { name: 'ceiling: bare Apollo `monitors(first: 50)` from constants, cache-control off', url: ceiling.url, opts: gql(null, MONITORS_QUERY), fixed: ceiling },
        tracerRow('`monitors(first: 50)` of 1,000', '/graphql', gql(made.key, MONITORS_QUERY)),
        ...(peer
          ? [{ name: 'peer: GraphQL Yoga + @envelop/generic-auth, SHA-256 key lookup in PostgreSQL per request', url: `${peer.url}/graphql`, opts: gql((peer as Proc & { key?: string }).key!, ME_QUERY), fixed: peer }]
          : []),
        tracerRow('`me` over GraphQL signed in (session cookie)', '/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie, origin: BENCH_ORIGIN },
          body: ME_SESSION_QUERY,
        }),
      ];
      const sessionRow = entries.length - 1;
      const samples = entries.map(() => [] as Row[]);
      for (let round = 0; round < ROUNDS; round++)
        for (const [i, e] of entries.entries()) {
          if (e.fixed) {
            samples[i].push(await load(e.name, e.url, { ...e.opts, pid: e.fixed.child.pid }));
            continue;
          }
          const s = await startProcess('dist/src/server.js', api, readyz);
          try {
            samples[i].push(await load(e.name, `${s.url}${e.url}`, { ...e.opts, pid: s.child.pid }));
          } finally {
            await s.stop();
          }
        }
      await baseline.stop();
      await ceiling.stop();
      await peer?.stop();
      for (const i of entries.keys()) {
        // The round with the median req/s stands for the row; its ratio is the median of the per-round ratios.
        const row = { ...[...samples[i]].sort((x, y) => x.reqPerSec - y.reqPerSec)[Math.floor(samples[i].length / 2)] };
        row.ratio = pairedRatio(samples[i], samples[0]);
        row.note = `rounds: ${samples[i].map((x) => x.reqPerSec).join(', ')} req/s`;
        rows.push(row);
      }
      rows[4].note += `; ${pairedRatio(samples[4], samples[3])}× the ceiling`;
      if (peer) rows[5].note += `; tracer's \`me\` is ${pairedRatio(samples[1], samples[5])}× this row`;
      rows[sessionRow].note += `; ${pairedRatio(samples[sessionRow], samples[1])}× \`me\` with a key`;

      rows.push(...(await statusPageRows(api, made.key, log)));

      if (process.env.BENCH_ONLY === 'rounds') return;
      let current = await startProcess('dist/src/server.js', api, readyz);
      // Each flood gets a fresh process: the failure limiter is per address, and every flood comes from 127.0.0.1,
      // so one flood would otherwise start the next already limited.
      const fresh = async () => {
        await current.stop();
        current = await startProcess('dist/src/server.js', api, readyz);
        await fetch(`${current.url}/v1/me`, { headers: { authorization: `Bearer ${made.key}` } }); // verify the real key once
        return current;
      };
      log('floods of bad keys');
      let s = await fresh();
      rows.push(await load('flood: bad checksum', `${s.url}/v1/me`, { headers: { authorization: `Bearer ${made.key.slice(0, -1)}${made.key.endsWith('0') ? '1' : '0'}` }, pid: s.child.pid }));
      s = await fresh();
      const unknown = await load('flood: valid checksum, unknown keyId', `${s.url}/v1/me`, { headers: { authorization: `Bearer ${forged('ZZZZZZZZZZZZ')}` }, pid: s.child.pid });
      unknown.note = 'after 20 failures in a minute the address gets 429 before any lookup';
      rows.push(unknown);
      // Wrong secrets for a real keyId while the real key keeps working: the limiter answers 429 before bcrypt.
      s = await fresh();
      const attacked = made.id.slice(4);
      const [flood, valid] = await Promise.all([
        load('flood: wrong secret for one real keyId', `${s.url}/v1/me`, { headers: { authorization: `Bearer ${forged(attacked)}` }, pid: s.child.pid }),
        load('  valid key of that keyId during the flood', `${s.url}/graphql`, { ...gql(made.key, ME_QUERY), pid: s.child.pid }),
      ]);
      const compares = (flood.warmStatuses?.['401'] ?? 0) + (flood.statuses['401'] ?? 0);
      const limited = (flood.warmStatuses?.['429'] ?? 0) + (flood.statuses['429'] ?? 0);
      flood.note = `${compares} bcrypt compares (401s) in ${DURATION + 2} s including warm-up; ${limited} attempts answered 429 before bcrypt`;
      // Both loads ran against one process at once: its CPU time covers the requests of both.
      if (flood.cpuUsPerReq && valid.cpuUsPerReq) flood.cpuUsPerReq = valid.cpuUsPerReq = Math.round(1 / (1 / flood.cpuUsPerReq + 1 / valid.cpuUsPerReq));
      rows.push(flood, valid);
      await current.stop();

      rows.push(await soak(api, 'API role, `WORKER=false`', made.key), await soak(env, '`npm start`, API + worker', made.key));

      if (!databaseUrl) {
        log('cold start on the existing embedded database');
        notes.push(await coldStarts(env, 'existing embedded database'));
      } else {
        log('revocation across two instances');
        // Polling B until it answers 401 counts failures from this address: lift the limiter for this row.
        const lifted = { ...api, AUTH_FAILURE_LIMIT: '1000000' };
        const a = await startProcess('dist/src/server.js', lifted, readyz);
        const b = await startProcess('dist/src/server.js', lifted, readyz);
        const latencies: number[] = [];
        for (let i = 0; i < 200; i++) {
          const created = (await (await fetch(`${a.url}/v1/api-keys`, { method: 'POST', headers: auth, body: JSON.stringify({ name: `r${i}`, permissions: ['monitors:read'] }) })).json()) as {
            data: { key: string; api_key: { id: string } };
          };
          const k = created.data.key;
          const first = await fetch(`${b.url}/v1/me`, { headers: { authorization: `Bearer ${k}` } });
          if (first.status !== 200) throw new Error(`B did not accept the key: ${first.status} ${await first.text()}`);
          await fetch(`${a.url}/v1/api-keys/${created.data.api_key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${made.key}` } });
          const t0 = performance.now();
          while ((await fetch(`${b.url}/v1/me`, { headers: { authorization: `Bearer ${k}` } })).status === 200) {
            if (performance.now() - t0 > 5000) throw new Error('B kept accepting a revoked key');
          }
          latencies.push(performance.now() - t0);
        }
        latencies.sort((x, y) => x - y);
        notes.push(`revocation across instances (revoke answered on A → first 401 on B, 200 revocations): p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
        await a.stop();
        await b.stop();
        notes.push(await coldStarts(env, 'PostgreSQL'));
      }
    } finally {
      await peer?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };

  try {
    if (process.env.DATABASE_URL) await withPostgresDatabase(process.env.DATABASE_URL, run);
    else await run(undefined);
  } finally {
    await baseline.stop();
    await ceiling.stop();
  }

  const base = rows[0]; // the baseline: the first of the interleaved rows
  for (const r of process.env.BENCH_ONLY === 'soak' ? [] : rows) {
    r.ratio ??= Math.round((r.reqPerSec / base.reqPerSec) * 100) / 100;
    r.p99Ratio = Math.round((r.p99 / Math.max(base.p99, 1)) * 100) / 100;
    if (r.cpuUsPerReq !== null && base.cpuUsPerReq) r.cpuRatio = Math.round((r.cpuUsPerReq / base.cpuUsPerReq) * 100) / 100;
  }
  const result = {
    date: new Date().toISOString(),
    database: process.env.DATABASE_URL ? 'postgresql' : 'embedded',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    rounds: ROUNDS,
    rows,
    notes,
  };
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);

  const lines = [
    `| row | req/s | × baseline | p50 ms | p99 ms | p99 × baseline | CPU µs/req | CPU × baseline | RSS MB | statuses |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |`,
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.reqPerSec} | ${r.ratio ?? ''} | ${r.p50} | ${r.p99} | ${r.p99Ratio ?? ''} | ${r.cpuUsPerReq ?? ''} | ${r.cpuRatio ?? ''} | ${r.rssMb ?? ''} | ${Object.entries(r.statuses)
          .map(([c, n]) => `${c}: ${n}`)
          .join(', ')}${r.note ? `; ${r.note}` : ''} |`,
    ),
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const partial = ['rounds', 'api', 'soak'].includes(process.env.BENCH_ONLY ?? '');
  if (!partial) await engineOnly(result);
  if (!partial) await meOnly();
  if (!partial && process.env.DATABASE_URL) await notifyOnly();
  if (!partial && process.env.DATABASE_URL) await liveOnly();
}

/** The notifications' rows (scripts/bench/notify.ts): PostgreSQL only (workers are processes of their own). */
async function notifyOnly() {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (!process.env.DATABASE_URL) {
    log('BENCH_ONLY=notify needs DATABASE_URL (an API instance and two worker processes share one PostgreSQL)');
    process.exitCode = 1;
    return;
  }
  const rows = await withPostgresDatabase(process.env.DATABASE_URL, (url) => benchNotify(url, log));
  const file = path.join(ROOT, 'bench/results/notify.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), database: 'postgresql', rows }, null, 2)}\n`);
  process.stdout.write(`\n${notifyTable(rows)}\n`);
}

/** The live-updates rows (scripts/bench/live.ts): PostgreSQL only (the worker recording runs is a process of its own). */
async function liveOnly() {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  if (!process.env.DATABASE_URL) {
    log('BENCH_ONLY=live needs DATABASE_URL (an API instance and a worker process share one PostgreSQL)');
    process.exitCode = 1;
    return;
  }
  const rows = await withPostgresDatabase(process.env.DATABASE_URL, (url) => benchLive(url, log));
  const file = path.join(ROOT, 'bench/results/live.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), database: 'postgresql', rows }, null, 2)}\n`);
  process.stdout.write(`\n${liveTable(rows)}\n`);
}

/** The check engine's rows (scripts/bench/engine.ts), on its own database; merged into latest.json. */
async function engineOnly(into: Record<string, unknown> = { date: new Date().toISOString(), database: process.env.DATABASE_URL ? 'postgresql' : 'embedded' }) {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const engine = process.env.DATABASE_URL
    ? await withPostgresDatabase(process.env.DATABASE_URL, (url) => benchEngine(url, log))
    : await benchEngine(undefined, log);
  const file = path.join(ROOT, 'bench/results/latest.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...into, engine }, null, 2)}\n`);
  process.stdout.write(`\n${engineTable(engine.rows, engine.notes)}\n`);
}

/**
 * The `me` rows of issue 30 (scripts/bench/me.ts): server CPU per request over a fixed count and p99 at a fixed
 * open-loop rate, against a bare Apollo Server; merged into latest.json as `me`.
 */
async function meOnly() {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const me = process.env.DATABASE_URL ? await withPostgresDatabase(process.env.DATABASE_URL, (url) => benchMe(url, log)) : await benchMe(undefined, log);
  const file = path.join(ROOT, 'bench/results/latest.json');
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...previous, me: { date: new Date().toISOString(), ...me } }, null, 2)}\n`);
  process.stdout.write(`\n${meTable(me)}\n`);
}

/** The heartbeat deadline rows (scripts/bench/heartbeats.ts); merged into latest.json as `heartbeats`. */
async function heartbeatsOnly() {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const baseline = process.env.BENCH_HEARTBEATS_BASELINE;
  if (baseline) {
    const versus = await benchHeartbeatsVersus(baseline, process.env.DATABASE_URL, Number(process.env.BENCH_ROUNDS ?? 2), log);
    process.stdout.write(`\n${heartbeatsTable(versus)}\n`);
    return;
  }
  const rows = await benchHeartbeats(process.env.DATABASE_URL, log);
  const file = path.join(ROOT, 'bench/results/latest.json');
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  fs.writeFileSync(file, `${JSON.stringify({ ...previous, heartbeats: { date: new Date().toISOString(), rows } }, null, 2)}\n`);
  process.stdout.write(`\n${heartbeatsTable(rows)}\n`);
}

/** The statistics rows (scripts/bench/stats.ts), on their own database; merged into latest.json as `stats`. */
async function statsOnly() {
  const stats = await benchStatsOn(process.env.DATABASE_URL, (s) => process.stderr.write(`${s}\n`));
  const file = path.join(ROOT, 'bench/results/latest.json');
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ ...previous, stats: { date: new Date().toISOString(), ...stats } }, null, 2)}\n`);
  process.stdout.write(`\n${statsTable(stats)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
