/**
 * README.md's "Verify your key", "A monitor and an alert in five minutes" and the first owner of "People and
 * roles" (the setup link the first start printed), typed as a newcomer types them: one
 * bash session, each command of each ```bash block as written, against the server process `npm start` runs, with
 * the key its first start printed. Only what the reader is told to fill in is filled in: the key in the `export`
 * line, the setup link's token and a password of the reader's own, the monitor's URL (a local target that answers 200, not https://example.com/: tests do not reach the
 * Internet) and the `mon_XXXXXXXXXXXXXXXX` / `alr_XXXXXXXXXXXXXXXX` ids, taken from the answers before them.
 *
 * The commands name http://127.0.0.1:4000; a test cannot hold a fixed port on a shared machine, so curl's own
 * configuration ($CURL_HOME/.curlrc, `connect-to`) sends 127.0.0.1:4000 to the server's port and the commands stay
 * byte for byte as documented. The server runs on the embedded database, as the README's quickstart does.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnServer, type ServerProcess } from '../helpers/process';
import { startTarget, type Target } from '../helpers/target';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DOCUMENTED_SERVER = '127.0.0.1:4000';
const KEY_PLACEHOLDER = 'izli_sk_live_...';
const TARGET_PLACEHOLDER = 'https://example.com/';
const MONITOR_PLACEHOLDER = 'mon_XXXXXXXXXXXXXXXX';
const ALERT_PLACEHOLDER = 'alr_XXXXXXXXXXXXXXXX';
const SETUP_PLACEHOLDER = 'SETUP_TOKEN';
const PASSWORD_PLACEHOLDER = 'YOUR_PASSWORD';
/** Generous: the machine running the suite is shared, and "Run now" waits for its run through the queue. */
const COMMAND_TIMEOUT_MS = 120_000;

/** The ```bash blocks of the README section under `## heading`, with their list-item indentation removed. */
function bashBlocks(heading: string): string[] {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^( *)```bash\n([\s\S]*?)^ *```$/gm)].map(([, indent, body]) =>
    body.split('\n').map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line)).join('\n'),
  );
}

interface Command {
  text: string;
  /** The `# …` lines right under it (no blank line between): the answer the README shows for it, if any. */
  sample: string[];
}

