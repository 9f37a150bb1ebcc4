import * as http from 'node:http';
import * as https from 'node:https';
import * as dns from 'node:dns';
import type { TLSSocket } from 'node:tls';
import { isIP, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Header } from './check.types';
import { addressRange, rangeWords, resolvesToNonPublic } from './target-guard';
import { ACCEPT_ENCODING, BodyDecodeError, readBody } from './body-reader';
import { redirectedRequest, type OutgoingRequest } from './redirects';
import { tlsInfoOf, type TlsInfo } from './tls-info';

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Header[];
  body: string | null;
  timeoutMs: number;
  /** skipTlsVerification: an HTTPS target's certificate is not verified (still recorded). */
  skipTlsVerification?: boolean;
}

export interface Timings {
  dns: number | null;
  connect: number | null;
  tls: number | null;
  firstByte: number | null;
  total: number;
}

/** `tls`: the peer certificate of the exchange's first HTTPS connection (null over plain HTTP, or before a handshake). */
export type HttpResult =
  | { ok: true; status: number; headers: Record<string, string>; body: string; bodyTruncated: boolean; timings: Timings; redirects: number; tls: TlsInfo | null }
  | { ok: false; error: string; timings: Timings; tls: TlsInfo | null };

export interface HttpClientOptions {
  allowPrivateTargets: boolean;
  /** How much of a response body is read for assertions; the rest is discarded. */
  maxBodyBytes?: number;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const round = (n: number) => Math.round(n * 100) / 100;

class CheckError extends Error {}
/** The check's deadline passed: reported with the check's own timeout, whatever was left of it for a redirect. */
class TimeoutError extends CheckError {}

/**
 * Performs one HTTP check for real: its own connection (so the timings are real), the whole exchange bounded by
 * timeoutMs including redirects (at most 5, each target checked again), the body read up to a cap.
 * Never throws: a failure is `{ ok: false, error }` with a message a person can act on.
 */
export async function performRequest(spec: HttpRequestSpec, opts: HttpClientOptions): Promise<HttpResult> {
  const started = performance.now();
  const deadline = started + spec.timeoutMs;
  let timings: Timings = { dns: null, connect: null, tls: null, firstByte: null, total: 0 };
  // The first HTTPS connection's certificate: the one of the URL checked (or of the first https hop it redirects to).
  const seen: { tls: TlsInfo | null } = { tls: null };
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { ok: false, error: `Invalid URL: ${spec.url}`, timings, tls: null };
  }
  let req: OutgoingRequest = { method: spec.method, headers: spec.headers, body: spec.body };
  for (let redirects = 0; ; redirects++) {
    try {
      const res = await once(url, req, deadline, opts, seen, spec.skipTlsVerification === true);
      timings = { ...res.timings, total: round(performance.now() - started) };
      const location = res.headers.location;
      if (REDIRECTS.has(res.status) && location) {
        if (redirects >= MAX_REDIRECTS) return { ok: false, error: `Too many redirects (more than ${MAX_REDIRECTS})`, timings, tls: seen.tls };
        const next = new URL(location, url);
        req = redirectedRequest(res.status, url, next, req);
        url = next;
        continue;
      }
      return { ok: true, status: res.status, headers: res.headers, body: res.body, bodyTruncated: res.truncated, timings, redirects, tls: seen.tls };
    } catch (e) {
      timings.total = round(performance.now() - started);
      if (e instanceof TimeoutError) return { ok: false, error: `Timed out after ${spec.timeoutMs} ms`, timings, tls: seen.tls };
      return { ok: false, error: e instanceof CheckError || e instanceof BodyDecodeError ? e.message : describeNetworkError(e, url), timings, tls: seen.tls };
    }
  }
}

function once(
  url: URL,
  { method, headers, body }: OutgoingRequest,
  deadline: number,
  opts: HttpClientOptions,
  seen: { tls: TlsInfo | null },
  skipTlsVerification: boolean,
): Promise<{ status: number; headers: Record<string, string>; body: string; truncated: boolean; timings: Timings }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CheckError(`Only http and https URLs can be checked, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literalRange = isIP(host) && !opts.allowPrivateTargets ? addressRange(host) : 'unicast';
  if (literalRange !== 'unicast') throw new CheckError(`Target ${host} is not a public address (${rangeWords(literalRange)} range); tracer does not check those`);
  const remaining = deadline - performance.now();
  if (remaining <= 0) throw new TimeoutError('Timed out');

  const lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = opts.allowPrivateTargets ? undefined : list.find((a) => addressRange(a.address) !== 'unicast');
      if (bad) return callback(new CheckError(`Target ${resolvesToNonPublic(hostname)}; tracer does not check those`), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };

  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const timings: Timings = { dns: null, connect: null, tls: null, firstByte: null, total: 0 };
    const lib = url.protocol === 'https:' ? https : http;
    const requestHeaders: Record<string, string> = { 'user-agent': 'tracer-synthetic-monitor/1.0', 'accept-encoding': ACCEPT_ENCODING };
    for (const h of headers) requestHeaders[h.name.toLowerCase()] = h.value;
    const req = lib.request(url, { method, headers: requestHeaders, agent: false, lookup, timeout: remaining, ...(skipTlsVerification ? { rejectUnauthorized: false } : {}) });
    // One deadline for the connection, the download and the decoding: the body reader stops at it too.
    const deadlineReached = new AbortController();
    const timeUp = () => {
      const err = new TimeoutError('Timed out');
      deadlineReached.abort(err);
      req.destroy(err);
    };
    const timer = setTimeout(timeUp, remaining);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    req.on('socket', (socket) => {
      socket.once('lookup', () => (timings.dns = round(performance.now() - t0)));
      socket.once('connect', () => (timings.connect = round(performance.now() - t0 - (timings.dns ?? 0))));
      socket.once('secureConnect', () => {
        timings.tls = round(performance.now() - t0 - (timings.dns ?? 0) - (timings.connect ?? 0));
        seen.tls ??= tlsInfoOf(socket as TLSSocket);
      });
    });
    req.on('timeout', timeUp);
    req.on('error', (e) => finish(() => reject(e)));
    req.on('response', (res) => {
      timings.firstByte = round(performance.now() - t0);
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
      readBody(res, opts.maxBodyBytes ?? 1_048_576, deadlineReached.signal).then(
        ({ body: read, truncated }) => finish(() => resolve({ status: res.statusCode ?? 0, headers: flat, body: read.toString('utf8'), truncated, timings })),
        (e) => finish(() => reject(e)),
      );
    });
    if (body !== null && method !== 'GET' && method !== 'HEAD') req.end(body);
    else req.end();
  });
}

function describeNetworkError(e: unknown, url: URL): string {
  const err = e as NodeJS.ErrnoException & { reason?: string };
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed for ${url.hostname}`;
    case 'ECONNREFUSED':
      return `Connection refused by ${url.host}`;
    case 'ECONNRESET':
      return `Connection reset by ${url.host}`;
    case 'ETIMEDOUT':
      return `Connection to ${url.host} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${url.host} is unreachable`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS error: ${err.code}`;
    case 'EPROTO': {
      // OpenSSL's text: "write EPROTO …:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:<file>:<line>:".
      const reason = /SSL routines:[^:]*:([^:\n]+)/.exec(err.message)?.[1]?.trim();
      return `TLS error: ${reason ?? 'handshake failed'}`;
    }
    default:
      if (err.code?.startsWith('ERR_TLS') || err.code?.startsWith('ERR_SSL')) return `TLS error: ${err.code}`;
      return `Request failed: ${err.code ?? err.message}`;
  }
}
