import { performRequest, type HttpClientOptions, type Timings } from './http-client';
import { evaluateAssertions, ResponseView, statusMatches, type AssertionResult } from './assertions';
import { AssertionSource, type Header } from './check.types';
import { isSecretHeader, isSensitiveName, MASK } from './secrets';
import { Redactor } from './redactor';
import { TEMPLATE_VARIABLE } from './template';
import type { Monitor } from './kinds/monitor/monitor.entity';
import { mapStepHeaders, type Journey } from './kinds/journey/journey.entity';
import type { SecretBox } from './secret-box';
import type { TlsInfo } from './tls-info';
import type { PingDetail } from './kinds/heartbeat/ping.types';

/** PASSED / FAILED: the target's verdict (a timeout or a refused connection is FAILED). ERROR: tracer could not run it. */
export type RunStatus = 'PASSED' | 'FAILED' | 'ERROR';

export interface StepResult {
  name: string;
  request: { method: string; url: string; headers: { name: string; value: string }[] };
  status: 'PASSED' | 'FAILED' | 'SKIPPED';
  responseStatus: number | null;
  timings: Timings | null;
  assertions: AssertionResult[];
  extracted: { name: string; value: string | null }[];
  error: string | null;
}

export interface CheckOutcome {
  status: RunStatus;
  responseStatus: number | null;
  timings: Timings | null;
  assertions: AssertionResult[];
  steps: StepResult[] | null;
  error: string | null;
  /** What a kind records of its own besides timings (a DNS run's answers, what a TCP server sent); stored as JSON. */
  detail?: Record<string, unknown> | null;
  /** The peer certificate of an HTTPS run (its first HTTPS connection); absent or null otherwise. */
  tls?: TlsInfo | null;
  /** A heartbeat's ping: its route, exit code and log excerpt (runs.ping). */
  ping?: PingDetail | null;
}

/** How a check is run: its HTTP client's rules, and how many credential pieces its record is searched for. */
export interface CheckOptions {
  http: HttpClientOptions;
  /** REDACTION_MAX_COMPARED: see Redactor. */
  redactionMaxCompared: number;
}

/** Runs a monitor's request and judges it: expected status codes, then every assertion. */
export async function checkMonitor(m: Monitor, { http, redactionMaxCompared }: CheckOptions, secrets: SecretBox): Promise<CheckOutcome> {
  const headers = secrets.openHeaders(m.headers); // decrypted only to be sent
  const res = await performRequest({ method: m.method, url: m.url, headers, body: m.body, timeoutMs: m.timeoutMs, skipTlsVerification: m.skipTlsVerification }, http);
  if (!res.ok) return { status: 'FAILED', responseStatus: null, timings: res.timings, assertions: [], steps: null, error: res.error, tls: res.tls };
  const view = new ResponseView({ status: res.status, headers: res.headers, body: res.body, totalMs: res.timings.total });
  const assertions = evaluateAssertions(m.assertions, view, await new Redactor(redactionMaxCompared).addHeadersInTurns(headers));
  const statusOk = statusMatches(res.status, m.expectedStatusCodes);
  const failed = assertions.filter((a) => !a.passed);
  const error = !statusOk
    ? `Status ${res.status} is not one of ${m.expectedStatusCodes.join(', ')}`
    : failed.length
      ? `${failed.length} of ${assertions.length} assertions failed`
      : null;
  return { status: error ? 'FAILED' : 'PASSED', responseStatus: res.status, timings: res.timings, assertions, steps: null, error, tls: res.tls };
}


const substitute = (text: string, vars: Map<string, string>) => text.replace(TEMPLATE_VARIABLE, (_, name: string) => vars.get(name) ?? '');

/**
 * Runs a journey's steps in order. Values extracted by a step are available to later steps as `{{name}}`; the
 * first failing step stops the journey and the rest are SKIPPED. Without a STATUS_CODE assertion a step expects a
 * status below 400. What is recorded masks credential headers and values extracted from them. The whole journey
 * takes at most `maxDurationMs` (JOURNEY_MAX_DURATION_MS): each step's timeout is cut to what is left of it, and a
 * journey that reaches it is FAILED saying so, its remaining steps SKIPPED.
 */
