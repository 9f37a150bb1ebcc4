/**
 * The API reference's examples, replayed with fetch against the real server process (`dist/src/server.js`, what
 * `npm start` runs), plus the first-key story: bootstrap key, CLI, restart.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDatabaseAgnostic, openTestDatabase, onPostgres, type TestDatabase } from '../helpers/database';
import { migratorOf } from '../../src/db/database';
import { runCli, runCliInProcess, spawnServer, type ServerProcess } from '../helpers/process';

const UNAUTHORIZED = { success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid or missing API key' } };
const FORBIDDEN = { success: false, error: { code: 'FORBIDDEN', message: 'Insufficient permissions for this action' } };
/** The reference's body, byte for byte, with the one field tracer adds last: the request's id, its X-Request-Id. */
const withRequestId = (body: typeof UNAUTHORIZED, res: Response, more: Record<string, unknown> = {}) =>
  JSON.stringify({ ...body, error: { ...body.error, ...more, request_id: res.headers.get('x-request-id') } });

let dataDir: string;
let pg: TestDatabase | undefined;
let env: Record<string, string>;
let server: ServerProcess;
let bootstrapKey: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-e2e-'));
  if (onPostgres()) {
    pg = await openTestDatabase(); // an empty database of its own; the server migrates it
    await (await migratorOf(pg.orm)).down({ to: 0 });
    // SECRETS_KEY is required with DATABASE_URL; the bootstrap key is off there unless asked for.
    env = { DATABASE_URL: pg.url!, SECRETS_KEY: randomBytes(32).toString('base64'), BOOTSTRAP_KEY: 'true' };
  } else {
    env = { DATA_DIR: dataDir };
  }
  server = await spawnServer(env);
  bootstrapKey = /izli_sk_live_[0-9A-Za-z]{50}/.exec(server.output())?.[0] ?? '';
});

