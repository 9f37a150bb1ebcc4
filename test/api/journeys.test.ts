import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateJourneyDocument, JourneyDocument, JourneyRunsDocument, RunJourneyDocument, UpdateJourneyDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let target: Target;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  const org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'TEAM' });
  admin = await t.key(org, ['all']);
  target.route('/login', (req, res, body) =>
    JSON.parse(body).password === 'hunter2'
      ? res.writeHead(200, { 'content-type': 'application/json', 'x-session-token': 'sess-123' }).end(JSON.stringify({ token: 'tok-abc', user: { id: 42 } }))
      : res.writeHead(401).end(),
  );
  target.route('/users/42', (req, res) =>
    req.headers.authorization === 'Bearer tok-abc' ? json(200, { name: 'Ada' })(req, res, '') : res.writeHead(403).end(),
  );
  target.route('/fail', json(500, { error: 'boom' }));
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const loginFlow = (password = 'hunter2') => [
  {
    name: 'log in',
    request: { method: 'POST' as const, url: `${target.url}/login`, headers: [{ name: 'Content-Type', value: 'application/json' }], body: JSON.stringify({ password }) },
    assertions: [{ source: 'STATUS_CODE' as const, comparison: 'EQUALS' as const, target: '200' }],
    extractions: [
      { name: 'token', source: 'JSON_BODY' as const, property: '$.token' },
      { name: 'userId', source: 'JSON_BODY' as const, property: '$.user.id' },
      { name: 'session', source: 'HEADER' as const, property: 'X-Session-Token' },
    ],
  },
  {
    name: 'read profile',
    request: { method: 'GET' as const, url: `${target.url}/users/{{userId}}`, headers: [{ name: 'Authorization', value: 'Bearer {{token}}' }] },
    assertions: [{ source: 'JSON_BODY' as const, property: '$.name', comparison: 'EQUALS' as const, target: 'Ada' }],
    extractions: [],
  },
];

describe('journeys', () => {
  it('runs steps in order, feeding extracted values to later steps, and masks secrets in the record', async () => {
    const created = await admin.client.gql(CreateJourneyDocument, { input: { name: 'Login flow', steps: loginFlow() } });
    expect(created.errors).toBeUndefined();
    const j = created.data!.createJourney;
    expect(j.id).toMatch(/^jrn_/);
    expect(j.steps[1].request.headers).toEqual([{ name: 'Authorization', value: '[masked]', secret: true }]);

    const run = (await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney;
    expect(run).toMatchObject({ journeyId: j.id, status: 'PASSED', trigger: 'MANUAL', error: null });
    expect(run.steps.map((s) => s.status)).toEqual(['PASSED', 'PASSED']);
    expect(run.steps[0].extracted).toEqual([
      { name: 'token', value: '[masked]' },
      { name: 'userId', value: '42' },
      { name: 'session', value: '[masked]' },
    ]);
    expect(run.steps[1].request.url).toBe(`${target.url}/users/42`);
    expect(run.steps[1].request.headers).toEqual([{ name: 'Authorization', value: '[masked]' }]);
    expect(JSON.stringify(run)).not.toContain('tok-abc');
    expect(JSON.stringify(run)).not.toContain('sess-123');
    expect(target.hits.at(-1)?.headers.authorization).toBe('Bearer tok-abc');
  });

  it("stops at the first failing step and skips the rest", async () => {
    const j = (await admin.client.gql(CreateJourneyDocument, { input: { name: 'Bad login', steps: loginFlow('wrong') } })).data!.createJourney;
    const run = (await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney;
    expect(run.status).toBe('FAILED');
    expect(run.steps.map((s) => s.status)).toEqual(['FAILED', 'SKIPPED']);
    expect(run.error).toMatch(/^Step 1 \(log in\): /);
    const runs = (await admin.client.gql(JourneyRunsDocument, { journeyId: j.id })).data!.journeyRuns.nodes;
    expect(runs.map((r) => r.id)).toEqual([run.id]);
  });

  it('a step without a status assertion fails on a 4xx/5xx', async () => {
    const j = (
      await admin.client.gql(CreateJourneyDocument, {
        input: { name: 'Fails', steps: [{ name: 'boom', request: { method: 'GET', url: `${target.url}/fail`, headers: [] }, assertions: [], extractions: [] }] },
      })
    ).data!.createJourney;
    const run = (await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney;
    expect(run).toMatchObject({ status: 'FAILED', error: 'Step 1 (boom): Status 500' });
  });

  it.each([
    [{ steps: [] }, 'steps'],
    [{ steps: Array.from({ length: 21 }, (_, i) => ({ name: `s${i}`, request: { url: 'http://127.0.0.1/' } })) }, 'steps'],
    [{ steps: [{ name: 'a', request: { url: 'http://127.0.0.1/{{nope}}' } }] }, 'steps[0].request'],
    [{ steps: [{ name: 'a', request: { url: 'mailto:x@y' } }] }, 'steps[0].request.url'],
    [{ steps: [{ name: 'a', request: { url: 'http://127.0.0.1/' }, extractions: [{ name: 'x', source: 'JSON_BODY', property: 'token' }] }] }, 'steps[0].extractions[0].property'],
    [{ steps: [{ name: 'a', request: { url: 'http://127.0.0.1/' }, extractions: [{ name: 'bad name', source: 'STATUS_CODE' }] }] }, 'steps[0].extractions[0].name'],
  ])('refuses %j naming %s', async (input, field) => {
    const res = await admin.client.gql(CreateJourneyDocument, { input: { name: 'x', ...input } as never });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.errors?.[0].extensions?.fields)).toContain(`"field":"${field}`);
  });

  it('names every bad field at once, the type\'s rules and the service\'s together', async () => {
    const res = await admin.client.gql(CreateJourneyDocument, {
      input: {
        name: 'x',
        timeoutMs: 60000, // the type refuses it
        steps: [{ name: 'a', request: { url: 'mailto:x@y' }, extractions: [{ name: 'x', source: 'JSON_BODY', property: 'token' }] }],
      } as never,
    });
    expect(res.status).toBe(400);
    const fields = (res.errors?.[0].extensions?.fields as Array<{ field: string }>).map((f) => f.field);
    expect(fields.sort()).toEqual(['steps[0].extractions[0].property', 'steps[0].request.url', 'timeoutMs']);
  });

  it('updates steps, keeping masked header values', async () => {
    const j = (await admin.client.gql(CreateJourneyDocument, { input: { name: 'Login flow 2', steps: loginFlow() } })).data!.createJourney;
    const steps = j.steps.map((s) => ({
      name: s.name,
      request: { method: s.request.method, url: s.request.url, headers: s.request.headers, body: s.request.body },
      assertions: s.assertions,
      extractions: s.extractions,
    }));
    const updated = await admin.client.gql(UpdateJourneyDocument, { id: j.id, input: { name: 'Renamed', steps } });
    expect(updated.errors).toBeUndefined();
    expect((await admin.client.gql(RunJourneyDocument, { id: j.id })).data!.runJourney.status).toBe('PASSED');
    expect((await admin.client.gql(JourneyDocument, { id: j.id })).data!.journey).toMatchObject({ name: 'Renamed', status: 'UP' });
  });
});