export async function checkJourney(j: Journey, { http, redactionMaxCompared }: CheckOptions, secrets: SecretBox, maxDurationMs: number): Promise<CheckOutcome> {
  const deadline = performance.now() + maxDurationMs;
  const overrun = `Journey exceeded its maximum duration of ${maxDurationMs} ms`;
  const plainSteps = mapStepHeaders(j.steps, (h) => secrets.openHeaders(h)); // decrypted only to be sent
  const vars = new Map<string, string>();
  const secretVars = new Set<string>();
  // Every credential sent so far and every secret value extracted so far: a later step's response may echo them.
  const credentials = new Redactor(redactionMaxCompared);
  const steps: StepResult[] = [];
  let failure: string | null = null;
  let total = 0;
  let tls: TlsInfo | null = null; // the first HTTPS step's certificate
  for (const [i, step] of plainSteps.entries()) {
    const headers: Header[] = step.request.headers.map((h) => ({ ...h, value: substitute(h.value, vars) }));
    const url = substitute(step.request.url, vars);
    await credentials.addHeadersInTurns(headers);
    const recorded = {
      method: step.request.method,
      url: maskVariables(step.request.url, vars, secretVars),
      headers: step.request.headers.map((h) => ({ name: h.name, value: isSecretHeader(h) ? MASK : maskVariables(h.value, vars, secretVars) })),
    };
    const left = Math.floor(deadline - performance.now());
    if (!failure && left <= 0) failure = `${overrun} before step ${i + 1} (${step.name})`;
    if (failure) {
      steps.push({ name: step.name, request: recorded, status: 'SKIPPED', responseStatus: null, timings: null, assertions: [], extracted: [], error: null });
      continue;
    }
    const timeoutMs = Math.min(j.timeoutMs, left);
    const res = await performRequest(
      { method: step.request.method, url, headers, body: step.request.body === null ? null : substitute(step.request.body, vars), timeoutMs },
      http,
    );
    total += res.timings.total;
    tls ??= res.tls;
    if (!res.ok) {
      // A step that timed out with its timeout cut to what was left of the journey's reached the journey's limit
      // (asked of the result, not the clock: a timer may fire a millisecond before performance.now() says so).
      const cut = timeoutMs < j.timeoutMs && res.error.startsWith('Timed out');
      failure = cut ? `${overrun} in step ${i + 1} (${step.name}): ${res.error}` : `Step ${i + 1} (${step.name}): ${res.error}`;
      steps.push({ name: step.name, request: recorded, status: 'FAILED', responseStatus: null, timings: res.timings, assertions: [], extracted: [], error: res.error });
      continue;
    }
    const view = new ResponseView({ status: res.status, headers: res.headers, body: res.body, totalMs: res.timings.total });
    // Extracted first: a secret this response hands out (a login's token) is masked in this step's record too.
    const values = step.extractions.map((x) => {
      const value = view.read(x.source as unknown as AssertionSource, x.property);
      const secret = isSensitiveName(x.name) || (x.source === 'HEADER' && isSensitiveName(x.property ?? ''));
      if (secret && value) credentials.addValue(value);
      return { x, value, secret };
    });
    const assertions = evaluateAssertions(step.assertions, view, credentials);
    const hasStatusAssertion = step.assertions.some((a) => a.source === AssertionSource.STATUS_CODE);
    let error: string | null = null;
    if (!hasStatusAssertion && res.status >= 400) error = `Status ${res.status}`;
    else if (assertions.some((a) => !a.passed)) error = `${assertions.filter((a) => !a.passed).length} of ${assertions.length} assertions failed`;
    const extracted: StepResult['extracted'] = [];
    for (const { x, value, secret } of values) {
      if (secret) secretVars.add(x.name);
      extracted.push({ name: x.name, value: value === null ? null : secret ? MASK : credentials.excerpt(value) });
      if (value === null) error ??= `Could not extract ${x.name}`;
      else vars.set(x.name, value);
    }
    if (error) failure = `Step ${i + 1} (${step.name}): ${error}`;
    steps.push({ name: step.name, request: recorded, status: error ? 'FAILED' : 'PASSED', responseStatus: res.status, timings: res.timings, assertions, extracted, error });
  }
  const last = [...steps].reverse().find((s) => s.status !== 'SKIPPED');
  return {
    status: failure ? 'FAILED' : 'PASSED',
    responseStatus: last?.responseStatus ?? null,
    timings: { dns: null, connect: null, tls: null, firstByte: null, total: Math.round(total * 100) / 100 },
    assertions: [],
    steps,
    error: failure,
    tls,
  };
}

/** The template with variables filled in, except secret ones, which stay masked in what is recorded. */
function maskVariables(template: string, vars: Map<string, string>, secret: Set<string>): string {
  return template.replace(TEMPLATE_VARIABLE, (_, name: string) => (secret.has(name) ? MASK : (vars.get(name) ?? '')));
}
