/**
 * Compiled execution (graphql-jit, the default) and graphql-js's interpreter (GRAPHQL_JIT=false) answer every
 * operation of the API alike: each operation of the registry runs on an app of each kind, sharing one database,
 * each on an organization of its own seeded the same way, and the two answers (status, data and errors) must be
 * equal once what differs by creation (ids, secrets, times, durations) is masked. This replaces running the whole
 * suite a second time with GRAPHQL_JIT=false.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { buildAppSchema } from '../../src/graphql/schema';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { Client } from '../helpers/client';
import { print } from 'graphql';
import { OPERATIONS, registryGaps, rootFieldOf, seedOrganization, type Ids } from '../helpers/operations';
import { json, startTarget, type Target } from '../helpers/target';

let t: TestApp;
let plain: App;
let target: Target;
const side: Record<'jit' | 'plain', { ids: Ids; client: Client }> = {} as never;

beforeAll(async () => {
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/down', json(500, { ok: false }));
  t = await startTestApp({ GRAPHQL_JIT: 'true' });
  // The same database and clock: only the executor differs.
  plain = await createApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      BOOTSTRAP_KEY: 'false',
      SCHEDULING: 'false',
      ALLOW_PRIVATE_TARGETS: 'true',
      BCRYPT_COST: '4',
      DEFAULT_PLAN: 'FREE',
      GRAPHQL_JIT: 'false',
      RATE_LIMIT_PER_MINUTE: '10000000',
      AUTH_FAILURE_LIMIT: '100000',
      NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE: '10000',
    }),
    { database: t.db, secretsKey: TEST_SECRETS_KEY, now: () => t.clock.now ?? new Date() },
  );
  await plain.fastify.listen({ port: 0, host: '127.0.0.1' });
  const plainUrl = `http://127.0.0.1:${(plain.fastify.server.address() as AddressInfo).port}`;
  const jit = await seedOrganization(t, 'Executor jit', target.url);
  const interpreted = await seedOrganization(t, 'Executor plain', target.url);
  side.jit = { ids: jit.ids, client: jit.admin };
  side.plain = { ids: interpreted.ids, client: new Client(plainUrl, interpreted.admin.key) };
});

afterAll(async () => {
  await plain?.close();
  await t?.close();
  await target?.close();
});

/** Numbers that measure this run's own timing, not what the API decides. */
const TIMING_KEY = /(duration|latency|Ms$|^p\d+$|^avg|^mean|^total$|^connect$|^dns$|^tls$|^firstByte$|^download$)/i;

/** Values that encode creation order or one request: page cursors (a time and an id), request ids. */
const OPAQUE_KEY = /^(endCursor|startCursor|cursor|requestId)$/;

/** An answer with what differs between two organizations seeded one after the other masked out. */
function masked(body: unknown): unknown {
  const text = JSON.stringify(body)
    .replace(/Executor (jit|plain)/g, '<org>')
    .replace(/izli_sk_live_[0-9A-Za-z]+/g, '<key>')
    .replace(/whsec_[0-9A-Za-z+/=]+/g, '<signing secret>')
    .replace(/token=[0-9A-Za-z]{43}/g, 'token=<link token>')
    .replace(/\/ping\/[0-9A-Za-z]{32}/g, '/ping/<token>') // a heartbeat's ping URL: a token of its own
    .replace(/\b[sp]-[0-9a-z]{8}\b/g, '<slug>') // status pages' slugs: random, one per page in all of tracer
    .replace(/\b[a-z]{3}_[0-9A-Za-z]{8,}\b/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/x0\.\d+@example\.com/g, '<email>')
    .replace(/\bsso-[0-9a-z]+\.example\b/g, '<sso domain>') // SSO connections' domains: one per connection in all of tracer
    .replace(/tracer-domain-verification=[0-9A-Za-z_-]{43}/g, 'tracer-domain-verification=<token>'); // an SSO domain's own token
  const walk = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, OPAQUE_KEY.test(k) && x !== null ? `<${k}>` : walk(x, k)]));
    return typeof v === 'number' && TIMING_KEY.test(key) ? '<timing>' : v;
  };
  return walk(JSON.parse(text));
}

