/**
 * `tracer trigger` against a real server with real monitors and journeys hitting a local target: the table it
 * prints and every exit code, run in this process (src/cli/tracer.ts's runTracer), and once as CI runs it: the
 * package bin (bin/tracer.js → dist/src/cli/tracer-bin.js) spawned through npx. That one needs
 * `npm run build:server` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateDnsMonitorDocument, CreateJourneyDocument, CreateMonitorDocument, CreateTcpMonitorDocument } from '../../src/client/generated/graphql';
import { runTracer } from '../../src/cli/tracer';
import { startTestApp, type TestApp } from '../helpers/app';
import { ROOT } from '../helpers/process';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;
let keys: Record<'ci' | 'readOnly' | 'monitorsOnly', string>;
let ids: Record<'home' | 'checkout' | 'journey' | 'slow' | 'tcp' | 'dns', string>;
const releases: Array<() => void> = [];

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { status: 'ok' }));
  target.route('/fail', json(503, { status: 'down' }));
  target.route('/held', (req, res) => releases.push(() => void (!res.headersSent && !res.destroyed && json(200, {})(req, res, ''))));
  const org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'TEAM' });
  const admin = (await t.key(org, ['all'])).client;
  const monitor = async (name: string, p: string, tags: string[]) =>
    (await admin.gql(CreateMonitorDocument, { input: { name, url: `${target.url}${p}`, tags } })).data!.createMonitor.id;
  const journey = await admin.gql(CreateJourneyDocument, {
    input: { name: 'Sign-up flow', tags: ['smoke'], steps: [{ name: 'page', request: { method: 'GET', url: `${target.url}/ok` } }] },
  });
  ids = {
    home: await monitor('Home page', '/ok', ['smoke']),
    checkout: await monitor('Checkout API', '/fail', ['checkout']),
    journey: journey.data!.createJourney.id,
    slow: await monitor('Slow', '/held', ['slow']),
    // The target's own port (it accepts the connection), and a resolver nothing answers on (the run FAILS at once).
    tcp: (await admin.gql(CreateTcpMonitorDocument, { input: { name: 'Target port', host: '127.0.0.1', port: Number(new URL(target.url).port), timeoutMs: 1000 } })).data!.createTcpMonitor.id,
    dns: (await admin.gql(CreateDnsMonitorDocument, { input: { name: 'Records', hostname: 'example.test', recordType: 'A', resolver: '127.0.0.1:9', timeoutMs: 300 } as never })).data!.createDnsMonitor.id,
  };
  keys = {
    ci: (await t.key(org, ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run'], { name: 'CI/CD Pipeline' })).key,
    readOnly: (await t.key(org, ['monitors:read', 'journeys:read'])).key,
    monitorsOnly: (await t.key(org, ['monitors:run'])).key,
  };
});
afterAll(async () => {
  for (const r of releases) r();
  await target?.close();
  await t?.close();
});

/**
 * A plain HTTP proxy in front of the server: forwards requests (recording them), and WebSocket upgrades as they
 * are, or refuses them (a corporate proxy that blocks WebSockets) by closing the socket.
 */