afterAll(async () => {
  await server?.stop();
  await pg?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const call = (p: string, key?: string, init: RequestInit = {}) =>
  fetch(`${server.baseUrl}${p}`, { ...init, headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(init.headers ?? {}) } });

describe('first start', () => {
  it('prints a full-access key once, with a warning, and never logs it', async () => {
    expect(bootstrapKey).toMatch(/^izli_sk_live_/);
    expect(server.output()).toContain('WARNING: first start on an empty database');
    expect(server.output().split(bootstrapKey)).toHaveLength(2); // exactly once
    const res = await call('/v1/me', bootstrapKey);
    expect(await res.json()).toMatchObject({ success: true, data: { key: { permissions: ['all'] } } });
  });

  it("answers the README's sample /v1/me output for the bootstrap key, word for word", async () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const sample = /curl -s http:\/\/127\.0\.0\.1:4000\/v1\/me .*\n((?:# .*\n)+)/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    const body = (await (await call('/v1/me', bootstrapKey)).json()) as { data: { organization: { id: string } } };
    const documented = JSON.parse(sample!.replace(/^# ?/gm, '').replace(/\n/g, '').replace('org_…', body.data.organization.id));
    expect(body).toEqual(documented);
  });

  it('serves health, readiness and Apollo Sandbox without a key', async () => {
    expect((await call('/healthz')).status).toBe(200);
    expect(await (await call('/readyz')).json()).toMatchObject({ status: 'ok' });
    const sandbox = await call('/graphql', undefined, { headers: { accept: 'text/html' } });
    expect(sandbox.status).toBe(200);
    expect(sandbox.headers.get('content-type')).toContain('text/html');
    expect(await sandbox.text()).toMatch(/sandbox/i);
  });
});

describe('the API reference, example by example', () => {
  it('401 Unauthorized: the example key, no header, wrong scheme', async () => {
    for (const headers of [
      { Authorization: 'Bearer izli_sk_live_abc123xyz789' },
      {} as Record<string, string>,
      { Authorization: `Token ${bootstrapKey}` },
    ]) {
      for (const route of ['/v1/monitors', '/v1/me']) {
        const res = await call(route, undefined, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.headers.get('x-request-id')).toMatch(/^req-/);
        expect(await res.text()).toBe(withRequestId(UNAUTHORIZED, res));
      }
    }
  });

  it('Testing Authentication: GET /v1/me with a CLI-made key answers the documented shape', async () => {
    // The CLI refuses to open the embedded database while the server holds it (never a damaged database).
    if (!onPostgres()) {
      const locked = await runCli(['create', '--org', 'Acme Inc', '--name', 'CI/CD Key', '--permissions', 'monitors:read'], env);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toMatch(/in use by another tracer process \(pid \d+\)/);
    }
    const created = await fetch(`${server.baseUrl}/v1/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bootstrapKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'CI/CD Key', permissions: ['monitors:read', 'monitors:run'], expires_at: '2099-01-15T00:00:00Z' }),
    });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { key: string; api_key: { id: string; created_by: unknown } } };
    // Who made which key: the first start made the bootstrap key (SYSTEM), which made this one (API_KEY).
    const keys = ((await (await call('/v1/api-keys', bootstrapKey)).json()) as { data: { nodes: Array<{ id: string; name: string; created_by: unknown }> } }).data.nodes;
    const boot = keys.find((k) => k.name === 'Bootstrap admin key')!;
    expect(boot.created_by).toEqual({ type: 'SYSTEM', id: 'bootstrap', name: 'bootstrap' });
    expect(data.api_key.created_by).toEqual({ type: 'API_KEY', id: boot.id, name: 'Bootstrap admin key' });
    const res = await call('/v1/me', data.key);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      data: {
        organization: { id: expect.stringMatching(/^org_/), name: 'Default Organization' },
        key: { name: 'CI/CD Key', permissions: ['monitors:read', 'monitors:run'], expires_at: '2099-01-15T00:00:00.000Z' },
      },
    });
    // 403 Forbidden: the key lacks organization:read
    const denied = await call('/v1/api-keys', data.key);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe(withRequestId(FORBIDDEN, denied, { missing_scopes: ['organization:read'], paths: ['apiKeys'] }));
    // an unknown route with a valid key is 404 in the envelope
    expect((await call('/v1/nothing-here', data.key)).status).toBe(404);
  });
});

// Its own DATA_DIR (the embedded database) whichever pass runs: the PostgreSQL pass would repeat it word for word.
describeDatabaseAgnostic('a self-hosted installation', () => {
  it('sets its one organization on UNLIMITED with `orgs set-plan --plan UNLIMITED`, no --org needed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-one-org-'));
    try {
      const own = { DATA_DIR: dir };
      expect((await runCliInProcess(['set-plan', '--plan', 'UNLIMITED'], own, 'orgs')).stderr).toContain('There is no organization yet');
      expect((await runCliInProcess(['create', '--org', 'Only Inc', '--name', 'Ops', '--permissions', 'all'], own)).code).toBe(0);
      const set = await runCliInProcess(['set-plan', '--plan', 'UNLIMITED', '--json'], own, 'orgs');
      expect(set.code).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ name: 'Only Inc', plan: 'UNLIMITED' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('restart and the CLI', () => {
  it('keeps data across restarts, does not bootstrap again, and the CLI works once the server is stopped', async () => {
    expect(await server.stop()).toBe(0);
    const cli = await runCli(['create', '--org', 'Acme Inc', '--name', 'Admin', '--permissions', 'all', '--expires-in', '90d', '--json'], env);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const made = JSON.parse(cli.stdout) as { key: string; id: string; organizationId: string };
    expect(made).toMatchObject({ key: expect.stringMatching(/^izli_sk_live_/), id: expect.stringMatching(/^key_/), organizationId: expect.stringMatching(/^org_/) });

    const plan = await runCli(['set-plan', '--org', 'Acme Inc', '--plan', 'team', '--json'], env, 'orgs');
    expect(JSON.parse(plan.stdout)).toEqual({ id: made.organizationId, name: 'Acme Inc', plan: 'TEAM' });

    // New organizations on DEFAULT_PLAN (UNLIMITED unless set; a hosted deployment sets FREE), or on --plan.
    const hosted = await runCliInProcess(['create', '--org', 'Self Hosted', '--name', 'Ops', '--permissions', 'billing:read', '--json'], env);
    expect(hosted.code).toBe(0);
    expect(JSON.parse(hosted.stdout)).toMatchObject({ organizationName: 'Self Hosted', plan: 'UNLIMITED' });
    const hostedKey = (JSON.parse(hosted.stdout) as { key: string }).key;
    const customer = await runCliInProcess(['create', '--org', 'Customer', '--name', 'Ops', '--permissions', 'billing:read'], { ...env, DEFAULT_PLAN: 'free' });
    expect(customer.stdout).toContain('Created organization "Customer" (org_');
    expect(customer.stdout).toContain('on the FREE plan');
    const lab = await runCliInProcess(['create', '--org', 'Lab', '--name', 'Lab', '--permissions', 'billing:read', '--plan', 'business', '--json'], { ...env, DEFAULT_PLAN: 'free' });
    expect(JSON.parse(lab.stdout)).toMatchObject({ organizationName: 'Lab', plan: 'BUSINESS' });
    const badPlan = await runCliInProcess(['create', '--org', 'Nowhere', '--name', 'x', '--permissions', 'billing:read', '--plan', 'GOLD'], env);
    expect(badPlan.code).toBe(1);
    expect(badPlan.stderr).toContain('--plan must be one of FREE, TEAM, BUSINESS, UNLIMITED');
    expect((await runCliInProcess(['set-plan', '--org', 'Lab', '--plan', 'UNLIMITED', '--json'], env, 'orgs')).stdout).toContain('"plan":"UNLIMITED"');
    const orgs = JSON.parse((await runCliInProcess(['list', '--json'], env, 'orgs')).stdout) as Array<{ name: string; plan: string }>;
    expect(orgs.map((o) => [o.name, o.plan])).toEqual([
      ['Default Organization', 'UNLIMITED'],
      ['Acme Inc', 'TEAM'],
      ['Self Hosted', 'UNLIMITED'],
      ['Customer', 'FREE'],
      ['Lab', 'UNLIMITED'],
    ]);
    // Without --org there must be exactly one organization to mean.
    const which = await runCliInProcess(['set-plan', '--plan', 'UNLIMITED'], env, 'orgs');
    expect(which.code).toBe(1);
    expect(which.stderr).toContain('--org is required');
    const gold = await runCliInProcess(['set-plan', '--org', 'Lab', '--plan', 'GOLD'], env, 'orgs');
    expect(gold.code).toBe(1);
    expect(gold.stderr).toContain('--plan must be one of FREE, TEAM, BUSINESS, UNLIMITED');
    expect(lab.code).toBe(0);

    const list = await runCliInProcess(['list', '--org', 'Acme Inc', '--json'], env);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id: made.id, name: 'Admin', permissions: ['all'], createdBy: { type: 'SYSTEM', id: 'cli', name: 'cli' }, createdByLabel: 'cli' }),
    ]);
    expect(list.stdout).not.toContain(made.key);

    server = await spawnServer(env);
    expect(server.output()).not.toContain('WARNING: first start');
    expect((await call('/v1/me', bootstrapKey)).status).toBe(200);
    const me = (await (await call('/v1/me', made.key)).json()) as { data: { organization: { name: string } } };
    expect(me.data.organization.name).toBe('Acme Inc');
    expect(await (await call('/v1/billing', made.key)).json()).toMatchObject({ data: { plan: 'TEAM' } });
    expect(await (await call('/v1/billing', hostedKey)).json()).toMatchObject({
      data: { plan: 'UNLIMITED', limits: { monitors: null, journeys: null, min_interval_seconds: 10, runs_per_month: null }, runs_remaining: null },
    });

    const revoke = await runCliInProcess(['revoke', made.id], env);
    if (onPostgres()) {
      expect(revoke.code).toBe(0);
      expect((await call('/v1/me', made.key)).status).toBe(401);
    } else {
      expect(revoke.code).toBe(1); // the server holds the embedded database; revoke through the API instead
      const foreign = await fetch(`${server.baseUrl}/v1/api-keys/${made.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${bootstrapKey}` } });
      expect(foreign.status).toBe(404); // another organization's key
      const res = await fetch(`${server.baseUrl}/v1/api-keys/${made.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${made.key}` } });
      expect(res.status).toBe(200);
      expect((await call('/v1/me', made.key)).status).toBe(401);
    }
  });

  it('refuses bad configuration with a message naming the variable', async () => {
    await expect(spawnServer({ ...env, PORT: 'eighty' })).rejects.toThrow(/PORT/);
    await expect(spawnServer({ ...env, BCRYPT_COST: '99' })).rejects.toThrow(/BCRYPT_COST/);
  });

  it('the logs never contain a key', () => {
    expect(server.output()).not.toMatch(/izli_sk_live_[0-9A-Za-z]{50}/);
  });
});

describe.runIf(onPostgres())('first start on PostgreSQL', () => {
  it('prints no key unless BOOTSTRAP_KEY=true (stdout is a log stream there), and says how to make the first key', async () => {
    const fresh = await openTestDatabase(); // migrated, no organization
    let quiet: ServerProcess | undefined;
    try {
      quiet = await spawnServer({ DATABASE_URL: fresh.url!, SECRETS_KEY: randomBytes(32).toString('base64') });
      expect(quiet.output()).not.toMatch(/izli_sk_live_/);
      expect(quiet.output()).not.toContain('WARNING: first start');
      expect(quiet.output()).toContain('npm run keys -- create --org');
      const count = await fresh.orm.em.getConnection().execute('select count(*)::int as n from organizations');
      expect(count[0].n).toBe(0);
    } finally {
      await quiet?.stop();
      await fresh.close();
    }
  });
});