describe('graphql-jit and graphql-js answer every operation alike', () => {
  it('the registry holds every root field of the schema (an operation left out would go unchecked)', async () => {
    const { schema } = await buildAppSchema();
    expect(registryGaps(schema).fields).toEqual([]);
  });

  // First, while both organizations are as seeded: `me` answers from each app's cache of its key, which a rename
  // (updateOrganization, below) reaches on each app's own schedule.
  it('every operation refused: ids that exist nowhere and input that does not validate give the same errors', async () => {
    const differ: unknown[] = [];
    let refused = 0;
    for (const op of OPERATIONS) {
      const jit = await side.jit.client.gql(op.document, op.absent);
      const interpreted = await side.plain.client.gql(op.document, op.absent);
      const [a, b] = [{ status: jit.status, body: masked(jit.body) }, { status: interpreted.status, body: masked(interpreted.body) }];
      if (JSON.stringify(a) !== JSON.stringify(b)) differ.push({ op: op.name, jit: a, plain: b });
      if (jit.errors) refused++;
    }
    expect(differ).toEqual([]);
    // Errors compared, not only lists: most operations take an id or an input that these refuse.
    expect(refused).toBeGreaterThan(OPERATIONS.length / 2);
  });

  it('every operation, in order, with the same variables on like organizations', async () => {
    const differ: unknown[] = [];
    for (const op of OPERATIONS) {
      const ask = async () => {
        const jit = await side.jit.client.gql(op.document, op.variables(side.jit.ids, target.url));
        const interpreted = await side.plain.client.gql(op.document, op.variables(side.plain.ids, target.url));
        return [jit, { status: jit.status, body: masked(jit.body) }, { status: interpreted.status, body: masked(interpreted.body) }] as const;
      };
      let [jit, a, b] = await ask();
      // A query is asked again, of both, while the answers differ (up to 10 s): background work started by the
      // mutation before it (a test delivery, a check session) finishes on each organization at its own moment.
      for (let i = 0; i < 20 && rootFieldOf(op.document).startsWith('query ') && JSON.stringify(a) !== JSON.stringify(b); i++) {
        await new Promise((r) => setTimeout(r, 500));
        [jit, a, b] = await ask();
      }
      if (JSON.stringify(a) !== JSON.stringify(b)) differ.push({ op: op.name, jit: a, plain: b });
      // An answer of errors only would make the comparison weak: every operation succeeds on its seeded organization
      // (but those acting on the caller's own sessions: a key has none).
      else if ((jit.status !== 200 || jit.errors) && !op.sessionOnly) differ.push({ op: op.name, failed: a });
    }
    expect(differ).toEqual([]);
    // Two minutes: ~150 operations, each asked of both organizations one after the other (a loaded CI machine took
    // more than the default minute); an answer that keeps differing fails above, whatever the time.
  }, 120_000);
});

/**
 * The fast path of `/graphql` (ADR 0076: a plain POST of a query Apollo already ran, answered without Apollo's
 * pipeline) against Apollo itself, on the same app, organization and variables: the status, every header but the
 * per-request ones (date, request id, the rate limit's countdown) and the body, byte for byte. Every query of the
 * registry, with its seeded variables (answers) and its absent ids and invalid input (refusals, which the fast path
 * leaves to Apollo), plus requests it must always leave to Apollo.
 */
