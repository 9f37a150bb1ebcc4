/**
 * What checks send and what they keep: redirects that leave the origin leave the credentials behind.
 * Real local servers on 127.0.0.1; two ports are two origins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMonitorDocument, RunMonitorDocument } from '../src/client/generated/graphql';
import { startTestApp, type TestApp } from './helpers/app';
import { startTarget, type Target } from './helpers/target';

let t: TestApp;
let a: Target;
let b: Target;
let admin: Awaited<ReturnType<TestApp['key']>>;

const CREDENTIALS = [
  { name: 'Authorization', value: 'Bearer a-secret' },
  { name: 'Proxy-Authorization', value: 'Basic cHJveHk6c2VjcmV0' },
  { name: 'Cookie', value: 'session=a-cookie' },
  { name: 'X-Api-Key', value: 'a-key' },
  { name: 'X-Auth-Token', value: 'a-token' },
];
const PLAIN = [
  { name: 'X-Env', value: 'prod' },
  { name: 'Content-Type', value: 'application/json' },
];
const credentialNames = CREDENTIALS.map((h) => h.name.toLowerCase());

beforeAll(async () => {
  t = await startTestApp();
  [a, b] = [await startTarget(), await startTarget()];
  const org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
  for (const target of [a, b]) target.route('/land', (_req, res) => res.writeHead(200).end('landed'));
  const to = (status: number, location: () => string) => (_req: unknown, res: import('node:http').ServerResponse) =>
    res.writeHead(status, { location: location() }).end();
  a.route('/same-307', to(307, () => '/land'));
  a.route('/same-303', to(303, () => `${a.url}/land`));
  a.route('/cross-307', to(307, () => `${b.url}/land`));
  a.route('/cross-302', to(302, () => `${b.url}/land`));
  a.route('/cross-303', to(303, () => `${b.url}/land`));
  a.route('/away-and-back', to(302, () => `${b.url}/back`));
  b.route('/back', to(307, () => `${a.url}/land`));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.close();
});

const monitor = async (input: Record<string, unknown>) => {
  const res = await admin.client.gql(CreateMonitorDocument, { input: { name: 'm', ...input } as never });
  expect(res.errors).toBeUndefined();
  return res.data!.createMonitor;
};
const run = async (input: Record<string, unknown>) =>
  (await admin.client.gql(RunMonitorDocument, { id: (await monitor(input)).id })).data!.runMonitor;

describe('redirects', () => {
  const post = (path: string) => ({ url: `${a.url}${path}`, method: 'POST', headers: [...CREDENTIALS, ...PLAIN], body: '{"order":1}' });

  it('keep credentials, method and body within the origin (307)', async () => {
    expect((await run(post('/same-307'))).status).toBe('PASSED');
    const landed = a.hits.at(-1)!;
    expect(landed).toMatchObject({ path: '/land', method: 'POST', body: '{"order":1}' });
    for (const h of [...CREDENTIALS, ...PLAIN]) expect(landed.headers[h.name.toLowerCase()]).toBe(h.value);
  });

  it('303 within the origin becomes a GET without body, still with credentials', async () => {
    expect((await run(post('/same-303'))).status).toBe('PASSED');
    const landed = a.hits.at(-1)!;
    expect(landed).toMatchObject({ path: '/land', method: 'GET', body: '' });
    expect(landed.headers['content-type']).toBeUndefined();
    expect(landed.headers.authorization).toBe('Bearer a-secret');
  });

  it.each([
    ['/cross-307', 'POST'],
    ['/cross-302', 'GET'],
    ['/cross-303', 'GET'],
  ])('%s to another origin sends no credential header and no body (%s)', async (path, method) => {
    const before = b.hits.length;
    expect((await run(post(path))).status).toBe('PASSED');
    expect(b.hits.length).toBe(before + 1);
    const landed = b.hits.at(-1)!;
    expect(landed).toMatchObject({ path: '/land', method, body: '' });
    for (const name of [...credentialNames, 'content-type']) expect(landed.headers[name], name).toBeUndefined();
    expect(landed.headers['x-env']).toBe('prod'); // not a credential: it goes on
    expect(JSON.stringify(landed.headers)).not.toMatch(/a-secret|a-cookie|a-key|a-token|cHJveHk/);
  });

  it('credentials dropped on the way out are not sent again when the chain comes back', async () => {
    expect((await run({ url: `${a.url}/away-and-back`, headers: CREDENTIALS })).status).toBe('PASSED');
    const [atB, backAtA] = [b.hits.at(-1)!, a.hits.at(-1)!];
    expect([atB.path, backAtA.path]).toEqual(['/back', '/land']);
    for (const name of credentialNames) {
      expect(atB.headers[name], name).toBeUndefined();
      expect(backAtA.headers[name], name).toBeUndefined();
    }
  });

  it('a PUT answered 303 is followed with a GET', async () => {
    expect((await run({ ...post('/same-303'), method: 'PUT' })).status).toBe('PASSED');
    expect(a.hits.at(-1)).toMatchObject({ path: '/land', method: 'GET', body: '' });
  });
});
