/**
 * After a workload that creates, uses, mistypes, rolls and revokes keys, neither the database (every table, every
 * row) nor the logs (at trace level) contain any key that was created, nor its secret part, nor a sent credential.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { forgeKey } from '../helpers/keys';
import { KEY_PREFIX, KEY_ID_LENGTH } from '../../src/modules/auth/key-format';

let t: TestApp;
let logs = '';

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (d) => (logs += d));
  t = await startTestApp({ LOG_LEVEL: 'trace', AUTH_FAILURE_LIMIT: '5' }, { logStream: stream });
});
afterAll(() => t?.close());

/** The parts of a key that must never be stored or logged: the whole key and its secret (the keyId is public). */
const secretsOf = (key: string) => [key, key.slice(KEY_PREFIX.length + KEY_ID_LENGTH, -6)];

describe('secrets', () => {
  it('are in no table and no log line after a full workload', async () => {
    const org = await t.org('Acme Inc');
    const admin = await t.key(org, ['all']);
    const created: string[] = [admin.key];
    const sent: string[] = [];

    for (const expiresIn of ['THIRTY_DAYS', 'NEVER'] as const) {
      const res = await admin.client.gql(ops.CreateApiKeyDocument, { input: { name: `k ${expiresIn}`, permissions: ['monitors:read'], expiresIn } });
      created.push(res.data!.createApiKey.key);
    }
    const rest = await admin.client.rest('POST', '/v1/api-keys', { name: 'rest', permissions: ['alerts:read'] });
    created.push((rest.body.data as { key: string }).key);
    for (const key of created) expect((await t.client(key).rest('GET', '/v1/me')).status).toBe(200);

    // mistakes made with real keys: a typo, a wrong secret for a real keyId, the header in the wrong scheme
    for (const key of created) {
      const typo = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
      const wrong = forgeKey(key.slice(KEY_PREFIX.length, KEY_PREFIX.length + KEY_ID_LENGTH), 'w'.repeat(32));
      sent.push(typo, wrong);
      expect((await t.client(typo).rest('GET', '/v1/me')).status).toBe(401);
      expect([401, 429]).toContain((await t.client(wrong).gql(ops.MeDocument)).status);
      expect((await t.client().withAuthorization(`Basic ${key}`).rest('GET', '/v1/me')).status).toBe(401);
    }
    // rolled and revoked keys, and a key used after revocation
    const list = (await admin.client.gql(ops.ApiKeysDocument, {})).data!.apiKeys.nodes.filter((k) => k.id !== admin.id);
    const rolled = await admin.client.gql(ops.RollApiKeyDocument, { id: list[0].id, gracePeriod: 'NONE' });
    created.push(rolled.data!.rollApiKey.key);
    await admin.client.gql(ops.RevokeApiKeyDocument, { id: list[1].id });
    for (const key of created) await t.client(key).rest('GET', '/v1/monitors');
    // a GraphQL error path and a validation error that echo input
    await admin.client.gql(ops.CreateApiKeyDocument, { input: { name: created[1], permissions: ['nope'] } });
    await t.app.lastUsed.flush();

    // every table, every row
    const conn = t.db.orm.em.fork().getConnection();
    const tables = (await conn.execute<{ tablename: string }[]>(`select tablename from pg_tables where schemaname = 'public'`)).map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'audit_events', 'organizations', 'request_counts']));
    let dump = '';
    for (const table of tables) dump += JSON.stringify(await conn.execute(`select * from "${table}"`));
    expect(dump).toContain(admin.id); // the dump is real: it holds the key ids…
    expect(logs).toContain('authentication failed'); // …and the logs are real: they saw the failures
    for (const key of [...created, ...sent])
      for (const secret of secretsOf(key)) {
        expect(dump.includes(secret), `table dump contains ${secret.slice(0, 16)}…`).toBe(false);
        expect(logs.includes(secret), `logs contain ${secret.slice(0, 16)}…`).toBe(false);
      }
  });

  it('scrubs keys from logged request URLs, wherever in the URL they are', async () => {
    const org = await t.org('Query Strings Ltd');
    const { key } = await t.key(org, ['monitors:read']);
    const forged = forgeKey('AbCdEfGhIjKl', 'q'.repeat(32)); // valid-looking: right length and checksum
    const before = logs.length;
    for (const k of [key, forged]) {
      await t.client(key).rest('GET', `/v1/me?x=${k}`);
      await t.client().rest('GET', `/v1/me?api_key=${k}&y=1`);
      await t.client().rest('GET', `/v1/${k}/monitors`);
      await fetch(`${t.baseUrl}/graphql?key=${k}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { key { name } } }' }),
      });
    }
    const lines = logs.slice(before);
    expect(lines).toContain('incoming request'); // the URLs were logged…
    expect(lines).toContain('/v1/me?x=izli_sk_live_[redacted]'); // …scrubbed
    expect(lines).toContain('/v1/me?api_key=izli_sk_live_[redacted]&y=1');
    expect(lines).toContain('/v1/izli_sk_live_[redacted]/monitors');
    expect(lines).toContain('/graphql?key=izli_sk_live_[redacted]');
    for (const k of [key, forged]) for (const secret of secretsOf(k)) expect(lines.includes(secret), `logs contain ${secret.slice(0, 16)}…`).toBe(false);
  });

  it('scrubs the tokens of single-use links from logged request URLs', async () => {
    const secret = 'Q'.repeat(43);
    const before = logs.length;
    await fetch(`${t.baseUrl}/dashboard/setup?token=${secret}`);
    await fetch(`${t.baseUrl}/dashboard/accept-invite?x=1&token=${secret}#done`);
    await fetch(`${t.baseUrl}/auth/reset-password?TOKEN=${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await fetch(`${t.baseUrl}/v1/me?access_token=${secret}&y=2`);
    const lines = logs.slice(before);
    expect(lines).toContain('/dashboard/setup?token=[redacted]');
    expect(lines).toContain('/dashboard/accept-invite?x=1&token=[redacted]');
    expect(lines).toContain('/auth/reset-password?TOKEN=[redacted]');
    expect(lines).toContain('/v1/me?access_token=[redacted]&y=2');
    expect(lines.includes(secret)).toBe(false);
  });

  it('redacts an Authorization header wherever a log line would carry it', () => {
    const before = logs.length;
    t.app.fastify.log.info({ req: { headers: { authorization: 'Bearer izli_sk_live_leak' } }, headers: { authorization: 'x' }, key: 'izli_sk_live_leak' }, 'probe');
    const line = logs.slice(before);
    expect(line).toContain('probe');
    expect(line).not.toContain('izli_sk_live_leak');
    expect(line).toContain('[redacted]');
  });
});