describe('the fast path of /graphql answers exactly as Apollo does', () => {
  const PER_REQUEST = new Set(['date', 'x-request-id', 'ratelimit-remaining', 'ratelimit-reset']);
  const ask = async (query: string, variables: unknown, headers: Record<string, string> = {}, fast = true) => {
    t.app.knownQueries.enabled = fast;
    // One instant for both paths: the caller's key records when it was last used, and `me` and `apiKeys` show it.
    t.clock.now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    try {
      const res = await fetch(`${t.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${side.jit.client.key}`, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.text()).replace(/"requestId":"[^"]*"/g, '"requestId":"<id>"');
      const kept = [...res.headers].filter(([name]) => !PER_REQUEST.has(name));
      return JSON.stringify({ status: res.status, headers: kept, body });
    } finally {
      t.app.knownQueries.enabled = true;
      t.clock.now = null;
    }
  };

  it('every query of the registry, answered and refused', async () => {
    const queries = OPERATIONS.filter((op) => rootFieldOf(op.document).startsWith('query '));
    expect(queries.length).toBeGreaterThan(20);
    const differ: unknown[] = [];
    const before = t.app.knownQueries.served;
    for (const op of queries) {
      const query = print(op.document);
      for (const variables of [op.variables(side.jit.ids, target.url), op.absent]) {
        await ask(query, variables, {}, false); // Apollo has run the text: the fast path knows it from here on
        let [apollo, fast] = [await ask(query, variables, {}, false), await ask(query, variables)];
        // Background work (a check session, a delivery) may change an answer between two requests: asked again.
        for (let i = 0; i < 3 && apollo !== fast; i++) {
          await new Promise((r) => setTimeout(r, 300));
          [apollo, fast] = [await ask(query, variables, {}, false), await ask(query, variables)];
        }
        if (apollo !== fast) differ.push({ op: op.name, apollo: JSON.parse(apollo), fast: JSON.parse(fast) });
      }
    }
    expect(differ).toEqual([]);
    // The comparison is of the fast path's own answers: most seeded queries succeed, and each was answered there.
    expect(t.app.knownQueries.served - before).toBeGreaterThan(queries.length / 2);
  }, 120_000);

  it('runs a known query that ends in an error once: Apollo answers the result the fast path computed', async () => {
    const query = 'query Absent($id: ID!) { monitor(id: $id) { id name } }';
    const variables = { id: 'mon_00000000000000000000' }; // no such monitor: NOT_FOUND from the resolver
    await ask(query, variables, {}, false); // Apollo has run the text: the fast path knows it
    const statementsOf = async (fast: boolean) => {
      t.queries.length = 0;
      const answer = await ask(query, variables, {}, fast);
      return { answer, statements: t.requestQueries().filter((q) => /\bchecks?\b|monitors?\b/i.test(q)).length };
    };
    const apollo = await statementsOf(false);
    const fast = await statementsOf(true);
    expect(JSON.parse(apollo.answer).body).toContain('NOT_FOUND');
    expect(fast.answer).toBe(apollo.answer);
    expect(apollo.statements).toBeGreaterThan(0);
    expect(fast.statements).toBe(apollo.statements);
  });

  it('compiles an operation once for both paths: Apollo\'s executor and the fast path share the compiled copy', async () => {
    const query = '{ me { organization { id } key { name expiresAt } } }'; // a text no other test asks
    const compiled = t.app.knownQueries.compiled.size;
    const served = t.app.knownQueries.served;
    await ask(query, undefined, {}, false); // Apollo compiles and runs it; the fast path learns the text
    expect(t.app.knownQueries.compiled.size).toBe(compiled + 1);
    expect(JSON.parse(await ask(query, undefined)).body).toContain('"organization"');
    expect(t.app.knownQueries.served).toBe(served + 1); // answered by the fast path, with Apollo's compiled copy
    expect(t.app.knownQueries.compiled.size).toBe(compiled + 1);
  });

  it('leaves to Apollo what it does not take: other Accept and content types, extensions, batches, GET, mutations, introspection', async () => {
    const me = '{ me { organization { id name } key { name } } }';
    await ask(me, undefined, {}, false);
    const served = t.app.knownQueries.served;
    const cases: [string, unknown, Record<string, string>][] = [
      [me, undefined, { accept: 'application/graphql-response+json' }],
      [me, undefined, { accept: 'text/html' }],
      [me, undefined, { 'content-type': 'application/json; charset=utf-8' }],
      [me, undefined, { authorization: 'Bearer izli_sk_live_not_a_key' }],
      ['{ __schema { queryType { name } } }', undefined, {}],
      ['{ me { organization { id @include(if: true) } } }', undefined, {}],
      ['query Q($n: Int!) { monitors(first: $n) { nodes { id } } }', { n: 'x' }, {}],
    ];
    for (const [query, variables, headers] of cases) {
      await ask(query, variables, headers, false);
      expect(await ask(query, variables, headers)).toBe(await ask(query, variables, headers, false));
    }
    expect(t.app.knownQueries.served).toBe(served);
    // A POST body the fast path does not take (extensions), a batch and a GET of a known text: Apollo's.
    const post = (body: unknown) =>
      fetch(`${t.baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${side.jit.client.key}` }, body: JSON.stringify(body) });
    await post({ query: me, extensions: {} });
    await post([{ query: me }]);
    await fetch(`${t.baseUrl}/graphql?query=${encodeURIComponent(me)}`, { headers: { authorization: `Bearer ${side.jit.client.key}`, 'apollo-require-preflight': 'true' } });
    expect(t.app.knownQueries.served).toBe(served);
    expect(JSON.parse(await ask(me, undefined)).body).toContain('"organization"');
    expect(t.app.knownQueries.served).toBe(served + 1);
  });
});
