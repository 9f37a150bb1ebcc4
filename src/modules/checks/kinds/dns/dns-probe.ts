import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import type { CheckOutcome } from '../../check-runner';
import { addressRange, checkHost, isPrivateTargetName, namesPrivateTarget, rangeWords, resolvesToNonPublic } from '../../target-guard';
import { formatAnswers, normalizeValue, parseResolver } from './dns-answers';
import type { DnsMonitor, RecordType } from './dns-monitor.entity';

/** At most this many answers are recorded (a TXT-heavy name can have many more). */
export const MAX_ANSWERS = 50;
const round = (n: number) => Math.round(n * 100) / 100;

const QUERY: Record<RecordType, (r: Resolver, name: string) => Promise<unknown[]>> = {
  A: (r, n) => r.resolve4(n),
  AAAA: (r, n) => r.resolve6(n),
  CNAME: (r, n) => r.resolveCname(n),
  MX: (r, n) => r.resolveMx(n),
  NS: (r, n) => r.resolveNs(n),
  TXT: (r, n) => r.resolveTxt(n),
  SRV: (r, n) => r.resolveSrv(n),
  CAA: (r, n) => r.resolveCaa(n),
};

/**
 * Runs a DNS check once: one query of its record type to its resolver (the system's when none), over UDP with the
 * TCP retry on a truncated answer that c-ares (node:dns) makes itself. Records the resolution time (`timings.dns`) and
 * the answers. Passes when it has answers and, with `expectedValues`, any (ANY) or every (ALL) expected value is
 * among them. Unless ALLOW_PRIVATE_TARGETS, the system's resolver may know the operator's network, so: a given
 * resolver must be a public address; a hostname the target guard refuses (a private-use suffix, a single label, a
 * non-public address: checkHost) is not asked, even one stored while the guard was off; and an answer of any type
 * that names a non-public address or a private-use name (privateAnswer) fails the run without recording the
 * answers. `systemResolvers` (`address:port`, default the system's) are asked when the check names no resolver.
 * Never throws.
 */
export async function checkDns(
  d: Pick<DnsMonitor, 'hostname' | 'recordType' | 'resolver' | 'expectedValues' | 'match' | 'timeoutMs'>,
  allowPrivateTargets: boolean,
  { systemResolvers }: { systemResolvers?: string[] } = {},
): Promise<CheckOutcome> {
  const started = performance.now();
  const timings = { dns: null as number | null, connect: null, tls: null, firstByte: null, total: 0 };
  const outcome = (error: string | null, answers: string[] | null): CheckOutcome => {
    timings.total = round(performance.now() - started);
    return { status: error ? 'FAILED' : 'PASSED', responseStatus: null, timings, assertions: [], steps: null, error, detail: answers && { answers } };
  };
  if (!allowPrivateTargets) {
    const refused = checkHost(d.hostname, 'hostname', false)[0];
    if (refused) return outcome(refused.message, null);
  }
  const resolver = new Resolver({ timeout: d.timeoutMs, tries: 1 });
  if (!d.resolver && systemResolvers) resolver.setServers(systemResolvers);
  if (d.resolver) {
    const server = parseResolver(d.resolver);
    if (!server) return outcome(`Resolver ${d.resolver} is not an address[:port]`, null);
    const range = allowPrivateTargets ? 'unicast' : addressRange(server.address);
    if (range !== 'unicast') return outcome(`Resolver ${server.address} is not a public address (${rangeWords(range)} range); tracer does not ask those`, null);
    resolver.setServers([server.address.includes(':') ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`]);
  }
  let raw: unknown[];
  let timer: NodeJS.Timeout | undefined;
  try {
    raw = await Promise.race([
      QUERY[d.recordType](resolver, d.hostname),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), d.timeoutMs))),
    ]);
    timings.dns = round(performance.now() - started);
  } catch (e) {
    resolver.cancel();
    timings.dns = round(performance.now() - started);
    return outcome(describe((e as NodeJS.ErrnoException).code, d), null);
  } finally {
    clearTimeout(timer);
  }
  const answers = formatAnswers(d.recordType, raw);
  if (!allowPrivateTargets && hasNonPublicAddress(d.recordType, answers))
    return outcome(`${resolvesToNonPublic(d.hostname)}; tracer does not check those`, null);
  if (!allowPrivateTargets && privateAnswer(d.recordType, answers))
    return outcome(`The ${d.recordType} answer for ${d.hostname} names a non-public address or a private-use name; tracer does not check those`, null);
  const recorded = answers.slice(0, MAX_ANSWERS);
  if (!answers.length) return outcome(`No ${d.recordType} records for ${d.hostname}`, recorded);
  if (!d.expectedValues.length) return outcome(null, recorded);
  const have = new Set(answers.map((a) => normalizeValue(d.recordType, a)));
  const missing = d.expectedValues.filter((v) => !have.has(normalizeValue(d.recordType, v)));
  const ok = d.match === 'ALL' ? missing.length === 0 : missing.length < d.expectedValues.length;
  if (ok) return outcome(null, recorded);
  const list = (vs: string[]) => vs.map((v) => JSON.stringify(v)).join(', ');
  return outcome(
    d.match === 'ALL' ? `Expected every one of ${list(d.expectedValues)}; missing ${list(missing)}` : `Expected any of ${list(d.expectedValues)}; none was answered`,
    recorded,
  );
}

/** Whether an A or AAAA answer is an address the target guard refuses: such answers are not recorded. */
export const hasNonPublicAddress = (type: RecordType, answers: string[]): boolean =>
  (type === 'A' || type === 'AAAA') && answers.some((a) => addressRange(a) !== 'unicast');

/**
 * Whether an answer, of any type, names what the target guard refuses: an A or AAAA address out of public ranges, a
 * CNAME, NS, MX exchange or SRV target that is a private-use or single-label name (isPrivateTargetName), a TXT or
 * CAA value that mentions a non-public address or a private-use name (namesPrivateTarget). Such answers are not
 * recorded: they would map the operator's network for whoever reads the runs. Answers as formatAnswers writes them.
 */
export function privateAnswer(type: RecordType, answers: string[]): boolean {
  const field = (i: number) => (a: string) => a.split(' ')[i] ?? '';
  switch (type) {
    case 'A':
    case 'AAAA':
      return hasNonPublicAddress(type, answers);
    case 'CNAME':
    case 'NS':
      return answers.some(isPrivateTargetName);
    case 'MX':
      return answers.map(field(1)).some(isPrivateTargetName);
    case 'SRV':
      return answers.map(field(3)).some(isPrivateTargetName);
    case 'TXT':
    case 'CAA':
      return answers.some(namesPrivateTarget);
  }
}

function describe(code: string | undefined, d: Pick<DnsMonitor, 'hostname' | 'recordType' | 'timeoutMs'>): string {
  switch (code) {
    case 'ENOTFOUND':
      return `${d.hostname} does not exist (NXDOMAIN)`;
    case 'ENODATA':
      return `No ${d.recordType} records for ${d.hostname}`;
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return `Timed out after ${d.timeoutMs} ms`;
    case 'ESERVFAIL':
      return `The resolver failed to answer for ${d.hostname} (SERVFAIL)`;
    case 'EREFUSED':
      return `The resolver refused the query for ${d.hostname} (REFUSED)`;
    case 'ECONNREFUSED':
      return 'Could not reach the resolver (connection refused)';
    default:
      return `The query for ${d.hostname} failed (${code ?? 'error'})`;
  }
}
