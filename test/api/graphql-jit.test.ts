/**
 * Compiled execution (graphql-jit) answers exactly what graphql-js answers: the same documents, sent with the same
 * keys to an app with GRAPHQL_JIT=true and to one with GRAPHQL_JIT=false on the same database, get the same status
 * and the same body, errors included (403 with paths, NOT_FOUND with its path, class-validator's BAD_USER_INPUT,
 * variables that do not coerce, limits), and the resolver-level scope guard still refuses under jit.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, parse, print } from 'graphql';
import { compileQuery } from 'graphql-jit';
import * as ops from '../../src/client/generated/graphql';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { buildAppSchema } from '../../src/graphql/schema';
import { compileOperation } from '../../src/graphql/executor';
import type { Principal } from '../../src/modules/auth/principal';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { Client } from '../helpers/client';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let plain: App;
let plainUrl: string;
let target: Target;
let all: string;
let reader: string;
let monitorId: string;

beforeAll(async () => {
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  t = await startTestApp({ GRAPHQL_JIT: 'true' });
  // The same database, the same keys: only the executor differs.
  plain = await createApp(
    loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', ALLOW_PRIVATE_TARGETS: 'true', BCRYPT_COST: '4', GRAPHQL_JIT: 'false', LOCATION: 'plain', RATE_LIMIT_PER_MINUTE: '10000000' }),
    { database: t.db, secretsKey: TEST_SECRETS_KEY },
  );
  await plain.fastify.listen({ port: 0, host: '127.0.0.1' });
  plainUrl = `http://127.0.0.1:${(plain.fastify.server.address() as AddressInfo).port}`;
  const org = await t.org('Jit Inc');
  all = (await t.key(org, ['all'])).key;
  reader = (await t.key(org, ['organization:read'])).key;
  const admin = new Client(t.baseUrl, all);
  const made = await admin.gql(ops.CreateMonitorDocument, { input: { name: 'jit', url: `${target.url}/ok` } });
  monitorId = (made.data as { createMonitor: { id: string } }).createMonitor.id;
  await admin.gql(ops.RunMonitorDocument, { id: monitorId });
});

afterAll(async () => {
  await plain?.close();
  await t?.close();
  await target?.close();
});

/** One request to both apps; the bodies as text, so key order and every byte count. */
let sent = 0;
async function both(key: string | undefined, body: unknown, init: { method?: string; path?: string } = {}) {
  // One request id for both: the error bodies name it, and the two answers must be equal to the byte.
  const requestId = `jit-${++sent}`;
  const send = async (base: string) => {
    const res = await fetch(`${base}${init.path ?? '/graphql'}`, {
      method: init.method ?? 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: init.method === 'GET' ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };
  return { jit: await send(t.baseUrl), plain: await send(plainUrl) };
}

const q = (document: unknown) => (typeof document === 'string' ? document : print(document as never));

describe('graphql-jit answers as graphql-js does', () => {
  const cases: Array<[string, () => { key: string; query: string; variables?: Record<string, unknown>; operationName?: string }]> = [
    // Without lastUsedAt: each app keeps its own pending use of the key in memory.
    ['me', () => ({ key: all, query: '{ me { organization { id name createdAt } key { id name prefix permissions status expiresAt createdBy { type id name } createdByLabel creatorRemoved } } }' })],
    ['a missing scope: 403 with the missing scopes and paths', () => ({ key: reader, query: '{ a: monitors { nodes { id } } me { key { name } } b: monitor(id: "mon_x") { id } }' })],
    ['another id: NOT_FOUND with its path', () => ({ key: all, query: q(ops.MonitorDocument), variables: { id: 'mon_doesnotexist0000' } })],
    ['class-validator: BAD_USER_INPUT with fields', () => ({ key: all, query: q(ops.CreateMonitorDocument), variables: { input: { name: '', url: 'not a url' } } })],
    ['fragments, aliases and the DataLoader fields', () => ({ key: all, query: q(ops.MonitorsOverviewDocument), variables: { first: 5, runs: 3 } })],
    ['quotaExhausted through its loader', () => ({ key: all, query: '{ monitors(first: 5) { nodes { id quotaExhausted } } }' })],
    [
      '@skip and @include, on fields and fragments',
      () => ({
        key: all,
        query: 'query($s: Boolean!, $i: Boolean!) { me { organization @skip(if: $s) { id } key @include(if: $i) { name } ...F @include(if: $s) } } fragment F on Me { organization { name } }',
        variables: { s: true, i: false },
      }),
    ],
    ['an interface (Run) and its fragments', () => ({ key: all, query: q(ops.RunsDocument), variables: { monitorId } })],
    [
      'input fields with defaults, nested in lists (interpreted by graphql-js)',
      () => ({ key: all, query: q(ops.CreateJourneyDocument), variables: { input: { name: '', steps: [{ name: 'a', request: { url: 'mailto:x@y' } }] } } }),
    ],
    ['introspection', () => ({ key: all, query: '{ __schema { queryType { name } types { name kind } } __type(name: "Monitor") { fields { name } } }' })],
    ['__typename', () => ({ key: reader, query: '{ __typename me { __typename } }' })],
    ['a variable of the wrong type', () => ({ key: all, query: 'query($first: Int) { monitors(first: $first) { nodes { id } } }', variables: { first: 'ten' } })],
    ['a required variable missing', () => ({ key: all, query: 'query($id: ID!) { monitor(id: $id) { id } }', variables: {} })],
    ['a bad enum and a bad input field in variables', () => ({ key: all, query: q(ops.CreateMonitorDocument), variables: { input: { name: 'x', url: 'https://e.com', method: 'FETCH', nope: 1 } } })],
    ['a page out of range', () => ({ key: all, query: '{ monitors(first: 1000) { nodes { id } } }' })],
    ['a validation error', () => ({ key: all, query: '{ monitors { nodes { nope } } }' })],
    ['several operations, by name', () => ({ key: all, query: 'query A { me { key { name } } } query B { locations { name } }', operationName: 'B' })],
    // graphql-jit builds results as plain objects: these keys would set a prototype or shadow a method.
    ['an alias __proto__', () => ({ key: all, query: '{ me { __proto__: organization { id name } key { name } } }' })],
    ['an alias __proto__ at the root and in a fragment', () => ({ key: all, query: '{ __proto__: me { ...K } } fragment K on Me { constructor: key { toString: name } }' })],
    ['aliases constructor and hasOwnProperty', () => ({ key: all, query: '{ constructor: me { hasOwnProperty: organization { id } } }' })],
    ['a document too deep', () => ({ key: all, query: `{ me ${'{ organization '.repeat(1)}{ id } } }` })],
  ];

  for (const [name, make] of cases)
    it(name, async () => {
      const { key, ...body } = make();
      const r = await both(key, body);
      expect(r.jit).toEqual(r.plain);
    });

  it('GET, REST and unauthenticated requests alike', async () => {
    for (const [key, body, init] of [
      [undefined, { query: '{ me { key { name } } }' }, {}],
      [all, undefined, { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ me { key { name } } }')}` }],
      [all, undefined, { method: 'GET', path: '/v1/me' }],
      [all, undefined, { method: 'GET', path: `/v1/monitors/${monitorId}` }],
      [all, undefined, { method: 'GET', path: '/v1/monitors?first=abc' }],
      [reader, undefined, { method: 'GET', path: '/v1/monitors' }],
    ] as const) {
      const r = await both(key, body, init);
      expect(r.jit).toEqual(r.plain);
    }
  });

  it('@skip and @include are the built-in directives: they select, they are not unknown', async () => {
    const query = 'query($s: Boolean!, $i: Boolean!) { me { organization @skip(if: $s) { id } key @include(if: $i) { name } ...F @include(if: $i) } } fragment F on Me { organization { name } }';
    for (const [variables, me] of [
      [{ s: true, i: false }, {}],
      [{ s: false, i: true }, { organization: { id: expect.stringMatching(/^org_/), name: expect.any(String) }, key: { name: expect.any(String) } }],
    ] as const) {
      const r = await both(all, { query, variables });
      expect(r.jit).toEqual(r.plain);
      expect(r.jit.status).toBe(200);
      expect(JSON.parse(r.jit.body)).toEqual({ data: { me } });
    }
  });

  it('a __proto__ alias answers its data under that key, under both executors', async () => {
    const r = await both(all, { query: '{ me { __proto__: organization { id } } }' });
    expect(r.jit).toEqual(r.plain);
    const me = JSON.parse(r.jit.body).data.me; // JSON.parse keeps "__proto__" as an own property
    expect(Object.keys(me)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(me, '__proto__')?.value).toEqual({ id: expect.stringMatching(/^org_/) });
  });

  it('errors are what they were: a variable that does not coerce is BAD_USER_INPUT (400), not an internal error', async () => {
    const r = await both(all, { query: 'query($first: Int) { monitors(first: $first) { nodes { id } } }', variables: { first: 'ten' } });
    expect(r.jit.status).toBe(400);
    expect(JSON.parse(r.jit.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('compiled operations', () => {
  it("graphql-jit's own variable errors have no nodes; compileOperation answers graphql-js's, which Apollo knows as BAD_USER_INPUT", async () => {
    const { schema } = await buildAppSchema();
    const document = parse('query($first: Int) { monitors(first: $first) { nodes { id } } }');
    const raw = compileQuery(schema, document) as { query: (r: unknown, c: unknown, v: unknown) => { errors?: Array<{ nodes?: unknown }> } };
    expect(raw.query(undefined, {}, { first: 'ten' }).errors?.[0].nodes).toBeUndefined();
    const result = await compileOperation(schema, document, document.definitions[0] as never)({}, { first: 'ten' });
    const js = await execute({ schema, document, variableValues: { first: 'ten' } });
    expect(result.errors?.map((e) => [e.message, e.nodes?.length])).toEqual(js.errors?.map((e) => [e.message, 1]));
  });

  it('a compiled operation run without the HTTP layer still refuses a key without the scope', async () => {
    const { schema } = await buildAppSchema();
    const document = parse('{ monitors { nodes { id } } }');
    const operation = document.definitions[0] as never;
    const principal = { held: new Set(['organization:read']) } as unknown as Principal;
    const jit = await compileOperation(schema, document, operation)({ principal }, {});
    const js = await execute({ schema, document, contextValue: { principal } });
    expect(jit.data).toBeNull();
    expect(jit.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(jit.errors?.map((e) => [e.message, e.path])).toEqual(js.errors?.map((e) => [e.message, e.path]));
  });
});
