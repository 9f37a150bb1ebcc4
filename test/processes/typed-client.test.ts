/**
 * docs/how-to/typed-client.md, run as a user would: the codegen config and the example are taken from the
 * guide, graphql-codegen (client preset) generates against a running server with a key and against the committed
 * SDL, tsc --strict type-checks the example, and the compiled example runs against the server.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { startTestApp, type TestApp } from '../helpers/app';
import { ROOT } from '../helpers/process';

const run = promisify(execFile);
const bin = (name: string) => path.join(ROOT, 'node_modules/.bin', name);

const GUIDE = 'docs/how-to/typed-client.md';

/** The fenced block of the typed-client guide whose info string is `ts <file>`. */
function guideFile(file: string): string {
  const guide = fs.readFileSync(path.join(ROOT, GUIDE), 'utf8');
  const m = new RegExp('```ts ' + file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '\\n([\\s\\S]*?)```').exec(guide);
  if (!m) throw new Error(`${GUIDE} has no \`\`\`ts ${file} block`);
  return m[1];
}

let t: TestApp;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await startTestApp();
  const org = await t.org();
  const { key } = await t.key(org, ['monitors:read', 'monitors:write']);
  const made = await t.client(key).rest('POST', '/v1/monitors', { name: 'Typed client probe', url: 'https://example.com/' });
  expect(made.status).toBe(201);
  // Inside the repository, so the project's node_modules resolve the preset, as a user's own would.
  fs.mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
  dir = fs.mkdtempSync(path.join(ROOT, 'test-output', 'typed-client-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'codegen.ts'), guideFile('codegen.ts'));
  fs.writeFileSync(path.join(dir, 'src/monitors.ts'), guideFile('src/monitors.ts'));
  env = { ...process.env, TRACER_URL: t.baseUrl, IZLI_API_KEY: key, TRACER_SCHEMA: '' };
  delete env.TRACER_SCHEMA;
});
afterAll(async () => {
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const codegen = (extra: NodeJS.ProcessEnv) => run(bin('graphql-codegen'), ['--config', 'codegen.ts'], { cwd: dir, env: { ...env, ...extra } });
const typecheck = () =>
  run(bin('tsc'), ['--strict', '--target', 'es2022', '--module', 'commonjs', '--lib', 'es2022,dom', '--skipLibCheck', '--outDir', 'out', 'src/monitors.ts'], { cwd: dir, env });

describeDatabaseAgnostic('docs/how-to/typed-client.md', () => {
  it('generates from the live API with a key, type-checks, and the example prints the monitors', async () => {
    await codegen({});
    expect(fs.readFileSync(path.join(dir, 'src/gql/graphql.ts'), 'utf8')).toMatch(/export type MonitorsQuery = .*status: CheckStatus/);
    await typecheck();
    const { stdout } = await run(process.execPath, ['out/monitors.js'], { cwd: dir, env });
    expect(stdout).toMatch(/^Typed client probe (PENDING|UP|DOWN) /m);
  });

  it('introspection without a key is refused, so codegen fails rather than generating from nothing', async () => {
    // The same run as above with only the key changed (codegen prints nothing when not on a terminal).
    await expect(codegen({ IZLI_API_KEY: 'izli_sk_live_wrong' })).rejects.toThrow(/Command failed/);
  });

  it('generates the same from schema/schema.graphql, offline', async () => {
    const live = fs.readFileSync(path.join(dir, 'src/gql/graphql.ts'), 'utf8');
    fs.rmSync(path.join(dir, 'src/gql'), { recursive: true });
    await codegen({ TRACER_SCHEMA: path.join(ROOT, 'schema/schema.graphql'), TRACER_URL: 'http://127.0.0.1:1' });
    const offline = fs.readFileSync(path.join(dir, 'src/gql/graphql.ts'), 'utf8');
    await typecheck();
    // Same types for the operation (the SDL lists types in another order than introspection, so compare those).
    const op = (s: string) => /export type MonitorsQuery = .*/.exec(s)?.[0];
    expect(op(offline)).toBeDefined();
    expect(op(offline)).toBe(op(live));
  });
});
