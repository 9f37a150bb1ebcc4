import * as http from 'node:http';
import * as https from 'node:https';
import * as dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { addressRange, rangeWords, resolvesToNonPublic } from '../checks/target-guard';
import { maskHost, registrable } from './mask-url';

/** What one attempt got: a status (any), or no answer at all (connection, timeout, refused target). */
export type PostResult = { status: number; retryAfter: string | undefined; /** The answer's first 4 KiB (providers say why in it). */ body: string } | { status: null; error: string; retry: boolean };

/** At most this much of an answer is read: a receiver cannot make a worker buffer its body. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Of which this much is kept: a provider's error answer (`chat not found`, `Unknown Webhook`) is short. */
const KEPT_ANSWER_BYTES = 4096;

/**
 * POSTs a JSON body to a channel's URL once: the same target guard as checks (unless ALLOW_PRIVATE_TARGETS, no
 * private, loopback or link-local address, judged on the resolved address the connection uses), the whole exchange
 * bounded by `timeoutMs`, redirects never followed (a 3xx is the answer: a receiver must name its real URL, and a
 * signed body is never carried to another origin), the answer's body read up to 64 KiB and dropped. Errors name
 * the host masked (mask-url.ts): they read back in the delivery log, and a subdomain can be a token.
 */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: { timeoutMs: number; allowPrivateTargets: boolean },
): Promise<PostResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ status: null, error: 'The channel URL is not valid', retry: false });
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivateTargets && isIP(host) && addressRange(host) !== 'unicast')
    return Promise.resolve({ status: null, error: `${host} is not a public address (${rangeWords(addressRange(host))} range)`, retry: false });
  const lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = opts.allowPrivateTargets ? undefined : list.find((a) => addressRange(a.address) !== 'unicast');
      if (bad) return callback(Object.assign(new Error(resolvesToNonPublic(registrable(hostname))), { code: 'ETRACERBLOCKED' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
  return new Promise((resolve) => {
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'tracer-notifications/1.0', ...headers },
      agent: false,
      lookup,
      timeout: opts.timeoutMs,
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`Timed out after ${opts.timeoutMs} ms`), { code: 'ETRACERTIMEOUT' })), opts.timeoutMs);
    const done = (r: PostResult) => {
      clearTimeout(timer);
      resolve(r);
    };
    req.on('timeout', () => req.destroy(Object.assign(new Error(`Timed out after ${opts.timeoutMs} ms`), { code: 'ETRACERTIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => done({ status: null, error: describe(e, target), retry: e.code !== 'ETRACERBLOCKED' }));
    req.on('response', (res) => {
      let read = 0;
      const kept: Buffer[] = [];
      const retryAfter = typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined;
      res.on('data', (chunk: Buffer) => {
        if (read < KEPT_ANSWER_BYTES) kept.push(chunk.subarray(0, KEPT_ANSWER_BYTES - read));
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      const answer = () => done({ status: res.statusCode ?? 0, retryAfter, body: Buffer.concat(kept).toString('utf8') });
      res.on('close', answer);
      res.on('error', answer);
    });
    req.end(body);
  });
}

function describe(e: NodeJS.ErrnoException, url: URL): string {
  switch (e.code) {
    case 'ETRACERTIMEOUT':
    case 'ETRACERBLOCKED':
      return e.message;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed for ${maskHost(url)}`;
    case 'ECONNREFUSED':
      return `Connection refused by ${maskHost(url)}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `Connection reset by ${maskHost(url)}`;
    default:
      return `Could not reach ${maskHost(url)} (${e.code ?? 'network error'})`;
  }
}

/** Retry-After as milliseconds from now (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
