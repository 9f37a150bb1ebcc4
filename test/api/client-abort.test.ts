/**
 * A client that hangs up mid-request is the client's business: its ECONNRESET ("aborted") is a debug line, not a
 * "database unavailable" error (it used to be logged as one, and answered 503 to nobody).
 */
import * as net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
let logs = '';

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (d) => (logs += d));
  t = await startTestApp({ LOG_LEVEL: 'debug' }, { logStream: stream });
});
afterAll(() => t?.close());

const lines = () => logs.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string });

describeDatabaseAgnostic('a client that hangs up', () => {
  it('is logged at debug, never as an error or as the database being down', async () => {
    const { key } = await t.key(await t.org('Acme Inc'), ['monitors:write', 'monitors:read']);
    const { port } = new URL(t.baseUrl);
    for (const path of ['/graphql', '/v1/monitors'])
      for (const hangUp of ['destroy', 'resetAndDestroy'] as const) {
        const socket = net.connect(Number(port), '127.0.0.1');
        socket.on('error', () => {});
        await new Promise((r) => socket.once('connect', r));
        socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
        await new Promise((r) => setTimeout(r, 100)); // the request is being read
        socket[hangUp]();
        await new Promise((r) => socket.once('close', r));
      }
    await new Promise((r) => setTimeout(r, 300));
    const logged = lines();
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(logs).not.toMatch(/database unavailable/);
    expect(logged.filter((l) => l.level === 20 && /client closed the connection/.test(l.msg))).toHaveLength(4);
    expect((await t.client(key).rest('GET', '/v1/monitors')).status).toBe(200); // and nothing else was disturbed
  });
});
