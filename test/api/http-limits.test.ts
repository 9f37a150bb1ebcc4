/**
 * Slow and idle clients cannot hold the server's connections: a request not fully received within
 * HTTP_REQUEST_TIMEOUT_MS (headers within HTTP_HEADERS_TIMEOUT_MS) is answered 408 and closed, beyond
 * HTTP_MAX_CONNECTIONS new connections are closed at once; a request that is received but slow to answer is not cut.
 */
import * as net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';

const TIMEOUT_MS = 1000;
let t: TestApp;
let target: Target;
let port: number;

beforeAll(async () => {
  t = await startTestApp({
    HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    HTTP_HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
    HTTP_MAX_CONNECTIONS: '20',
  });
  port = Number(new URL(t.baseUrl).port);
  target = await startTarget();
  target.route('/slow', (_req, res) => setTimeout(() => res.writeHead(200).end('ok'), TIMEOUT_MS * 2));
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

/** A raw connection: what it sends, what it heard, and when the server closed it. */
async function rawClient() {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const openedAt = performance.now();
  let heard = '';
  socket.on('data', (d) => (heard += d));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - openedAt)));
  return { socket, closed, heard: () => heard };
}

describeDatabaseAgnostic('slow clients', () => {
  it('closes a request whose body never completes (headers, Content-Length: 10, one byte) after the request timeout', async () => {
    const c = await rawClient();
    c.socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{');
    const ms = await c.closed;
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(c.heard()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose headers trickle in, and one that sends nothing, after the headers timeout', async () => {
    const trickle = await rawClient();
    trickle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => trickle.socket.writable && trickle.socket.write('X-Slow: 1\r\n'), 100);
    const silent = await rawClient();
    const [a, b] = await Promise.all([trickle.closed, silent.closed]).finally(() => clearInterval(timer));
    for (const ms of [a, b]) expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(trickle.heard()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('does not cut a request that was received in time and takes longer to answer', async () => {
    const { client } = await t.key(await t.org('Acme Inc'), ['monitors:write', 'monitors:read', 'monitors:run']);
    const made = await client.rest('POST', '/v1/monitors', { name: 'slow', url: `${target.url}/slow`, timeout_ms: 5000 });
    const started = performance.now();
    const run = await client.rest('POST', `/v1/monitors/${(made.body.data as { id: string }).id}/runs`);
    expect(run.status).toBe(201);
    expect((run.body.data as { status: string }).status).toBe('PASSED');
    expect(performance.now() - started).toBeGreaterThan(TIMEOUT_MS * 2 - 100);
  });

  it('keeps an idle keep-alive connection past the headers timeout, up to the keep-alive timeout', async () => {
    const c = await rawClient();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 800)); // idle: no request is being received
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await c.closed;
    expect(c.heard().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
  });

  it('closes connections beyond HTTP_MAX_CONNECTIONS on arrival, and serves again once some close', async () => {
    const held = await Promise.all(Array.from({ length: 20 }, () => rawClient()));
    for (const c of held) c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'); // answered, then idle on keep-alive
    await new Promise((r) => setTimeout(r, 200));
    const extra = await rawClient();
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await extra.closed).toBeLessThan(500);
    expect(extra.heard()).toBe('');
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });
});
