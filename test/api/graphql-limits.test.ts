import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { MonitorsDocument, MonitorsOverviewDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COST: '50000' }); // small limits: small documents reach them
  admin = await t.key(await t.org('Acme Inc'), ['all']);
});
afterAll(() => t?.close());

const refusal = async (query: string, variables?: Record<string, unknown>) => {
  const res = await admin.client.gql(query, variables);
  return { status: res.status, code: res.errors?.[0]?.extensions?.code, extensions: res.errors?.[0]?.extensions, data: res.data };
};

describeDatabaseAgnostic('GraphQL document limits (checked before execution)', () => {
  it('refuses depth beyond the limit with QUERY_TOO_DEEP', async () => {
    expect(await refusal('{ monitors { nodes { recentRuns { timings { dns } } } } }')).toMatchObject({ status: 400, code: 'QUERY_TOO_DEEP', extensions: { limit: 4, actual: 5 } });
    expect((await admin.client.gql('{ monitors { nodes { recentRuns { id } } } }')).status).toBe(200);
  });

  it('counts introspection and __typename in the depth, except a type reference’s ofType wrappers', async () => {
    expect(await refusal('{ __schema { types { fields { type { name } } } } }')).toMatchObject({ status: 400, code: 'QUERY_TOO_DEEP', extensions: { limit: 4, actual: 5 } });
    expect(await refusal('{ monitors { nodes { recentRuns { timings { __typename } } } } }')).toMatchObject({ status: 400, code: 'QUERY_TOO_DEEP', extensions: { actual: 5 } });
    expect((await admin.client.gql('{ __type(name: "Query") { fields { type { ofType { ofType { name } } } } } }')).status).toBe(200);
  });

  it('refuses more than 30 aliases with TOO_MANY_ALIASES', async () => {
    const q = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { key { id } }`).join(' ')} }`;
    expect(await refusal(q)).toMatchObject({ status: 400, code: 'TOO_MANY_ALIASES', extensions: { limit: 30, actual: 31 } });
  });

  it('refuses more than 15 root fields with TOO_MANY_ROOT_FIELDS, and runs none of them', async () => {
    const q = `mutation { ${Array.from({ length: 16 }, (_, i) => `m${i}: createMonitor(input: { name: "x${i}", url: "http://127.0.0.1/" }) { id }`).join(' ')} }`;
    expect(await refusal(q)).toMatchObject({ status: 400, code: 'TOO_MANY_ROOT_FIELDS', extensions: { limit: 15, actual: 16 } });
    expect((await admin.client.gql(MonitorsDocument, {})).data?.monitors.nodes).toEqual([]);
  });

  it('refuses queries whose pages multiply past the cost limit with QUERY_TOO_COMPLEX', async () => {
    const runFields = 'id status durationMs startedAt finishedAt error trigger responseStatus monitorId x: id y: status';
    const big = await refusal(`{ monitors(first: 100) { nodes { recentRuns(limit: 50) { ${runFields} } } } }`);
    // 1 (monitors) + 100 (nodes) + 100 (recentRuns) + 100 × 50 × 11 fields
    expect(big).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX', extensions: { limit: 50000, actual: 55201 } });
    expect((await admin.client.gql(`{ monitors(first: 100) { nodes { recentRuns(limit: 50) { id status } } } }`)).status).toBe(200);
    // page sizes from variables count with their values (or defaults); absent ones as the largest page
    const paged = `query($n: Int, $r: Int = 50) { monitors(first: $n) { nodes { recentRuns(limit: $r) { ${runFields} } } } }`;
    expect((await refusal(paged, {})).code).toBe('QUERY_TOO_COMPLEX');
    expect((await refusal(paged, { n: 100 })).code).toBe('QUERY_TOO_COMPLEX');
    expect((await admin.client.gql(paged, { n: 10 })).status).toBe(200);
    expect((await admin.client.gql(paged, { n: 100, r: 5 })).status).toBe(200);
    // the dashboard's overview is well within it
    expect((await admin.client.gql(MonitorsOverviewDocument, { first: 50 })).status).toBe(200);
  });

  it('stops walking documents that reuse fragments exponentially, and refuses them', async () => {
    const frags = Array.from({ length: 25 }, (_, i) => `fragment F${i} on Query { ${i === 24 ? 'me { key { id } }' : `...F${i + 1} ...F${i + 1}`} }`).join('\n');
    const started = Date.now();
    const res = await refusal(`{ ...F0 }\n${frags}`);
    expect(res).toMatchObject({ status: 400, code: 'QUERY_TOO_COMPLEX' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('judges the document Apollo runs: a fragment bomb in a GET with a bad %-escape is refused at once, /healthz answering meanwhile', async () => {
    // 22 levels, each fragment spreading the next twice: ~6 million fields once expanded, in a 1.4 kB URL. Fastify's
    // old parser left the whole value undecoded because of the trailing `%ZZ`; Apollo decodes it and would validate.
    const frags = Array.from({ length: 22 }, (_, i) => `fragment F${i} on Query { ${i === 21 ? 'me { key { id } }' : `...F${i + 1} ...F${i + 1}`} }`);
    const url = `${t.baseUrl}/graphql?query=${encodeURIComponent(`{ ...F0 } ${frags.join(' ')}`)}%20%23%20%ZZ`;
    const headers = { authorization: `Bearer ${admin.key}`, 'apollo-require-preflight': '1' };
    const timed = async (u: string, init?: RequestInit) => {
      const started = performance.now();
      const res = await fetch(u, init);
      return { status: res.status, body: (await res.json()) as { errors?: Array<{ extensions: { code: string } }> }, ms: performance.now() - started };
    };
    const [bomb, health] = await Promise.all([timed(url, { headers }), timed(`${t.baseUrl}/healthz`)]);
    expect(bomb.status).toBe(400);
    expect(bomb.body.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(bomb.ms).toBeLessThan(2000); // validating it took ~6 s of CPU here
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(2000);

    // The same decoding everywhere: the bad escape sits in a comment, so this GET is a valid query and runs.
    const ok = await fetch(`${t.baseUrl}/graphql?query=${encodeURIComponent('{ me { key { id } } }')}%20%23%20%ZZ`, { headers });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { me: { key: { id: string } } } }).data.me.key.id).toBe(admin.id);
  });

  it('answers a syntax error as GRAPHQL_PARSE_FAILED, by GET and by POST', async () => {
    const headers = { authorization: `Bearer ${admin.key}`, 'apollo-require-preflight': '1' };
    const get = await fetch(`${t.baseUrl}/graphql?query=${encodeURIComponent('{ me { key { id } }')}%ZZ`, { headers });
    expect(get.status).toBe(400);
    expect(await get.json()).toMatchObject({ errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    expect(await refusal('{ me { key { id } ')).toMatchObject({ status: 400, code: 'GRAPHQL_PARSE_FAILED' });
  });

  it('refuses batched requests and oversized bodies', async () => {
    const batch = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.key}` },
      body: JSON.stringify([{ query: '{ me { key { id } } }' }, { query: '{ me { key { id } } }' }]),
    });
    expect(batch.status).toBe(400);
    const huge = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.key}` },
      body: JSON.stringify({ query: `{ me { key { id } } } # ${'x'.repeat(1_100_000)}` }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });
});