async function startProxy(upstream: string, opts: { blockUpgrades?: boolean; onRequest?: (method: string, url: string) => void }) {
  const up = new URL(upstream);
  const state = { upgrades: 0 };
  const server = http.createServer((req, res) => {
    opts.onRequest?.(req.method ?? '', req.url ?? '');
    const forward = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    state.upgrades++;
    if (opts.blockUpgrades) return void socket.destroy();
    const target = net.connect(Number(up.port), up.hostname, () => {
      target.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
      target.write(head);
      socket.pipe(target).pipe(socket);
    });
    target.on('error', () => socket.destroy());
    socket.on('error', () => target.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get upgrades() {
      return state.upgrades;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process, on the given environment, collecting what it prints and its exit code; with
 * `command`, as a child process of its own (asynchronously: the server answering it runs in this process).
 */
async function tracer(args: string[], env: Record<string, string | undefined> = {}, command?: string[]): Promise<Result> {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TRACER_URL: t.baseUrl, IZLI_API_KEY: keys.ci };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete base[k]; else base[k] = v;
  if (!command) {
    const out = { stdout: '', stderr: '' };
    const code = await runTracer(args, { env: base, out: (line) => (out.stdout += `${line}\n`), err: (line) => (out.stderr += `${line}\n`) });
    return { code, ...out };
  }
  const [file, ...pre] = command[0].endsWith('.js') ? [process.execPath, ...command] : command;
  return new Promise((resolve) =>
    execFile(file, [...pre, ...args], { cwd: ROOT, env: base }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    ),
  );
}

describe('tracer trigger', () => {
  it('--tag smoke --wait: runs the tagged monitor and journey, prints the table, exits 0', async () => {
    const r = await tracer(['trigger', '--tag', 'smoke', '--wait', '--timeout', '120']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^CHECK\s+TYPE\s+ID\s+LOCATION\s+STATUS\s+HTTP\s+TIME\s+ERROR$/);
    expect(lines.find((l) => l.startsWith('Home page'))).toMatch(new RegExp(`^Home page\\s+monitor\\s+${ids.home}\\s+local\\s+PASSED\\s+200\\s+\\d+ ms$`));
    expect(lines.find((l) => l.startsWith('Sign-up flow'))).toMatch(new RegExp(`^Sign-up flow\\s+journey\\s+${ids.journey}\\s+local\\s+PASSED\\s+200`));
    expect(r.stdout).toMatch(/Session cks_\w+: PASSED \(2 checks: 2 passed, 0 failed\)/);
  });

  it('--wait is told by the checkSessionUpdated subscription, without polling the session', async () => {
    const polls: string[] = [];
    const proxy = await startProxy(t.baseUrl, { onRequest: (method, url) => polls.push(`${method} ${url}`) });
    try {
      const r = await tracer(['trigger', '--tag', 'smoke', '--wait', '--timeout', '60'], { TRACER_URL: proxy.url });
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(proxy.upgrades).toBe(1);
      // The session is started and read once more at the end: no GET a second while it runs.
      expect(polls.filter((p) => p.startsWith('GET /v1/check-sessions/')).length).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('--wait falls back to polling where WebSockets are blocked', async () => {
    const proxy = await startProxy(t.baseUrl, { blockUpgrades: true });
    try {
      const r = await tracer(['trigger', '--tag', 'smoke', '--wait', '--timeout', '60'], { TRACER_URL: proxy.url });
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(proxy.upgrades).toBe(1);
      expect(r.stdout).toMatch(/Session cks_\w+: PASSED \(2 checks: 2 passed, 0 failed\)/);
    } finally {
      await proxy.close();
    }
  });

  it('exits 1 when any check failed, and shows why', async () => {
    const r = await tracer(['trigger', '--monitor', ids.home, '--tag', 'checkout', '--wait']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').find((l) => l.startsWith('Checkout API'))).toMatch(/\sFAILED\s+503\s+\d+ ms\s+\S/);
    expect(r.stdout).toMatch(/Session cks_\w+: FAILED \(2 checks: 1 passed, 1 failed\)/);
  });

  it('exits 1 when the results are not in before --timeout, saying so', async () => {
    const r = await tracer(['trigger', '--tag', 'slow', '--wait', '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Slow\s+monitor\s+\S+\s+local\s+RUNNING/m);
    expect(r.stderr).toContain('Timed out after 1 s waiting for the results');
  });

  it('prints names escaped: a stored name with line breaks and escapes stays on its row, injecting nothing', async () => {
    // The API refuses such names now (test/api/names.test.ts); rows stored before may still hold them.
    const stored = 'Deploy\n::error::pwned\nHome page  monitor  mon_x  local  PASSED\r\u001b[32mOK\u2028 \u202eDELIAF\u2066\u200b 👩‍💻';
    const legacy = await t.org('Legacy Inc');
    const admin = (await t.key(legacy, ['all'])).client;
    const made = await admin.gql(CreateMonitorDocument, { input: { name: 'legacy', url: `${target.url}/fail`, tags: ['legacy'] } });
    const id = made.data!.createMonitor.id;
    await t.db.orm.em.fork().nativeUpdate('Monitor', { id }, { name: stored });
    const ci = (await t.key(legacy, ['monitors:read', 'monitors:run'])).key;
    const r = await tracer(['trigger', '--tag', 'legacy', '--wait', '--timeout', '120'], { IZLI_API_KEY: ci });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(5); // the header, one row, a blank line, the summary, the final newline
    expect(lines.filter((l) => l.startsWith('::'))).toEqual([]);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u2028\u202a-\u202e\u2066-\u2069\u200b]/);
    // bidirectional and invisible format characters escaped too; the emoji's joiner left as it is
    expect(lines[1]).toMatch(
      new RegExp(`^Deploy\\\\n::error::pwned\\\\nHome page  monitor  mon_x  local  PASSED\\\\r\\\\u001b\\[32mOK\\\\u2028 \\\\u202eDELIAF\\\\u2066\\\\u200b 👩‍💻\\s+monitor\\s+${id}\\s+local\\s+FAILED\\s+503`),
    );
    expect(lines.slice(2)).toEqual(['', expect.stringMatching(/^Session cks_\w+: FAILED \(1 check: 0 passed, 1 failed\)$/), '']);
  });

  it('--tcp and --dns run checks of those kinds (--monitor takes their ids too); an id of another kind is bad usage', async () => {
    const r = await tracer(['trigger', '--tcp', ids.tcp, '--dns', ids.dns, '--wait', '--timeout', '120']);
    expect(r, r.stderr).toMatchObject({ code: 1 }); // the DNS check failed
    expect(r.stdout).toMatch(new RegExp(`^Target port\\s+tcp_monitor\\s+${ids.tcp}\\s+local\\s+PASSED`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^Records\\s+dns_monitor\\s+${ids.dns}\\s+local\\s+FAILED`, 'm'));
    expect(await tracer(['trigger', '--monitor', ids.tcp, '--wait', '--timeout', '120'])).toMatchObject({ code: 0 });
    for (const [flag, id] of [['--tcp', ids.dns], ['--dns', ids.home]]) {
      const swapped = await tracer(['trigger', flag, id]);
      expect(swapped).toMatchObject({ code: 2, stdout: '' });
      expect(swapped.stderr).toContain(`${flag} takes the id of a ${flag === '--tcp' ? 'TCP check (tcp_…)' : 'DNS check (dns_…)'}, not "${id}"`);
    }
  });

  it('without --wait: starts the session, prints it RUNNING, exits 0', async () => {
    const r = await tracer(['trigger', '--journey', ids.journey]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Sign-up flow\s+journey\s+\S+\s+local\s+(RUNNING|PASSED)/m);
    expect(r.stdout).toMatch(/follow it with: curl -s .*\/v1\/check-sessions\/cks_\w+/);
  });

  it('exits 2 without a key, with a refused key (401) and with a missing scope (403), said plainly', async () => {
    const none = await tracer(['trigger', '--tag', 'smoke', '--wait'], { IZLI_API_KEY: undefined });
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain('IZLI_API_KEY is not set');

    const bad = await tracer(['trigger', '--tag', 'smoke', '--wait'], { IZLI_API_KEY: 'izli_sk_live_not-a-real-key' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^401 Unauthorized: the API key was refused \(Invalid or missing API key\)/);

    const readOnly = await tracer(['trigger', '--tag', 'smoke', '--wait'], { IZLI_API_KEY: keys.readOnly });
    expect(readOnly.code).toBe(2);
    expect(readOnly.stderr).toMatch(/^403 Forbidden: the API key lacks monitors:run, journeys:run/);
    // The scope depends on what is selected: monitors:run alone can run the monitors, not the journey.
    const partial = await tracer(['trigger', '--tag', 'smoke'], { IZLI_API_KEY: keys.monitorsOnly });
    expect(partial.stderr).toMatch(/^403 Forbidden: the API key lacks journeys:run/);
    expect((await tracer(['trigger', '--monitor', ids.home, '--wait'], { IZLI_API_KEY: keys.monitorsOnly })).code).toBe(0);
  });

  it('exits 2 on bad usage, naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /No command given/],
      [['deploy'], /Unknown command "deploy"/],
      [['trigger'], /Nothing to run: give --tag, --monitor, --journey, --tcp or --dns/],
      [['trigger', '--tag', 'smoke', '--colour'], /Unknown option '--colour'/],
      [['trigger', '--tag', 'smoke', '--wait', '--timeout', 'soon'], /--timeout must be a whole number of seconds/],
      [['trigger', '--tag', 'Not A Tag'], /^400 BAD_USER_INPUT: tags: each must be/],
      [['trigger', '--tag', 'nothing-has-this'], /^400 BAD_USER_INPUT: tags: no monitor or journey/],
      [['trigger', '--monitor', 'mon_doesnotexist'], /^404 NOT_FOUND: Monitor mon_doesnotexist not found/],
    ];
    for (const [args, message] of cases) {
      const r = await tracer(args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect((await tracer(['trigger', '--tag', 'smoke'], { TRACER_URL: 'http://127.0.0.1:1' })).stderr).toMatch(/Could not reach tracer at http:\/\/127\.0\.0\.1:1/);
  });

  it('is the package bin: `npx tracer` from the repository runs it', async () => {
    const r = await tracer(['trigger', '--monitor', ids.home, '--wait'], {}, ['npx', '--no-install', 'tracer']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/Session cks_\w+: PASSED/);
  });
});
