/**
 * The built server, its path to PostgreSQL frozen (a TCP relay that stops forwarding, sending neither FIN nor
 * RST: a NAT that forgot the connection, a partition). Requests and /readyz answer 503 within about
 * DATABASE_TIMEOUT_MS instead of hanging, and SIGTERM ends the process within SHUTDOWN_DEADLINE_MS, whatever is
 * stuck. PostgreSQL only: the embedded database lives in the process and has no path to freeze.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { runCli, spawnServer, type ServerProcess } from '../helpers/process';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';

const TIMEOUT_MS = 1500;
const DEADLINE_MS = 4000;
let pg: TestDatabase; // a database of its own, created and migrated here, dropped at the end
let proxy: TcpProxy;
let server: ServerProcess | undefined;

beforeAll(async () => {
  if (!onPostgres()) return;
  pg = await openTestDatabase();
  proxy = await startTcpProxy(pg.url);
});
afterAll(async () => {
  proxy?.thaw();
  await server?.stop();
  await proxy?.close();
  await pg?.close();
});

const makeKey = async () => {
  const made = await runCli(['create', '--org', 'Acme Inc', '--name', 'k', '--permissions', 'all', '--json'], { DATABASE_URL: pg.url });
  expect(made.code).toBe(0);
  return (JSON.parse(made.stdout) as { key: string }).key;
};

const timed = async (url: string, key?: string) => {
  const started = Date.now();
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  await res.arrayBuffer();
  return { status: res.status, ms: Date.now() - started };
};

describe.runIf(onPostgres())('the path to PostgreSQL freezes under the server process', () => {
  it('answers 503 within the timeout, and SIGTERM exits within the deadline', async () => {
    const warm = await makeKey();
    const fresh = await makeKey(); // the server never sees it before the freeze: its row must be read
    server = await spawnServer({
      DATABASE_URL: proxy.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      DATABASE_TIMEOUT_MS: String(TIMEOUT_MS),
      SHUTDOWN_TIMEOUT_MS: '1000',
      SHUTDOWN_DEADLINE_MS: String(DEADLINE_MS),
      BOOTSTRAP_KEY: 'false',
      SCHEDULING: 'false',
      LAST_USED_FLUSH_MS: '600000', // the shutdown flush has something to write into the frozen path
    });
    expect((await timed(`${server.baseUrl}/v1/me`, warm)).status).toBe(200);

    proxy.freeze();
    const me = await timed(`${server.baseUrl}/v1/me`, fresh);
    expect(me.status).toBe(503);
    expect(me.ms).toBeLessThan(TIMEOUT_MS + 2000);
    const ready = await timed(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(TIMEOUT_MS + 2000);
    expect((await timed(`${server.baseUrl}/healthz`)).status).toBe(200);

    const signalledAt = Date.now();
    const code = await server.stop(); // SIGTERM
    const exitMs = Date.now() - signalledAt;
    expect(exitMs).toBeLessThan(DEADLINE_MS + 2000);
    // A stuck step ends in exit 1 with the step named; one that finished in time, in exit 0.
    if (code !== 0) expect(server.output()).toMatch(/shutdown deadline passed/);
  });
});
