/**
 * The live-updates row of `npm run bench` (BENCH_ONLY=live runs only it), on PostgreSQL (DATABASE_URL): an API-only
 * instance holding the subscribers, a worker process recording the runs, this process as the 1,000 clients.
 *
 * 1,000 graphql-ws clients (one connection each, the `graphql-transport-ws` subprotocol) across 50 keys of
 * `monitors:read` and `journeys:read`, each subscribed to `runRecorded` of one of 1,000 monitors. First idle (no check due): the API
 * process's RSS before the clients and after them, per subscriber. Then every monitor runs every 10 s (100 runs
 * recorded per second by the worker, against a local target): for each event, the time from the run's `finishedAt`
 * (set just before the worker's commit, so the figure is an upper bound of commit → client) to its arrival here,
 * p50 / p99; and the API process's CPU time over the window, per delivered event and as a share of a core.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { cli, cpuMs, pct, readyz, rssMb, startProcess, type Proc } from './common';
import { WORKER_BENCH_ENV } from './engine';
import { notifyTable, seed, startTarget, type NotifyRow } from './notify';

/** Rows with a target, as the notifications' rows are. */
export type LiveRow = NotifyRow;

const SUBSCRIBERS = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 1000);
const KEYS = 50;
const WINDOW_S = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RUN_RECORDED = 'subscription ($checkId: ID!) { runRecorded(checkId: $checkId) { id status finishedAt } }';

