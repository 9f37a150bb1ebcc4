/**
 * Credential header values are encrypted at rest: what the database holds is `enc:v1:…`, what the target receives
 * is the value typed. Plaintext rows from before keep working and are sealed by their first run or save.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateJourneyDocument,
  CreateMonitorDocument,
  MonitorDocument,
  RunJourneyDocument,
  RunMonitorDocument,
  UpdateMonitorDocument,
} from '../../src/client/generated/graphql';
import { createApp } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config';
import { loadSecretsKey } from '../../src/modules/checks/secrets-key';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;
let admin: Awaited<ReturnType<TestApp['key']>>;
let orgId: string;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', (_req, res) => res.writeHead(200).end('ok'));
  target.route('/login', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"jrn-token-abc"}'));
  const org = await t.org('Acme Inc');
  orgId = org.id;
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const sql = async (query: string, params: unknown[] = []) => JSON.stringify(await t.db.orm.em.fork().getConnection().execute(query, params));
const createMonitor = async (headers: Array<{ name: string; value: string }>, locations?: string[]) => {
  const res = await admin.client.gql(CreateMonitorDocument, { input: { name: 'sealed', url: `${target.url}/ok`, headers, locations } });
  expect(res.errors).toBeUndefined();
  return res.data!.createMonitor;
};

describe('credential headers at rest', () => {
  it('a monitor stores its Authorization sealed and still sends it', async () => {
    const m = await createMonitor([
      { name: 'Authorization', value: 'Bearer s3cret' },
      { name: 'X-Env', value: 'prod' },
    ]);
    const rows = await sql('select * from monitors');
    expect(rows).not.toContain('s3cret');
    expect(rows).toMatch(/"value":"enc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+"/);
    expect(rows).toContain('"value":"prod"'); // only credentials are sealed
    expect(m.headers).toEqual([{ name: 'Authorization', value: '[masked]', secret: true }, { name: 'X-Env', value: 'prod', secret: false }]);

    expect((await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor.status).toBe('PASSED');
    expect(target.hits.at(-1)!.headers.authorization).toBe('Bearer s3cret');

    // Round-tripped through [masked]: decrypted, kept, sealed again (a fresh IV), never stored in clear.
    const before = await sql('select headers from monitors where id = ?', [m.id]);
    expect((await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { headers: m.headers, name: 'renamed' } })).errors).toBeUndefined();
    const after = await sql('select headers from monitors where id = ?', [m.id]);
    expect(after).not.toBe(before);
    expect(after).not.toContain('s3cret');
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(target.hits.at(-1)!.headers.authorization).toBe('Bearer s3cret');
  });

  it('a journey stores its steps’ credential headers sealed, templates included, and still sends them', async () => {
    const res = await admin.client.gql(CreateJourneyDocument, {
      input: {
        name: 'sealed flow',
        steps: [
          {
            name: 'log in',
            request: { method: 'POST', url: `${target.url}/login`, headers: [{ name: 'X-Api-Key', value: 'jrn-key-xyz' }] },
            extractions: [{ name: 'token', source: 'JSON_BODY', property: '$.token' }],
          },
          { name: 'use it', request: { method: 'GET', url: `${target.url}/ok`, headers: [{ name: 'Authorization', value: 'Bearer {{token}}' }] } },
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    const rows = await sql('select * from journeys');
    expect(rows).not.toContain('jrn-key-xyz');
    expect(rows).not.toContain('{{token}}');
    const run = (await admin.client.gql(RunJourneyDocument, { id: res.data!.createJourney.id })).data!.runJourney;
    expect(run.status).toBe('PASSED');
    expect(target.hits.at(-2)!.headers['x-api-key']).toBe('jrn-key-xyz');
    expect(target.hits.at(-1)!.headers.authorization).toBe('Bearer jrn-token-abc');
  });

  it('plaintext rows from before encryption keep working, and their first run seals them', async () => {
    const m = await createMonitor([{ name: 'X-Env', value: 'prod' }]);
    const legacy = JSON.stringify([{ name: 'Authorization', value: 'Bearer legacy-plain' }, { name: 'X-Env', value: 'prod' }]);
    await sql('update monitors set headers = ?::jsonb where id = ?', [legacy, m.id]);
    expect(await sql('select headers from monitors where id = ?', [m.id])).toContain('legacy-plain');

    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.headers[0]).toEqual({ name: 'Authorization', value: '[masked]', secret: true });
    expect((await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor.status).toBe('PASSED');
    expect(target.hits.at(-1)!.headers.authorization).toBe('Bearer legacy-plain');
    const sealed = await sql('select headers from monitors where id = ?', [m.id]);
    expect(sealed).not.toContain('legacy-plain');
    expect(sealed).toContain('enc:v1:');
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(target.hits.at(-1)!.headers.authorization).toBe('Bearer legacy-plain');
  });

  it('a value that looks sealed, given through the API, is sealed as text: tracer never decrypts what a client sent', async () => {
    const victim = await createMonitor([{ name: 'Authorization', value: 'Bearer victim-secret' }]);
    const stolen = (JSON.parse(await sql('select headers from monitors where id = ?', [victim.id])) as Array<{ headers: Array<{ value: string }> }>)[0]
      .headers[0].value;
    expect(stolen).toMatch(/^enc:v1:/);
    const copy = await createMonitor([{ name: 'Authorization', value: stolen }]);
    await admin.client.gql(RunMonitorDocument, { id: copy.id });
    expect(target.hits.at(-1)!.headers.authorization).toBe(stolen);
  });

  it('with another key the stored credentials cannot be read: the run is ERROR, nothing is sent, the log says why', async () => {
    let logs = '';
    const stream = new PassThrough().on('data', (d) => (logs += d));
    // The other key's process runs the checks of a location of its own, so its worker (not this app's) runs this one.
    const config = loadConfig({ LOG_LEVEL: 'error', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', LOCATION: 'rekeyed' });
    const other = await createApp(config, { database: t.db, secretsKey: randomBytes(32), logStream: stream });
    const m = await createMonitor([{ name: 'Authorization', value: 'Bearer s3cret' }], ['rekeyed']);
    try {
      const hits = target.hits.length;
      const run = await other.services.runs.runNow(t.db.orm.em.fork(), { keyId: 'cli', organizationId: orgId, name: 'cli', ip: null }, 'monitor', m.id);
      expect(run).toMatchObject({ status: 'ERROR', error: 'The check could not be run' });
      expect(target.hits.length).toBe(hits);
      expect(logs).toContain('SECRETS_KEY is not the key it was encrypted with');
      expect(logs).not.toContain('s3cret');
    } finally {
      await other.close();
    }
  });
});

describe('the secrets key', () => {
  it('SECRETS_KEY is 32 bytes as base64 or hex; anything else stops the start naming the variable, not the value', () => {
    const key = randomBytes(32);
    expect(loadConfig({ SECRETS_KEY: key.toString('base64') }).SECRETS_KEY).toBe(key.toString('base64'));
    expect(loadConfig({ SECRETS_KEY: key.toString('hex') }).SECRETS_KEY).toBe(key.toString('hex'));
    expect(loadConfig({ SECRETS_KEY: '' }).SECRETS_KEY).toBeUndefined();
    for (const bad of ['too-short-to-be-a-key', randomBytes(16).toString('base64'), randomBytes(31).toString('hex')]) {
      expect(() => loadConfig({ SECRETS_KEY: bad })).toThrow(ConfigError);
      try {
        loadConfig({ SECRETS_KEY: bad });
      } catch (e) {
        expect((e as Error).message).toContain('SECRETS_KEY');
        expect((e as Error).message).not.toContain(bad);
      }
    }
  });

  it('is required with DATABASE_URL: the start stops before connecting', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', LOG_LEVEL: 'silent', SCHEDULING: 'false' });
    await expect(createApp(config)).rejects.toThrow(/SECRETS_KEY is required with DATABASE_URL/);
  });

  it('on the embedded database without SECRETS_KEY: made once in DATA_DIR/secrets.key (0600), then reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-key-'));
    try {
      const made: string[] = [];
      const first = loadSecretsKey({ embeddedDataDir: dir, onGenerated: (f) => made.push(f) });
      const file = path.join(dir, 'secrets.key');
      expect(made).toEqual([file]);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(first).toHaveLength(32);
      expect(loadSecretsKey({ embeddedDataDir: dir, onGenerated: (f) => made.push(f) }).equals(first)).toBe(true);
      expect(made).toHaveLength(1);
      // SECRETS_KEY, when set, wins over the file.
      const configured = randomBytes(32);
      expect(loadSecretsKey({ configured: configured.toString('hex'), embeddedDataDir: dir }).equals(configured)).toBe(true);
      fs.writeFileSync(file, 'garbage\n');
      expect(() => loadSecretsKey({ embeddedDataDir: dir })).toThrow(/does not hold a valid key/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
