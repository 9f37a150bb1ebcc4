/**
 * docs/how-to/typed-client.md as a newcomer runs it: an empty directory outside this repository (so none of its
 * node_modules resolve), the guide's `install` block run line by line against the npm registry, its two files
 * written, and its `generate` block run against a running tracer. It failed as once written (TypeScript 7 pulled
 * in, no @types/node, 16 EBADENGINE warnings on Node 20), so npm's output is checked for engine warnings too.
 * The install takes most of a minute: it runs only when CI or DOCS_INSTALL_TESTS=1 is set, and once (the guide does
 * not depend on tracer's database or executor): in CI's PostgreSQL pass, which has more room than the embedded one
 * (`runsInThisPass` in helpers/database.ts).
 */
import { exec } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { runsInThisPass } from '../helpers/database';
import { ROOT } from '../helpers/process';

const sh = promisify(exec);
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs/how-to/typed-client.md'), 'utf8');
const enabled =
  (!!process.env.CI || process.env.DOCS_INSTALL_TESTS === '1') && runsInThisPass('postgres') && process.env.GRAPHQL_JIT !== 'false';

/** The fenced block whose info string is exactly `<lang> <name>`. */
function block(info: string): string {
  const m = new RegExp('^```' + info.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '\\n([\\s\\S]*?)^```', 'm').exec(GUIDE);
  if (!m) throw new Error(`docs/how-to/typed-client.md has no \`\`\`${info} block`);
  return m[1];
}
const commands = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

describe.runIf(enabled)('docs/how-to/typed-client.md in an empty project', () => {
  let t: TestApp;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await startTestApp();
    const org = await t.org();
    const { key } = await t.key(org, ['monitors:read', 'monitors:write']);
    const made = await t.client(key).rest('POST', '/v1/monitors', { name: 'Guide probe', url: 'https://example.com/' });
    expect(made.status).toBe(201);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-typed-client-guide-'));
    // The guide's `export` line sets placeholders; the test gives the real server and key through the environment.
    env = { ...process.env, TRACER_URL: t.baseUrl, IZLI_API_KEY: key, npm_config_update_notifier: 'false' };
    delete env.TRACER_SCHEMA;
    delete env.NODE_OPTIONS;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs exactly the documented packages without an engine warning, generates, compiles and runs', async () => {
    let npmOutput = '';
    for (const line of commands(block('sh install'))) {
      const { stdout, stderr } = await sh(line, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 });
      npmOutput += stdout + stderr;
    }
    expect(npmOutput).not.toMatch(/EBADENGINE/);
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const documented = /npm install .*/.exec(block('sh install'))![0].split(' ').filter((w) => /^@?[a-z].*@\d/.test(w));
    expect(Object.entries(installed.devDependencies).map(([n, v]) => `${n}@${v}`).sort()).toEqual(documented.sort());
    expect(fs.readFileSync(path.join(dir, 'node_modules/typescript/package.json'), 'utf8')).toMatch(/"version": "5\.9\.3"/);

    for (const file of ['codegen.ts', 'src/monitors.ts']) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), block(`ts ${file}`));
    }
    let last = '';
    for (const line of commands(block('sh generate')).filter((l) => !l.startsWith('export '))) {
      last = (await sh(line, { cwd: dir, env, maxBuffer: 16 * 1024 * 1024 })).stdout;
    }
    expect(fs.readFileSync(path.join(dir, 'src/gql/graphql.ts'), 'utf8')).toMatch(/export type MonitorsQuery = .*status: CheckStatus/);
    expect(last).toMatch(/^Guide probe (PENDING|UP|DOWN) /m);
  }, 300_000);
});
