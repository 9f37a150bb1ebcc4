import * as dns from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CheckOutcome } from '../../check-runner';
import { addressRange, rangeWords, resolvesToNonPublic } from '../../target-guard';
import type { TcpMonitor } from './tcp-monitor.entity';

/** How much of what the server sends is read looking for `expect`, and how much of it the run records. */
const MAX_READ_BYTES = 64 * 1024;
export const RECEIVED_EXCERPT = 512;
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Runs a TCP check once: resolves the host, refuses (unless ALLOW_PRIVATE_TARGETS) when any address it resolves to is
 * not public, then connects to the first address it judged, never to a name (so a second lookup cannot rebind it).
 * Connected, it sends `send` plus CRLF if given and reads until `expect` appears, the server closes, 64 KiB came or the
 * timeout passes. Records the lookup and connect times; what the server sent (the first 512 characters) when it read.
 * Never throws.
 */
export async function checkTcp(t: Pick<TcpMonitor, 'host' | 'port' | 'timeoutMs' | 'send' | 'expect'>, allowPrivateTargets: boolean): Promise<CheckOutcome> {
  const started = performance.now();
  const timings = { dns: null as number | null, connect: null as number | null, tls: null, firstByte: null as number | null, total: 0 };
  const failed = (error: string, detail: Record<string, unknown> | null = null): CheckOutcome => {
    timings.total = round(performance.now() - started);
    return { status: 'FAILED', responseStatus: null, timings, assertions: [], steps: null, error, detail };
  };
  const host = t.host.replace(/^\[|\]$/g, '');
  let address: string;
  if (isIP(host)) {
    address = host;
    const range = allowPrivateTargets ? 'unicast' : addressRange(host);
    if (range !== 'unicast') return failed(`Target ${host} is not a public address (${rangeWords(range)} range); tracer does not check those`);
  } else {
    try {
      const list = await withTimeout(dns.lookup(host, { all: true }), t.timeoutMs);
      timings.dns = round(performance.now() - started);
      if (!list.length) return failed(`DNS lookup failed for ${host}`);
      if (!allowPrivateTargets && list.some((a) => addressRange(a.address) !== 'unicast')) return failed(`Target ${resolvesToNonPublic(host)}; tracer does not check those`);
      address = list[0].address;
    } catch (e) {
      return failed(e === TIMED_OUT ? `Timed out after ${t.timeoutMs} ms` : `DNS lookup failed for ${host}`);
    }
  }
  const left = t.timeoutMs - (performance.now() - started);
  if (left <= 0) return failed(`Timed out after ${t.timeoutMs} ms`);
  return new Promise<CheckOutcome>((resolve) => {
    const socket = new Socket();
    const connectStarted = performance.now();
    let received = '';
    let bytes = 0;
    let settled = false;
    const finish = (outcome: CheckOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const detail = () => (t.send !== null || t.expect !== null ? { received: received.slice(0, RECEIVED_EXCERPT) } : null);
    const pass = () => {
      timings.total = round(performance.now() - started);
      finish({ status: 'PASSED', responseStatus: null, timings, assertions: [], steps: null, error: null, detail: detail() });
    };
    const notFound = () => finish(failed(`The response did not contain ${JSON.stringify(t.expect)}`, detail()));
    const timer = setTimeout(() => {
      if (timings.connect !== null && t.expect !== null) finish(failed(`Timed out after ${t.timeoutMs} ms waiting for ${JSON.stringify(t.expect)}`, detail()));
      else finish(failed(`Timed out after ${t.timeoutMs} ms`));
    }, left);
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      timings.connect = round(performance.now() - connectStarted);
      // Without `expect` there is nothing to wait for: connected (and the line written) is a pass.
      if (t.send !== null) socket.write(`${t.send}\r\n`, () => t.expect === null && pass());
      else if (t.expect === null) pass();
    });
    socket.on('data', (chunk: string) => {
      if (timings.firstByte === null) timings.firstByte = round(performance.now() - connectStarted - (timings.connect ?? 0));
      bytes += Buffer.byteLength(chunk);
      received += chunk;
      if (t.expect !== null && received.includes(t.expect)) return pass();
      if (bytes >= MAX_READ_BYTES) notFound();
      if (received.length > MAX_READ_BYTES) received = received.slice(-MAX_READ_BYTES);
    });
    socket.once('end', () => (t.expect === null ? pass() : notFound()));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(failed(describe(e, t.host, t.port), timings.connect === null ? null : detail())));
    socket.connect({ host: address, port: t.port });
  });
}

function describe(e: NodeJS.ErrnoException, host: string, port: number): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `Connection refused by ${host}:${port}`;
    case 'ECONNRESET':
      return `Connection reset by ${host}:${port}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable`;
    default:
      return `Could not connect to ${host}:${port} (${e.code ?? 'network error'})`;
  }
}

const TIMED_OUT = Symbol('timed out');
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(TIMED_OUT), ms)))]).finally(() => clearTimeout(timer));
}
