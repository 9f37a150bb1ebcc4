/**
 * What checks send and what they keep: redirects that leave the origin leave the credentials behind, compressed
 * answers are decoded within the body cap, recorded values never echo a credential, and a stored credential is
 * never carried to another origin by an update. Real local servers on 127.0.0.1; two ports are two origins.
 */
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateJourneyDocument,
  CreateMonitorDocument,
  JourneyDocument,
  MonitorDocument,
  RunJourneyDocument,
  RunMonitorDocument,
  UpdateJourneyDocument,
  UpdateMonitorDocument,
} from '../../src/client/generated/graphql';
import { performRequest } from '../../src/modules/checks/http-client';
import { startTestApp, type TestApp } from '../helpers/app';
import { startTarget, type Target } from '../helpers/target';

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
  { name: 'Ocp-Apim-Subscription-Key', value: 'a-subscription' },
  { name: 'X-Auth-Key', value: 'an-auth-key' },
  { name: 'X-Tenant', value: 'a-tenant', secret: true },
];
const PLAIN = [
  { name: 'X-Env', value: 'prod' },
  { name: 'Content-Type', value: 'application/json' },
  { name: 'Accept', value: 'text/plain' },
  { name: 'Accept-Language', value: 'fr' },
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
    // Only the allow-listed headers go on: what the client accepts, never who it is or anything else of the monitor's.
    expect(landed.headers['x-env']).toBeUndefined();
    expect(landed.headers).toMatchObject({ accept: 'text/plain', 'accept-language': 'fr' });
    expect(JSON.stringify(landed.headers)).not.toMatch(/a-secret|a-cookie|a-key|a-token|cHJveHk|a-subscription|an-auth-key|a-tenant/);
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

describe('the target guard at run time', () => {
  it('a name that resolves to a refused address fails the run without saying the address', async () => {
    const port = new URL(a.url).port;
    const before = a.hits.length;
    const res = await performRequest({ method: 'GET', url: `http://localhost:${port}/land`, headers: [], body: null, timeoutMs: 5000 }, { allowPrivateTargets: false });
    expect(res).toMatchObject({ ok: false, error: 'Target localhost resolves to a non-public address; tracer does not check those' });
    expect(JSON.stringify(res)).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(a.hits.length).toBe(before);
  });
});

describe('compressed answers', () => {
  const doc = JSON.stringify({ status: 'ok', items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item ${i}` })) });
  const encoded: Record<string, Buffer> = {
    gzip: zlib.gzipSync(doc),
    deflate: zlib.deflateSync(doc),
    br: zlib.brotliCompressSync(doc),
    'gzip, br': zlib.brotliCompressSync(zlib.gzipSync(doc)),
  };
  beforeAll(() => {
    for (const [coding, bytes] of Object.entries(encoded))
      a.route(`/enc/${coding.replace(', ', '+')}`, (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding }).end(bytes));
    a.route('/enc/raw-deflate', (_req, res) => res.writeHead(200, { 'content-encoding': 'deflate' }).end(zlib.deflateRawSync(doc)));
    a.route('/enc/broken', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('this is not gzip'));
    a.route('/enc/unknown', (_req, res) => res.writeHead(200, { 'content-encoding': 'zz-custom' }).end(doc));
    a.route('/enc/empty', (_req, res) => res.writeHead(204, { 'content-encoding': 'gzip' }).end());
  });
  const asserting = [
    { source: 'JSON_BODY', property: '$.status', comparison: 'EQUALS', target: 'ok' },
    { source: 'JSON_BODY', property: '$.items[49].name', comparison: 'EQUALS', target: 'item 49' },
  ];

  it.each(['gzip', 'deflate', 'br', 'gzip+br', 'raw-deflate', 'unknown'])('decodes %s before the assertions', async (name) => {
    const r = await run({ url: `${a.url}/enc/${name}`, assertions: asserting });
    expect(r.error).toBeNull();
    expect(r.assertions.map((x) => [x.actual, x.passed])).toEqual([
      ['ok', true],
      ['item 49', true],
    ]);
    expect(a.hits.at(-1)!.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it("sends the monitor's own Accept-Encoding instead when it sets one", async () => {
    await run({ url: `${a.url}/enc/gzip`, headers: [{ name: 'Accept-Encoding', value: 'identity' }] });
    expect(a.hits.at(-1)!.headers['accept-encoding']).toBe('identity');
  });

  it('a body that does not decode is a FAILED run saying so; an empty one is fine', async () => {
    expect(await run({ url: `${a.url}/enc/broken` })).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/^Could not decode the gzip response body: /),
    });
    expect(await run({ url: `${a.url}/enc/empty`, expectedStatusCodes: ['204'] })).toMatchObject({ status: 'PASSED' });
  });

  it('two stacked codings are decoded; more is a FAILED run saying so, before any decoding', async () => {
    const gzipped = (times: number) => {
      let bytes = Buffer.from(doc);
      for (let i = 0; i < times; i++) bytes = zlib.gzipSync(bytes);
      return bytes;
    };
    const stacked = (times: number) => {
      const bytes = gzipped(times);
      // Without spaces, so that 3,000 codings stay under Node's 16 kB header limit, as they did in the report.
      const coding = Array(times).fill('gzip').join(',');
      return (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding }).end(bytes);
    };
    a.route('/enc/gzip-2', stacked(2));
    a.route('/enc/gzip-3', stacked(3));
    a.route('/enc/gzip-3000', stacked(3000));

    expect((await run({ url: `${a.url}/enc/gzip-2`, assertions: asserting })).assertions.map((x) => x.passed)).toEqual([true, true]);
    expect(await run({ url: `${a.url}/enc/gzip-3`, assertions: asserting })).toMatchObject({
      status: 'FAILED',
      error: 'The response body is encoded 3 times over (Content-Encoding: gzip, gzip, gzip); tracer decodes at most 2 codings',
    });
    // A body gzipped 3,000 times over cost ~76 CPU-seconds and was recorded as taking 60–86 s against a 30 s timeout.
    const started = Date.now();
    const r = await run({ url: `${a.url}/enc/gzip-3000`, timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^The response body is encoded 3000 times over \(Content-Encoding: gzip, gzip, gzip, …\)/) });
    expect(r.timings!.total).toBeLessThan(3000);
  });

  it('the timeout ends the body and its decoding too, and the recorded duration keeps to it', async () => {
    // A gzip body that starts and never finishes: the headers come at once, the rest never does.
    const part = zlib.gzipSync(Buffer.alloc(1_000_000, 'x')).subarray(0, 200);
    a.route('/enc/stalled', (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.write(part);
    });
    const r = await run({ url: `${a.url}/enc/stalled`, timeoutMs: 1000 });
    expect(r).toMatchObject({ status: 'FAILED', error: 'Timed out after 1000 ms' });
    // Node's timers run on a millisecond loop clock read before performance.now(): one may fire a fraction early.
    expect(r.timings!.total).toBeGreaterThanOrEqual(995);
    expect(r.timings!.total).toBeLessThan(2000); // the timeout plus at most 1 s
  });

  it('a decompression bomb stops at the body cap, fast, without inflating the rest', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024, '0'), { level: 9 });
    expect(bomb.length).toBeLessThan(100 * 1024); // 50 MB in ~50 kB
    a.route('/bomb', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(bomb));

    const started = Date.now();
    const direct = await performRequest({ method: 'GET', url: `${a.url}/bomb`, headers: [], body: null, timeoutMs: 10_000 }, { allowPrivateTargets: true });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(direct).toMatchObject({ ok: true, status: 200, bodyTruncated: true });
    if (!direct.ok) return;
    expect(direct.body.length).toBe(1_048_576); // exactly the cap, of decoded bytes
    expect(/^0+$/.test(direct.body)).toBe(true);

    const small = await performRequest(
      { method: 'GET', url: `${a.url}/bomb`, headers: [], body: null, timeoutMs: 10_000 },
      { allowPrivateTargets: true, maxBodyBytes: 1000 },
    );
    expect(small.ok && [small.body.length, small.bodyTruncated]).toEqual([1000, true]);

    const viaApi = Date.now();
    const r = await run({ url: `${a.url}/bomb`, assertions: [{ source: 'TEXT_BODY', comparison: 'CONTAINS', target: '0000' }] });
    expect(Date.now() - viaApi).toBeLessThan(3000);
    expect(r).toMatchObject({ status: 'PASSED' });
    expect(r.assertions[0].actual!.length).toBeLessThanOrEqual(501);
  });
});

describe('assertion actual values never echo a credential', () => {
  const SECRETS = ['s3cret-token-123', 'cookie-val-456', 'key-789', 'server-set-cookie', 'pa55word-xyz', 'tok-from-login'];
  beforeAll(() => {
    // An echo server: reflects the request's headers in its body and some of them in its own headers.
    a.route('/echo', (req, res) => {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': 'sid=server-set-cookie; HttpOnly',
          'x-echo-auth': req.headers.authorization ?? '',
          authorization: req.headers.authorization ?? '',
        })
        .end(JSON.stringify({ headers: req.headers, decoded: basic ? Buffer.from(basic[1], 'base64').toString() : null, token: (req.headers.authorization ?? '').split(' ')[1] }));
    });
    a.route('/login', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-from-login', note: 'welcome' })));
  });
  const leaks = (value: unknown) => SECRETS.filter((x) => JSON.stringify(value).includes(x));

  it('monitor: sensitive response headers read [masked], bodies and headers that reflect a sent credential are masked', async () => {
    const r = await run({
      url: `${a.url}/echo`,
      headers: [
        { name: 'Authorization', value: 'Bearer s3cret-token-123' },
        { name: 'Cookie', value: 'session=cookie-val-456; lang=en' },
        { name: 'X-Api-Key', value: 'key-789' },
        { name: 'X-Env', value: 'prod' },
      ],
      assertions: [
        // (targets name only part of a secret: the record must not hold one whole, and a target is the owner's own text)
        { source: 'TEXT_BODY', comparison: 'CONTAINS', target: 's3cret-token' },
        { source: 'JSON_BODY', property: '$.headers.authorization', comparison: 'CONTAINS', target: 'Bearer s3cret' },
        { source: 'JSON_BODY', property: '$.token', comparison: 'CONTAINS', target: 'token-123' },
        { source: 'JSON_BODY', property: '$.headers', comparison: 'NOT_EMPTY' },
        { source: 'JSON_BODY', property: "$.headers['x-env']", comparison: 'EQUALS', target: 'prod' },
        { source: 'HEADER', property: 'Set-Cookie', comparison: 'CONTAINS', target: 'sid=' },
        { source: 'HEADER', property: 'Authorization', comparison: 'NOT_EMPTY' },
        { source: 'HEADER', property: 'X-Echo-Auth', comparison: 'CONTAINS', target: 'Bearer' },
      ],
    });
    // Judged on what the target really said…
    expect(r.assertions.map((x) => x.passed)).toEqual([true, true, true, true, true, true, true, true]);
    expect(r.status).toBe('PASSED');
    // …recorded without a credential in it.
    expect(leaks(r)).toEqual([]);
    const actual = r.assertions.map((x) => x.actual);
    expect(actual[0]).toContain('"authorization":"[masked]"');
    expect(actual[0]).toContain('"token":"[masked]"'); // the token alone, echoed without its scheme
    expect(actual[0]).toContain('"cookie":"[masked]"');
    expect(actual[0]).toContain('"x-api-key":"[masked]"');
    expect(actual[0]).toContain('"x-env":"prod"'); // the rest of the body is still there to read
    expect(actual.slice(1)).toEqual(['[masked]', '[masked]', expect.stringContaining('"x-api-key":"[masked]"'), 'prod', '[masked]', '[masked]', '[masked]']);
    const rows = JSON.stringify(await t.db.orm.em.fork().getConnection().execute('select * from runs'));
    expect(leaks(rows)).toEqual([]);
  });

  it('monitor: a Basic credential is masked decoded too, and so is its password alone', async () => {
    const basic = `Basic ${Buffer.from('probe:pa55word-xyz').toString('base64')}`;
    const r = await run({
      url: `${a.url}/echo`,
      headers: [{ name: 'Authorization', value: basic }],
      assertions: [
        { source: 'JSON_BODY', property: '$.decoded', comparison: 'CONTAINS', target: 'probe:pa55' },
        { source: 'TEXT_BODY', comparison: 'CONTAINS', target: 'pa55word' },
      ],
    });
    expect(r.assertions.map((x) => [x.actual, x.passed])).toEqual([
      ['[masked]', true],
      [expect.not.stringContaining('pa55word'), true],
    ]);
    expect(r.assertions[1].actual).not.toContain(basic.split(' ')[1]);
  });

  it('journey: a token handed out by one step and sent by the next is masked in both records', async () => {
    const res = await admin.client.gql(CreateJourneyDocument, {
      input: {
        name: 'echo flow',
        steps: [
          {
            name: 'log in',
            request: { method: 'POST', url: `${a.url}/login`, headers: [] },
            assertions: [{ source: 'TEXT_BODY', comparison: 'CONTAINS', target: 'welcome' }],
            extractions: [{ name: 'token', source: 'JSON_BODY', property: '$.token' }],
          },
          {
            name: 'echo',
            request: { method: 'GET', url: `${a.url}/echo`, headers: [{ name: 'X-Session', value: 'S {{token}}' }] },
            assertions: [{ source: 'JSON_BODY', property: '$.headers', comparison: 'NOT_EMPTY' }],
            extractions: [{ name: 'echoed', source: 'JSON_BODY', property: '$.headers' }],
          },
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    const r = (await admin.client.gql(RunJourneyDocument, { id: res.data!.createJourney.id })).data!.runJourney;
    expect(r.status).toBe('PASSED');
    expect(a.hits.at(-1)!.headers['x-session']).toBe('S tok-from-login'); // sent for real
    expect(leaks(r)).toEqual([]);
    expect(r.steps[0].assertions[0].actual).toContain('"token":"[masked]"');
    expect(r.steps[1].extracted[0].value).toContain('"x-session":"[masked]"');
  });
});

describe('which headers are credentials', () => {
  beforeAll(() => a.route('/echo-headers', (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers))));
  const stored = async (id: string) =>
    ((await t.db.orm.em.fork().getConnection().execute('select headers from monitors where id = ?', [id])) as Array<{ headers: Array<{ name: string; value: string; secret?: boolean }> }>)[0]
      .headers;

  it('common credential names (Ocp-Apim-Subscription-Key, X-Auth-Key…) and any header marked secret are sealed and read back masked', async () => {
    const m = await monitor({
      url: `${a.url}/echo-headers`,
      headers: [...CREDENTIALS, { name: 'X-Env', value: 'prod' }],
      assertions: [{ source: 'TEXT_BODY', comparison: 'CONTAINS', target: 'x-tenant' }],
    });
    const byName = Object.fromEntries(m.headers.map((h) => [h.name, h]));
    for (const h of CREDENTIALS) expect(byName[h.name], h.name).toEqual({ name: h.name, value: '[masked]', secret: true });
    expect(byName['X-Env']).toEqual({ name: 'X-Env', value: 'prod', secret: false });
    const rows = Object.fromEntries((await stored(m.id)).map((h) => [h.name, h]));
    for (const h of CREDENTIALS) expect(rows[h.name].value, h.name).toMatch(/^enc:v1:/);
    expect(rows['X-Tenant'].secret).toBe(true); // the mark is stored: it is what keeps the value sealed
    expect(rows['X-Env']).toEqual({ name: 'X-Env', value: 'prod' });

    // Sent as given, and masked wherever the target echoes them.
    const r = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(a.hits.at(-1)!.headers).toMatchObject({ 'ocp-apim-subscription-key': 'a-subscription', 'x-auth-key': 'an-auth-key', 'x-tenant': 'a-tenant' });
    expect([r.error, r.assertions[0].passed, r.assertions[0].actual]).toEqual([null, true, expect.stringContaining('"x-tenant":"[masked]"')]);
    expect(r.assertions[0].actual).not.toMatch(/a-subscription|an-auth-key|a-tenant/);
  });

  it('the mark survives an update that sends [masked] back or a new value without it; only secret: false lifts it', async () => {
    const m = await monitor({ url: `${a.url}/land`, headers: [{ name: 'X-Tenant', value: 'tenant-1', secret: true }] });
    const update = async (headers: Array<{ name: string; value: string; secret?: boolean }>) => {
      const res = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { headers } });
      expect(res.errors).toBeUndefined();
      return res.data!.updateMonitor.headers[0];
    };
    expect(await update([{ name: 'X-Tenant', value: '[masked]' }])).toEqual({ name: 'X-Tenant', value: '[masked]', secret: true });
    expect(await update([{ name: 'X-Tenant', value: 'tenant-2' }])).toEqual({ name: 'X-Tenant', value: '[masked]', secret: true });
    expect((await stored(m.id))[0].value).toMatch(/^enc:v1:/);
    // Lifting the mark while keeping the stored value would read it back in clear: it stays sealed.
    expect(await update([{ name: 'X-Tenant', value: '[masked]', secret: false }])).toEqual({ name: 'X-Tenant', value: '[masked]', secret: true });
    expect(await update([{ name: 'X-Tenant', value: 'tenant-3', secret: false }])).toEqual({ name: 'X-Tenant', value: 'tenant-3', secret: false });
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(a.hits.at(-1)!.headers['x-tenant']).toBe('tenant-3');
  });

  it('through REST too: secret: true seals a header, and it reads back masked', async () => {
    const created = await admin.client.rest('POST', '/v1/monitors', {
      name: 'rest',
      url: `${a.url}/land`,
      headers: [
        { name: 'X-Tenant', value: 'rest-tenant', secret: true },
        { name: 'X-Auth-Key', value: 'rest-auth-key' },
      ],
    });
    expect(created.status).toBe(201);
    const id = (created.body.data as { id: string }).id;
    const read = await admin.client.rest('GET', `/v1/monitors/${id}`);
    expect((read.body.data as { headers: unknown[] }).headers).toEqual([
      { name: 'X-Tenant', value: '[masked]', secret: true },
      { name: 'X-Auth-Key', value: '[masked]', secret: true },
    ]);
    expect(JSON.stringify(await stored(id))).not.toMatch(/rest-tenant|rest-auth-key/);
  });

  it('a journey step header marked secret is sealed, sent, and recorded [masked]', async () => {
    const res = await admin.client.gql(CreateJourneyDocument, {
      input: {
        name: 'marked',
        steps: [{ name: 'echo', request: { method: 'GET', url: `${a.url}/echo`, headers: [{ name: 'X-Tenant', value: 'step-tenant', secret: true }] }, assertions: [], extractions: [] }],
      },
    });
    expect(res.errors).toBeUndefined();
    const j = res.data!.createJourney;
    expect(j.steps[0].request.headers).toEqual([{ name: 'X-Tenant', value: '[masked]', secret: true }]);
    const r = (await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney;
    expect(a.hits.at(-1)!.headers['x-tenant']).toBe('step-tenant');
    expect(r.steps[0].request.headers).toEqual([{ name: 'X-Tenant', value: '[masked]' }]);
    const row = JSON.stringify(await t.db.orm.em.fork().getConnection().execute('select steps from journeys where id = ?', [j.id]));
    expect(row).not.toContain('step-tenant');
  });
});

describe('stored credentials stay with the origin they were given for', () => {
  const headers = [
    { name: 'Authorization', value: 'Bearer origin-secret' },
    { name: 'X-Api-Key', value: 'origin-key' },
    { name: 'X-Env', value: 'prod' },
  ];
  const refusedFor = (res: { status: number; errors?: ReadonlyArray<{ extensions?: Record<string, unknown> }> }, field: string) => {
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = res.errors![0].extensions!.fields as Array<{ field: string; message: string }>;
    expect(fields.map((f) => f.field)).toEqual([field]);
    return fields[0].message;
  };

  it('updateMonitor: a new origin with [masked] credentials, or with the headers kept implicitly, is refused naming them', async () => {
    const m = await monitor({ url: `${a.url}/land`, headers });
    const masked = m.headers; // what a client reads back: [masked] for the two credentials
    const bHits = b.hits.length;

    const sentBack = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { url: `${b.url}/land`, headers: masked } });
    const message = refusedFor(sentBack, 'headers');
    expect(message).toContain('Authorization, X-Api-Key must be given again');
    expect(message).toContain(`origin changes from ${a.url} to ${b.url}`);

    const implicit = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { url: `${b.url}/land` } });
    expect(refusedFor(implicit, 'headers')).toContain('Authorization, X-Api-Key must be given again');

    // Nothing changed, and the new host never heard of the credentials.
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.url).toBe(`${a.url}/land`);
    expect(b.hits.length).toBe(bHits);

    // The same origin (another path, the default port spelled out or not) keeps them.
    const samePath = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { url: `${a.url}/land?v=2`, headers: masked } });
    expect(samePath.errors).toBeUndefined();
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(a.hits.at(-1)!.headers).toMatchObject({ authorization: 'Bearer origin-secret', 'x-api-key': 'origin-key' });

    // Given again (or left out), the move is accepted and the new host gets what was typed for it.
    const moved = await admin.client.gql(UpdateMonitorDocument, {
      id: m.id,
      input: { url: `${b.url}/land`, headers: [{ name: 'Authorization', value: 'Bearer for-b' }, { name: 'X-Env', value: 'prod' }] },
    });
    expect(moved.errors).toBeUndefined();
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(b.hits.at(-1)!.headers.authorization).toBe('Bearer for-b');
    expect(b.hits.at(-1)!.headers['x-api-key']).toBeUndefined();
    expect(JSON.stringify(b.hits)).not.toMatch(/origin-secret|origin-key/);
  });

  it('updateMonitor: a monitor without credentials moves freely; the scheme and the port are part of the origin', async () => {
    const plain = await monitor({ url: `${a.url}/land`, headers: [{ name: 'X-Env', value: 'prod' }] });
    expect((await admin.client.gql(UpdateMonitorDocument, { id: plain.id, input: { url: `${b.url}/land` } })).errors).toBeUndefined();
    const m = await monitor({ url: `${a.url}/land`, headers });
    const https = a.url.replace('http:', 'https:');
    expect(refusedFor(await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { url: `${https}/land` } }), 'headers')).toContain(
      `to ${https}`,
    );
  });

  it('updateJourney: [masked] keeps a value only for the step at the same position whose URL keeps its origin', async () => {
    const step = (url: string, value: string) => ({
      name: 'call',
      request: { method: 'GET' as const, url, headers: [{ name: 'Authorization', value }] },
      assertions: [],
      extractions: [],
    });
    const created = await admin.client.gql(CreateJourneyDocument, {
      input: { name: 'j', steps: [step(`${a.url}/land`, 'Bearer step0-secret'), step(`${a.url}/land`, 'Bearer step1-secret')] },
    });
    expect(created.errors).toBeUndefined();
    const j = created.data!.createJourney;

    const moved = await admin.client.gql(UpdateJourneyDocument, {
      id: j.id,
      input: { steps: [step(`${a.url}/land`, '[masked]'), step(`${b.url}/land`, '[masked]')] },
    });
    expect(refusedFor(moved, 'steps[1].request.headers')).toContain(`Authorization must be given again (or left out): the URL's origin changes from ${a.url} to ${b.url}`);

    const kept = await admin.client.gql(UpdateJourneyDocument, {
      id: j.id,
      input: { steps: [step(`${a.url}/land?again`, '[masked]'), step(`${b.url}/land`, 'Bearer typed-for-b')] },
    });
    expect(kept.errors).toBeUndefined();
    expect((await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney.status).toBe('PASSED');
    expect(a.hits.at(-1)!.headers.authorization).toBe('Bearer step0-secret');
    expect(b.hits.at(-1)!.headers.authorization).toBe('Bearer typed-for-b');
    expect(JSON.stringify(b.hits)).not.toContain('step1-secret');
    expect((await admin.client.gql(JourneyDocument, { id: j.id })).data!.journey.steps[1].request.url).toBe(`${b.url}/land`);
  });
});
