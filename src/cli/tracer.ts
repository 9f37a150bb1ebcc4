/**
 * `tracer trigger`: runs checks from a pipeline through the API and waits for them (docs/reference/cli.md). The command
 * (bin/tracer.js) runs it through ./tracer-bin.ts; tests call `runTracer` in process.
 *
 *   tracer trigger --tag smoke --wait --timeout 120
 *   tracer trigger --monitor mon_… --journey jrn_… --tcp tcp_… --dns dns_… [--location eu] [--wait] [--timeout 300]
 *
 * IZLI_API_KEY (required) and TRACER_URL (default http://127.0.0.1:4000) come from the environment.
 * Exit codes: 0 every check passed (or, without --wait, the session started); 1 a check failed, errored or did not
 * finish before --timeout; 2 nothing was checked: bad usage, a refused key (401) or scope (403), or another error.
 */
import { parseArgs } from 'node:util';
import { resultTable, type Session } from './trigger-table';
import { printable } from '../modules/common/printable';
import { waitForSession } from './live-wait';

const USAGE = `Usage:
  tracer trigger [--tag <tag>]... [--monitor <id>]... [--journey <id>]... [--tcp <id>]... [--dns <id>]...
                 [--location <name>] [--wait] [--timeout <seconds>]

  --tag <tag>                   every active check with any of the tags (repeatable)
  --monitor, --journey <id>     a monitor, a journey (repeatable; --monitor takes any kind's id)
  --tcp, --dns <id>             a TCP check (tcp_…), a DNS check (dns_…) (repeatable)
                                at least one of the above; they combine
  --location <name>             run every check there (default: each check's first location)
  --wait                        wait for the results, print them, and exit 0 only if every check passed
  --timeout <seconds>           how long --wait waits (default 300); then exit 1

Environment: IZLI_API_KEY (required), TRACER_URL (default http://127.0.0.1:4000).
Exit codes: 0 all passed, 1 any failed or timed out, 2 usage, authentication or other errors.`;

/** Exit codes, the contract with CI. */
export const EXIT = { PASSED: 0, FAILED: 1, ERROR: 2 } as const;

class Stop extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const POLL_MS = 1000;


/** Where a run reads its settings and writes its lines: the process's own, or a test's. */
export interface TracerIo {
  env: NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
}

/** Runs the command line `argv` (without node and the script) and answers the exit code; it never exits itself. */
export async function runTracer(argv: string[], io: TracerIo): Promise<number> {
  try {
    return await main(argv, io);
  } catch (e) {
    io.err(e instanceof Stop ? e.message : `error: ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof Stop ? e.code : EXIT.ERROR;
  }
}

async function main(argv: string[], io: TracerIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return EXIT.PASSED;
  }
  if (command !== 'trigger') throw new Stop(EXIT.ERROR, `${command ? `Unknown command "${command}".` : 'No command given.'}\n\n${USAGE}`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        tag: { type: 'string', multiple: true },
        monitor: { type: 'string', multiple: true },
        journey: { type: 'string', multiple: true },
        tcp: { type: 'string', multiple: true },
        dns: { type: 'string', multiple: true },
        location: { type: 'string' },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '300' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new Stop(EXIT.ERROR, `${(e as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT.PASSED;
  }
  const tags = values.tag ?? [];
  // The kind's own flag names its prefix, so a swapped id is said here; --monitor takes any kind's id, as before.
  for (const [flag, prefix, kind] of [['tcp', 'tcp_', 'TCP check'], ['dns', 'dns_', 'DNS check']] as const)
    for (const id of values[flag] ?? [])
      if (!id.startsWith(prefix)) throw new Stop(EXIT.ERROR, `--${flag} takes the id of a ${kind} (${prefix}…), not "${printable(id)}".`);
  const checkIds = [...(values.monitor ?? []), ...(values.journey ?? []), ...(values.tcp ?? []), ...(values.dns ?? [])];
  if (!tags.length && !checkIds.length) throw new Stop(EXIT.ERROR, `Nothing to run: give --tag, --monitor, --journey, --tcp or --dns.\n\n${USAGE}`);
  if (!/^\d+$/.test(values.timeout) || Number(values.timeout) < 1) throw new Stop(EXIT.ERROR, `--timeout must be a whole number of seconds (at least 1), not "${values.timeout}".`);
  const key = io.env.IZLI_API_KEY?.trim();
  if (!key) throw new Stop(EXIT.ERROR, 'IZLI_API_KEY is not set: export the API key to use (in GitHub Actions: env: IZLI_API_KEY: ${{ secrets.IZLI_API_KEY }}).');
  const base = (io.env.TRACER_URL?.trim() || 'http://127.0.0.1:4000').replace(/\/+$/, '');

  const api = (method: string, path: string, body?: unknown) => call(base, key, method, path, body);
  let session = await api('POST', '/v1/check-sessions', { check_ids: checkIds, tags, ...(values.location ? { location: values.location } : {}) });
  if (!values.wait) {
    io.out(resultTable(session));
    io.out(`\nStarted; follow it with: curl -s ${base}/v1/check-sessions/${printable(session.id)} -H "Authorization: Bearer $IZLI_API_KEY"`);
    return EXIT.PASSED;
  }
  const until = Date.now() + Number(values.timeout) * 1000;
  // Told by the subscription when it is done; polled where WebSockets do not get through.
  if (session.status === 'RUNNING' && (await waitForSession(base, key, session.id, until)) === 'done') session = await api('GET', `/v1/check-sessions/${session.id}`);
  while (session.status === 'RUNNING' && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, until - Date.now()))));
    session = await api('GET', `/v1/check-sessions/${session.id}`);
  }
  io.out(resultTable(session));
  if (session.status === 'RUNNING') {
    io.err(`\nTimed out after ${values.timeout} s waiting for the results (--timeout); the checks may still finish.`);
    return EXIT.FAILED;
  }
  return session.status === 'PASSED' ? EXIT.PASSED : EXIT.FAILED;
}

/** One REST call; an error answer becomes a plain sentence and exit code 2. */
async function call(base: string, key: string, method: string, path: string, body?: unknown): Promise<Session> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new Stop(EXIT.ERROR, `Could not reach tracer at ${base} (TRACER_URL): ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`);
  }
  const json = (await res.json().catch(() => null)) as { success?: boolean; data?: Session; error?: Record<string, unknown> } | null;
  if (res.ok && json?.success && json.data) return json.data;
  const error = json?.error ?? {};
  // The server's words are printed escaped: an error can quote what was sent or stored (see printable).
  const message = printable(typeof error.message === 'string' ? error.message : `HTTP ${res.status}`);
  if (res.status === 401) throw new Stop(EXIT.ERROR, `401 Unauthorized: the API key was refused (${message}). Check IZLI_API_KEY: it may be mistyped, revoked or expired.`);
  if (res.status === 403) {
    const missing = Array.isArray(error.missing_scopes) ? printable((error.missing_scopes as string[]).join(', ')) : 'unknown';
    throw new Stop(EXIT.ERROR, `403 Forbidden: the API key lacks ${missing} (${message}). Use a key with these scopes, e.g. the CI/CD Pipeline preset.`);
  }
  const fields = Array.isArray(error.fields) ? printable((error.fields as { field: string; message: string }[]).map((f) => `${f.field}: ${f.message}`).join('; ')) : '';
  throw new Stop(EXIT.ERROR, `${res.status} ${printable(String(error.code ?? 'ERROR'))}: ${fields || message}`);
}