export async function benchLive(databaseUrl: string, log: (s: string) => void): Promise<LiveRow[]> {
  const rows: LiveRow[] = [];
  const target = await startTarget();
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...WORKER_BENCH_ENV,
    // every client is on 127.0.0.1: the per-address limit would otherwise stop them at 100
    LIVE_MAX_CONNECTIONS_PER_ADDRESS: String(SUBSCRIBERS + 100),
    LIVE_MAX_CONNECTIONS_PER_KEY: String(Math.ceil(SUBSCRIBERS / KEYS)),
  };
  const procs: Proc[] = [];
  const clients: WsClient[] = [];
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const made = JSON.parse(await cli(['dist/src/cli/keys.js', 'create', '--org', 'Live Bench', '--name', 'bench', '--permissions', 'all', '--json'], env)) as { key: string; organizationId: string };
    await cli(['dist/src/cli/orgs.js', 'set-plan', '--org', 'Live Bench', '--plan', 'UNLIMITED'], env);
    const api = await startProcess('dist/src/server.js', { ...env, WORKER: 'false' }, readyz);
    procs.push(api);
    const keys: string[] = [];
    for (let i = 0; i < KEYS; i++) {
      const res = await fetch(`${api.url}/v1/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' },
        // runRecorded may deliver a run of either kind: it needs both read scopes
        body: JSON.stringify({ name: `live ${i}`, permissions: ['monitors:read', 'journeys:read'] }),
      });
      keys.push(((await res.json()) as { data: { key: string } }).data.key);
    }
    // Not due for an hour: the idle measurement first.
    await seed(db, made.organizationId, 'mon_live', SUBSCRIBERS, `${target.url}/ok`, { interval: 10, threshold: 2, startInS: 3600, spreadS: 10 });
    const { rows: ids } = await db.query<{ id: string }>(`select id from monitors where id like 'mon_live%' order by id`);
    const worker = await startProcess('dist/src/worker.js', env, async () => (await db.query<{ n: number }>('select count(*)::int as n from workers')).rows[0].n >= 1);
    procs.push(worker);

    await sleep(3000);
    const pid = api.child.pid!;
    const rssBefore = rssMb(pid)!;
    log(`live: ${SUBSCRIBERS} graphql-ws clients across ${KEYS} keys, each subscribed to runRecorded of one monitor`);
    const latencies: number[] = [];
    let measuring = false;
    let errors = 0;
    let subscribed = 0;
    let rssHalf = 0;
    const wsUrl = `${api.url.replace(/^http/, 'ws')}/graphql`;
    const connect = ({ id }: { id: string }, i: number) =>
      new Promise<void>((ready) => {
        const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${keys[i % KEYS]}` }, retryAttempts: 0, lazy: false });
        clients.push(client);
        let acked = false;
        const ack = () => {
          if (acked) return;
          acked = true;
          subscribed++;
          ready();
        };
        client.on('connected', () => setTimeout(ack, 200)); // the subscribe message follows the ack at once
        client.subscribe<{ runRecorded: { finishedAt: string | null } }>(
          { query: RUN_RECORDED, variables: { checkId: id } },
          {
            next: (m) => {
              const at = Date.now();
              if (measuring && m.data?.runRecorded.finishedAt) latencies.push(at - Date.parse(m.data.runRecorded.finishedAt));
            },
            error: (e) => {
              if (++errors === 1) log(`live: first refusal: ${e instanceof Error ? e.message : JSON.stringify(e)}`);
              ack();
            },
            complete: () => undefined,
          },
        );
      });
    // Clients arrive 50 at a time (as a fleet of dashboards reconnecting does, not all in one instant); the memory
    // figure is the slope between the first half and all of them, so the heap the first connections made the
    // process commit (young generation, code) is not charged to each subscriber.
    const half = Math.floor(ids.length / 2);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((row, j) => connect(row, i + j)));
      if (i + 50 === half) {
        await sleep(3000);
        rssHalf = rssMb(pid)!;
      }
    }
    await sleep(5000); // settled: every subscription registered, nothing due
    const rssIdle = rssMb(pid)!;
    const perSubscriberKb = Math.round((((rssIdle - rssHalf) * 1024) / (SUBSCRIBERS - half)) * 10) / 10;
    rows.push({
      name: `${SUBSCRIBERS} idle subscribers (one graphql-ws connection each, ${KEYS} keys): API process RSS`,
      value: `${rssBefore} MB with none, ${rssHalf} MB with ${half}, ${rssIdle} MB with ${SUBSCRIBERS}: ${perSubscriberKb} kB per subscriber (the slope); ${subscribed - errors} subscribed, ${errors} refused`,
      target: '≤ 20 kB per idle subscriber',
      ok: perSubscriberKb <= 20 && errors === 0,
    });

    log(`live: every monitor due every 10 s (${SUBSCRIBERS / 10} runs/s); 12 s warm-up, ${WINDOW_S} s measured`);
    await db.query(`update monitors set next_run_at = now() + make_interval(secs => 1 + (substr(id, 9)::int % 1000) * 10 / 1000.0) where id like 'mon_live%'`);
    await sleep(12_000);
    measuring = true;
    const cpuFrom = cpuMs(pid)!;
    const from = Date.now();
    await sleep(WINDOW_S * 1000);
    measuring = false;
    const cpu = cpuMs(pid)! - cpuFrom;
    const seconds = (Date.now() - from) / 1000;
    const { rows: recorded } = await db.query<{ n: number }>(`select count(*)::int as n from runs where check_id like 'mon_live%' and finished_at >= $1 and finished_at < $2`, [new Date(from), new Date(from + seconds * 1000)]);
    const sorted = [...latencies].sort((a, b) => a - b);
    rows.push({
      name: `${SUBSCRIBERS} subscribers, ${Math.round(recorded[0].n / seconds)} runs/s recorded by a worker process: run finished → event at the client`,
      value: `p50 ${pct(sorted, 50)} ms, p99 ${pct(sorted, 99)} ms, max ${sorted.at(-1)} ms over ${sorted.length} events; API CPU ${Math.round((cpu * 1000) / Math.max(1, sorted.length))} µs per event (${Math.round((cpu / (seconds * 1000)) * 100)} % of a core, ${Math.round(((cpu * 1000) / seconds / SUBSCRIBERS) * 10) / 10} µs/s per subscriber)`,
      target: 'p99 ≤ 1000 ms',
      ok: sorted.length > 0 && pct(sorted, 99) <= 1000,
    });
  } finally {
    // Whatever the clients do on the way out (a close that throws), the processes are stopped.
    await Promise.allSettled(clients.map((c) => c.dispose()));
    await Promise.allSettled(procs.map((p) => p.stop()));
    await db.end();
    await target.close();
  }
  return rows;
}

/** The live rows in the notifications' table shape. */
export const liveTable = (rows: LiveRow[]): string => notifyTable(rows, 'live row');
