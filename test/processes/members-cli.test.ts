/**
 * `npm run members -- add` with the server stopped, then over HTTP from its link to a signed-in session: the way
 * the first person gets in before invitations exist. On the embedded database (the quickstart's) and on
 * PostgreSQL. Needs `npm run build:server` (npm test builds first).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, openTestDatabase, type TestDatabase, migratedDataDir } from '../helpers/database';
import { runCli, spawnServer, type ServerProcess } from '../helpers/process';

const PASSWORD = 'quartz-meadow-lantern-2719';
let dataDir: string;
let pg: TestDatabase | undefined;
let env: Record<string, string>;
let server: ServerProcess | undefined;

beforeAll(async () => {
  dataDir = migratedDataDir('tracer-members-cli-');
  pg = onPostgres() ? await openTestDatabase() : undefined;
  env = pg ? { DATABASE_URL: pg.url!, SECRETS_KEY: randomBytes(32).toString('base64'), BOOTSTRAP_KEY: 'false' } : { DATA_DIR: dataDir, BOOTSTRAP_KEY: 'false' };
});
afterAll(async () => {
  await server?.stop();
  await pg?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('members add', () => {
  it('prints a single-use link; the link sets a password and the person signs in', async () => {
    const made = await runCli(['add', '--org', 'Acme Inc', '--email', 'Ada@Example.com', '--role', 'OWNER', '--name', 'Ada'], { ...env, PUBLIC_URL: 'http://tracer.test:4000' }, 'members');
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^Created organization "Acme Inc" \(org_\w+\)\nAdded member ada@example.com \(mem_\w+\) as OWNER\n\nSet the password within 24 hours \(the link works once\):\n  http:\/\/tracer\.test:4000\/dashboard\/reset-password\?token=[0-9A-Za-z]{43}\n/);
    // Asked again, the member stays as it is and a new link replaces the first.
    const again = await runCli(['add', '--org', 'Acme Inc', '--email', 'ada@example.com', '--role', 'VIEWER', '--json'], env, 'members');
    const second = JSON.parse(again.stdout) as { token: string; role: string; link: string };
    expect(second.role).toBe('OWNER');
    const first = /token=([0-9A-Za-z]{43})/.exec(made.stdout)![1];
    expect((await runCli(['add', '--org', 'Acme Inc', '--email', 'x@example.com', '--role', 'BOSS'], env, 'members')).stderr).toMatch(/--role must be one of OWNER, ADMIN, MEMBER, VIEWER/);

    server = await spawnServer(env);
    const post = (p: string, body: unknown) => fetch(`${server!.baseUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/auth/reset-password', { token: first, password: PASSWORD })).status).toBe(400); // replaced
    expect((await post('/auth/reset-password', { token: second.token, password: PASSWORD })).status).toBe(204);
    const signedIn = await post('/auth/sign-in', { email: 'ada@example.com', password: PASSWORD });
    expect(signedIn.status).toBe(200);
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0];
    const me = await fetch(`${server.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: server.baseUrl },
      body: JSON.stringify({ query: '{ me { organization { name } member { email role permissions } key { id } } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { organization: { name: 'Acme Inc' }, member: { email: 'ada@example.com', role: 'OWNER', permissions: ['all'] }, key: null } } });
  });
});
