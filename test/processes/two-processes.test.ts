/** Two real server processes on one PostgreSQL database: a key revoked through one is refused by the other. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { runCli, spawnServer, type ServerProcess } from '../helpers/process';

describe.runIf(onPostgres())('revocation across two server processes', () => {
  let pg: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await openTestDatabase();
    // One SECRETS_KEY for both: instances sharing a database share the key.
    env = { DATABASE_URL: pg.url, SECRETS_KEY: randomBytes(32).toString('base64'), BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', RATE_LIMIT_PER_MINUTE: '100000', AUTH_FAILURE_LIMIT: '100000' };
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await pg?.close();
  });

  it('a key revoked on A gets 401 on B right away, though B had it cached', async () => {
    const made = await runCli(['create', '--org', 'Acme Inc', '--name', 'admin', '--permissions', 'all', '--json'], env);
    const admin = (JSON.parse(made.stdout) as { key: string }).key;
    const call = (base: string, path: string, key: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const created = (await (await call(a.baseUrl, '/v1/api-keys', admin, { method: 'POST', body: JSON.stringify({ name: `k${i}`, permissions: ['monitors:read'] }) })).json()) as {
        data: { key: string; api_key: { id: string } };
      };
      const k = created.data.key;
      expect((await call(b.baseUrl, '/v1/me', k)).status).toBe(200); // B verified and cached it
      expect((await call(a.baseUrl, `/v1/api-keys/${created.data.api_key.id}`, admin, { method: 'DELETE' })).status).toBe(200);
      const revokedAt = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - revokedAt < 2000) status = (await call(b.baseUrl, '/v1/me', k)).status;
      latencies.push(Date.now() - revokedAt);
      expect(status).toBe(401);
      for (let j = 0; j < 5; j++) expect((await call(b.baseUrl, '/v1/me', k)).status).toBe(401); // and stays refused
    }
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('a session ended on A (sign-out, a new role) gets 401 on B right away, though B had it cached', async () => {
    const password = 'cobalt-river-sparrow-6604';
    const signIn = async (email: string, role: string) => {
      const made = JSON.parse((await runCli(['add', '--org', 'People Inc', '--email', email, '--role', role, '--json'], env, 'members')).stdout) as { token: string; memberId: string };
      const post = (p: string, body: unknown) => fetch(`${a.baseUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/auth/reset-password', { token: made.token, password })).status).toBe(204);
      const res = await post('/auth/sign-in', { email, password });
      return { cookie: res.headers.get('set-cookie')!.split(';')[0], memberId: made.memberId };
    };
    const me = (base: string, cookie: string) => fetch(`${base}/v1/me`, { headers: { cookie } });
    const refusedOnB = async (cookie: string) => {
      const start = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - start < 2000) status = (await me(b.baseUrl, cookie)).status;
      expect(status).toBe(401);
      return Date.now() - start;
    };

    const owner = await signIn('owner@people.test', 'OWNER');
    const viewer = await signIn('viewer@people.test', 'VIEWER');
    for (const s of [owner, viewer]) expect((await me(b.baseUrl, s.cookie)).status).toBe(200); // B verified and cached them

    const out = await fetch(`${a.baseUrl}/auth/sign-out`, { method: 'POST', headers: { cookie: viewer.cookie, origin: a.baseUrl } });
    expect(out.status).toBe(204);
    expect(await refusedOnB(viewer.cookie)).toBeLessThan(1000);

    const again = await signIn('viewer@people.test', 'VIEWER');
    expect((await me(b.baseUrl, again.cookie)).status).toBe(200);
    const promote = await fetch(`${a.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie, origin: a.baseUrl },
      body: JSON.stringify({ query: 'mutation($id: ID!) { updateMemberRole(id: $id, role: MEMBER) { role } }', variables: { id: again.memberId } }),
    });
    expect(await promote.json()).toEqual({ data: { updateMemberRole: { role: 'MEMBER' } } });
    expect(await refusedOnB(again.cookie)).toBeLessThan(1000);
    expect((await me(b.baseUrl, owner.cookie)).status).toBe(200);
  });
});