/** A block's commands: a command goes on while a line ends in `\` or a single-quoted string is still open. */
function commands(block: string): Command[] {
  const out: Command[] = [];
  let open: string[] = [];
  // The command whose answer a `#` line would show; a blank line ends it, so a comment after one is prose.
  let answered: Command | undefined;
  for (const line of block.split('\n')) {
    if (open.length) {
      open.push(line);
    } else if (/^\s*#/.test(line)) {
      answered?.sample.push(line.replace(/^\s*#\s?/, ''));
      continue;
    } else if (line.trim()) {
      open = [line];
    } else {
      answered = undefined;
      continue;
    }
    const text = open.join('\n');
    if (!text.endsWith('\\') && (text.match(/'/g) ?? []).length % 2 === 0) {
      answered = { text, sample: [] };
      out.push(answered);
      open = [];
    }
  }
  if (open.length) throw new Error(`README.md: a command never ends:\n${open.join('\n')}`);
  return out;
}

/** The README's sample answer as a pattern: its `…` stand for ids and for the fields it leaves out. */
function samplePattern(sample: string[]): RegExp {
  const text = sample.map((l) => l.trim()).join('');
  return new RegExp('^' + text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/…/g, '.*?') + '$');
}

/** One bash process the commands are typed into, so that an `export` holds for the commands after it. */
class Shell {
  private proc: ChildProcessWithoutNullStreams;
  private stdout = '';
  private stderr = '';
  private readonly mark = `__command_done_${randomBytes(6).toString('hex')}_`;

  constructor(env: NodeJS.ProcessEnv) {
    this.proc = spawn('bash', ['--noprofile', '--norc'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d) => (this.stdout += d));
    this.proc.stderr.on('data', (d) => (this.stderr += d));
  }

  /** Runs one command; its standard output and exit status. */
  run(command: string): Promise<{ out: string; code: number }> {
    this.stdout = '';
    this.stderr = '';
    const done = new RegExp(`\\n${this.mark}(\\d+)\\n$`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.proc.stdout.off('data', check);
        reject(new Error(`no answer in ${COMMAND_TIMEOUT_MS} ms to:\n${command}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
      }, COMMAND_TIMEOUT_MS);
      const check = () => {
        const m = done.exec(this.stdout);
        if (!m) return;
        clearTimeout(timer);
        this.proc.stdout.off('data', check);
        if (this.stderr) reject(new Error(`${command}\nwrote to stderr: ${this.stderr}`));
        else resolve({ out: this.stdout.slice(0, m.index), code: Number(m[1]) });
      };
      this.proc.stdout.on('data', check);
      this.proc.stdin.write(`${command}\nprintf '\\n${this.mark}%s\\n' "$?"\n`);
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}

function fail(message: string): never {
  throw new Error(message);
}

interface Envelope<T> {
  success: boolean;
  data: T;
}
interface Alert {
  id: string;
  status: string;
  source: { kind: string; id: string };
}

// The quickstart runs on the embedded database whatever the suite's database is: on the PostgreSQL pass this file
// would repeat the embedded pass's run word for word, so it runs once, there.
describe.skipIf(!!process.env.TEST_DATABASE_URL)('README.md: verify your key, then a monitor and an alert in five minutes', () => {
  let dataDir: string;
  let curlHome: string;
  let server: ServerProcess;
  let target: Target;
  let key: string;
  let setupLink: string;
  let shell: Shell;

  beforeAll(async () => {
    target = await startTarget();
    target.route('/', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Example</h1>'));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-readme-'));
    // A monitor's URL on 127.0.0.1 is refused unless the server allows private targets (tests reach loopback only).
    server = await spawnServer({ DATA_DIR: dataDir, ALLOW_PRIVATE_TARGETS: 'true' });
    key = /izli_sk_live_[0-9A-Za-z]{50}/.exec(server.output())?.[0] ?? '';
    expect(key, server.output()).not.toBe('');
    // Printed with the server's own address (the README shows the default 127.0.0.1:4000).
    setupLink = /^ {4}(http:\/\/\S+\/dashboard\/setup\?token=[0-9A-Za-z]{43})$/m.exec(server.output())?.[1] ?? '';
    expect(setupLink, server.output()).not.toBe('');

    curlHome = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-readme-curl-'));
    const port = new URL(server.baseUrl).port;
    // `noproxy`: a proxy in the environment must not take requests meant for this machine.
    fs.writeFileSync(path.join(curlHome, '.curlrc'), `connect-to = "${DOCUMENTED_SERVER}:127.0.0.1:${port}"\nnoproxy = "*"\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, CURL_HOME: curlHome };
    // The key reaches the commands only through the README's own `export` line.
    delete env.IZLI_API_KEY;
    shell = new Shell(env);
  });

  afterAll(async () => {
    shell?.close();
    await server?.stop();
    await target?.close();
    for (const dir of [dataDir, curlHome]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The key, the monitor's URL, the setup token and the reader's password, where the README leaves them blank. */
  const filledIn = (text: string) =>
    text
      .replace(KEY_PLACEHOLDER, key)
      .replace(TARGET_PLACEHOLDER, `${target.url}/`)
      .replace(SETUP_PLACEHOLDER, new URL(setupLink).searchParams.get('token')!)
      .replace(PASSWORD_PLACEHOLDER, 'violet-harbor-tunnel-8142');

  /** Runs a README command with the reader's blanks filled in; fails on a blank left unfilled. */
  async function type(command: Command, ids: { monitor?: string; alert?: string } = {}): Promise<string> {
    let text = filledIn(command.text);
    if (text.includes(MONITOR_PLACEHOLDER)) text = text.replaceAll(MONITOR_PLACEHOLDER, ids.monitor ?? fail(`no monitor id yet for: ${text}`));
    if (text.includes(ALERT_PLACEHOLDER)) text = text.replaceAll(ALERT_PLACEHOLDER, ids.alert ?? fail(`no alert id yet for: ${text}`));
    if (text.startsWith('curl ')) expect(text).toContain(`http://${DOCUMENTED_SERVER}/`);
    const { out, code } = await shell.run(text);
    expect(code, `${text}\n${out}`).toBe(0);
    if (command.sample.length) expect(out.trim()).toMatch(samplePattern(command.sample));
    return out;
  }

  it('Verify your key: the export, /v1/me and the same over GraphQL', async () => {
    const blocks = bashBlocks('Verify your key');
    expect(blocks).toHaveLength(2);
    const [rest, graphql] = blocks.map(commands);
    expect(rest.map((c) => c.text.split(' ')[0])).toEqual(['export', 'curl']);
    expect(rest[0].text).toContain(KEY_PLACEHOLDER);
    await type(rest[0]);
    expect(rest[1].sample.length).toBeGreaterThan(0);
    const me = JSON.parse(await type(rest[1])) as Envelope<{ organization: { id: string; name: string }; key: { name: string; permissions: string[] } }>;
    expect(me.data.organization.name).toBe('Default Organization');

    expect(graphql).toHaveLength(1);
    const answer = JSON.parse(await type(graphql[0])) as { data: { me: { organization: unknown; key: { id: string; name: string; permissions: string[]; expiresAt: null } } } };
    expect(answer.data.me).toEqual({
      organization: me.data.organization,
      key: { id: expect.stringMatching(/^key_/), name: me.data.key.name, permissions: me.data.key.permissions, expiresAt: null },
    });
  });

  it('People and roles: the setup link the first start printed makes the first OWNER, once', async () => {
    expect(README).toContain(`    http://${DOCUMENTED_SERVER}/dashboard/setup?token=`); // what "Your first key" shows printed
    const blocks = bashBlocks('People and roles').map(commands);
    expect(blocks.map((b) => b.length)).toEqual([1]);
    const [setup] = blocks[0];
    expect(setup.text).toContain(SETUP_PLACEHOLDER);
    expect(setup.sample.length).toBeGreaterThan(0);
    const made = JSON.parse(await type(setup)) as Envelope<{ member: { role: string; permissions: string[] }; organization: { name: string } }>;
    expect(made.data).toMatchObject({ member: { role: 'OWNER', permissions: ['all'] }, organization: { name: 'Default Organization' } });
    // The link works once: typed again, it is refused.
    const again = JSON.parse((await shell.run(filledIn(setup.text))).out) as { success: boolean; error: { code: string } };
    expect(again).toMatchObject({ success: false, error: { code: 'BAD_USER_INPUT' } });
  });

  // "With the server running and IZLI_API_KEY set as above": the shell of the test before, with its export.
  it('A monitor and an alert in five minutes: the monitor is DOWN, its alert opens, is acknowledged and resolved', async () => {
    const [create, watch, alerts] = bashBlocks('A monitor and an alert in five minutes').map(commands);
    expect([create, watch, alerts].map((b) => b?.length)).toEqual([1, 2, 3]);

    // 1. Create a monitor: the answer has the sample's shape (the sample line is checked in type()).
    expect(create[0].text).toContain(TARGET_PLACEHOLDER);
    expect(create[0].sample.length).toBeGreaterThan(0);
    const made = JSON.parse(await type(create[0])) as Envelope<{ id: string; status: string; url: string }>;
    expect(made.data).toMatchObject({ id: expect.stringMatching(/^mon_/), status: 'PENDING', url: `${target.url}/` });
    const monitor = made.data.id;

    // 2. Run now answers the finished run: failed (200 is not the expected 500), with timings and the error in words.
    const run = JSON.parse(await type(watch[0], { monitor })) as Envelope<Record<string, unknown>>;
    expect(run.data).toMatchObject({
      monitor_id: monitor,
      trigger: 'MANUAL',
      status: 'FAILED',
      response_status: 200,
      timings: { total: expect.any(Number) },
      error: 'Status 200 is not one of 500',
    });
    expect(target.hits.filter((h) => h.path === '/').length).toBeGreaterThanOrEqual(1);
    const down = JSON.parse(await type(watch[1], { monitor })) as Envelope<{ nodes: Array<{ id: string; status: string }> }>;
    expect(down.data.nodes).toContainEqual(expect.objectContaining({ id: monitor, status: 'DOWN' }));

    // 3. The open alert for it: typed again until it shows (a reader would look again; a loaded machine is slow).
    let open: Alert | undefined;
    for (const deadline = Date.now() + 60_000; !open && Date.now() < deadline; ) {
      const listed = JSON.parse(await type(alerts[0])) as Envelope<{ nodes: Alert[] }>;
      open = listed.data.nodes.find((a) => a.source.id === monitor);
    }
    expect(open).toMatchObject({ id: expect.stringMatching(/^alr_/), status: 'OPEN', source: { kind: 'MONITOR', id: monitor } });

    const acknowledged = JSON.parse(await type(alerts[1], { monitor, alert: open!.id })) as Envelope<Alert & { acknowledged_at: string | null }>;
    expect(acknowledged).toMatchObject({ success: true, data: { id: open!.id, status: 'ACKNOWLEDGED', acknowledged_at: expect.any(String) } });
    const resolved = JSON.parse(await type(alerts[2], { monitor, alert: open!.id })) as Envelope<Alert & { resolved_at: string | null }>;
    expect(resolved).toMatchObject({ success: true, data: { id: open!.id, status: 'RESOLVED', resolved_at: expect.any(String) } });
  });
});
