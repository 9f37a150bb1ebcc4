/**
 * The cost of a document counts real list sizes: a series by its buckets (window ÷ interval), a journey run's steps
 * with their recorded headers, assertions and extracted values by the largest counts the input rules allow, every
 * list of the schema by a declared size (a new list field without one fails the build). Over the limit, the
 * document is refused before it runs, with its cost; an answer over MAX_RESPONSE_BYTES is RESPONSE_TOO_LARGE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import * as ops from '../../src/client/generated/graphql';
import { loadConfig } from '../../src/config';
import { buildAppSchema, type AppSchema } from '../../src/graphql/schema';
import { costOf, operationRequirements } from '../../src/authorization/operation-scopes';
import { assertListSizes, LIST_SIZES, listFields } from '../../src/authorization/list-sizes';
import { jsonSizeUpTo } from '../../src/graphql/response-size';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Client } from '../helpers/client';

const LIMIT = loadConfig({}).GRAPHQL_MAX_COST;
let app: AppSchema;
beforeAll(async () => {
  app = await buildAppSchema();
});

const costOfDocument = (document: DocumentNode, variables: Record<string, unknown> = {}) => {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return costOf(operationRequirements(app.schema, app.index, document, op), variables);
};

describe('list sizes', () => {
  it('every list field of the schema has a declared size, and every declared size is a list field', () => {
    const lists = listFields(app.schema);
    expect(lists.length).toBeGreaterThan(30);
    expect(lists.filter((f) => !LIST_SIZES[f])).toEqual([]);
    expect(Object.keys(LIST_SIZES).filter((f) => !lists.includes(f))).toEqual([]);
  });

  it('a list field without a size fails the schema build', () => {
    const schema = buildSchema('type Query { things: [Thing!]! } type Thing { labels: [String!]! }');
    expect(() => assertListSizes(schema)).toThrow(/^Query\.things is a list without a size: add it to LIST_SIZES/);
    expect(() => assertListSizes(schema)).toThrow(/\nThing\.labels is a list without a size/);
  });

  it('a page whose size no argument gives fails the schema build (it would count 1 item)', () => {
    const schema = buildSchema(`
      type Query { monitors(first: Int! = 20): MonitorConnection! unpaged: MonitorConnection! }
      type MonitorConnection { nodes: [Monitor!]! }
      type Monitor { recentRuns: [Monitor!]! }`);
    expect(() => assertListSizes(schema)).toThrow(/\nMonitor\.recentRuns is a page without a first or limit argument/);
    expect(() => assertListSizes(schema)).toThrow(/\nQuery\.unpaged answers MonitorConnection, whose nodes are a page, without a first or limit argument/);
    expect(() => assertListSizes(schema)).not.toThrow(/Query\.monitors answers/);
  });

  it('the client operations (what the dashboard and the REST mirror send) are within the default limit', () => {
    const costs: Record<string, number> = {};
    for (const [name, doc] of Object.entries(ops))
      if (name.endsWith('Document')) costs[name] = costOfDocument(doc as DocumentNode, {}); // every variable at its default
    expect(Object.keys(costs).length).toBeGreaterThan(50);
    expect(Object.entries(costs).filter(([, cost]) => cost > LIMIT)).toEqual([]);
    // and at the largest page every list allows (the REST mirror passes `?first=` through, up to 100)
    const largest = Object.entries(ops).filter(([name]) => name.endsWith('Document')).map(([name, doc]) => [name, costOfDocument(doc as DocumentNode, { first: 100 })] as const);
    expect(largest.filter(([, cost]) => cost > LIMIT)).toEqual([]);
    // the dashboard's own variables
    expect(costOfDocument(ops.JourneyRunsDocument, { journeyId: 'j', first: 20 })).toBeLessThanOrEqual(LIMIT);
    expect(costOfDocument(ops.JourneysOverviewDocument, { first: 50, runs: 20 })).toBeLessThanOrEqual(LIMIT);
    expect(costOfDocument(ops.MonitorsOverviewDocument, { first: 50, runs: 20 })).toBeLessThanOrEqual(LIMIT);
  });

  it('a page argument left out counts as its schema default, or the largest page (100) without one', () => {
    expect(costOfDocument(parse('{ monitors { nodes { id } } }'))).toBe(1 + 20 + 20);
    expect(costOfDocument(parse('{ monitor(id: "m") { recentRuns { id } } }'))).toBe(1 + 1 + 20);
    const schema = buildSchema('type Query { monitors(first: Int): MonitorConnection! } type MonitorConnection { nodes: [Monitor!]! } type Monitor { id: ID! }');
    const doc = parse('{ monitors { nodes { id } } }');
    const op = doc.definitions[0] as OperationDefinitionNode;
    const index = { scopesFor: () => [], anyScopesFor: () => [] } as unknown as AppSchema['index'];
    expect(costOf(operationRequirements(schema, index, doc, op), {})).toBe(1 + 100 + 100);
  });

  it('a series counts window ÷ interval buckets, from literals, defaults or variables', () => {
    const series = (args: string) => costOfDocument(parse(`{ monitor(id: "m") { series${args} { runs } } }`));
    expect(series('')).toBe(1 + 1 + 24); // LAST_24_HOURS by HOUR, the defaults
    expect(series('(window: LAST_90_DAYS)')).toBe(1 + 1 + 2160);
    expect(series('(window: LAST_90_DAYS, interval: DAY)')).toBe(1 + 1 + 90);
    const doc = parse('query($w: StatsWindow!, $i: SeriesInterval!) { monitor(id: "m") { series(window: $w, interval: $i) { runs } } }');
    expect(costOfDocument(doc, { w: 'LAST_7_DAYS', i: 'HOUR' })).toBe(1 + 1 + 168);
    expect(costOfDocument(doc, {})).toBe(1 + 1 + 2160); // unknown: the largest
  });
});

describe('answer size', () => {
  it('is about the JSON length, and the walk stops past the limit', () => {
    const answer = { data: { monitors: { nodes: Array.from({ length: 50 }, (_, i) => ({ id: `mon_${i}`, name: 'ü "quoted"', n: 12345, ok: true, tags: ['a', 'b'], body: null })) } } };
    const exact = JSON.stringify(answer).length;
    const size = jsonSizeUpTo(answer, 10 * exact);
    expect(size).toBeGreaterThan(0.9 * exact);
    expect(size).toBeLessThan(1.1 * exact);
    const over = jsonSizeUpTo({ a: 'x'.repeat(100), b: Array.from({ length: 1e5 }, () => 'y'.repeat(100)) }, 50);
    expect(over).toBeGreaterThan(50);
    expect(over).toBeLessThan(1e5 + 300); // stopped at the first string past the limit, not after the whole list
  });

  it('counts the UTF-8 bytes JSON.stringify writes: escapes, control characters, multi-byte and astral characters', () => {
    const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
    const strings = [
      '\u0001'.repeat(1000), // 6 bytes each (\u0001), 1 UTF-16 unit
      '監視'.repeat(500), // 3 bytes a unit
      '"\\'.repeat(500), // 2 bytes each
      '\n\t\r\b\f'.repeat(200), // 2 bytes each
      'é'.repeat(500), // 2 bytes
      '😀'.repeat(300), // 4 bytes a pair
      '\ud800x\udfff', // lone surrogates: \ud800 and \udfff, 6 bytes each
      '\u2028\u007f plain ascii',
    ];
    for (const s of strings) expect(jsonSizeUpTo(s, 1e9)).toBe(bytes(s));
    const answer = { data: { monitors: { nodes: strings.map((name, i) => ({ id: `mon_${i}`, name, 'ключ': name, n: -1.2345678901234567e-300, big: 12345678901234567890, ok: false, none: null })) } } };
    expect(jsonSizeUpTo(answer, 1e9)).toBe(bytes(answer));
    // a 6-fold answer of control characters is over a limit its UTF-16 length was under
    expect(jsonSizeUpTo({ s: '\u0001'.repeat(10_000) }, 16_384)).toBeGreaterThan(16_384);
  });
});

describe('over HTTP', () => {
  let t: TestApp;
  let client: Client;
  let journeyId: string;
  beforeAll(async () => {
    t = await startTestApp({ MAX_RESPONSE_BYTES: '8192' });
    const org = await t.org('Lists Inc');
    ({ client } = await t.key(org, ['all']));
    const made = await client.gql(ops.CreateJourneyDocument, {
      input: { name: 'flow', steps: [{ name: 'a', request: { url: 'https://example.com/', headers: [{ name: 'x-a', value: 'b' }] } }] },
    });
    journeyId = made.data!.createJourney.id;
    for (let i = 0; i < 3; i++) await client.gql(ops.CreateMonitorDocument, { input: { name: `m${i}`, url: 'https://example.com/', body: 'x'.repeat(3000) } });
  });
  afterAll(() => t?.close());

  it('29 aliased 90-day series over 10 monitors are refused before they run, with their cost (3.76 M fields)', async () => {
    const fields = 'start runs failures uptimePercent p50 p95';
    const aliases = Array.from({ length: 29 }, (_, i) => `s${i}: series(window: LAST_90_DAYS, interval: HOUR) { ${fields} }`).join(' ');
    const r = await client.gql(`{ monitors(first: 10) { nodes { ${aliases} } } }`);
    expect(r.status).toBe(400);
    // 1 (monitors) + 10 (nodes) + 29 × 10 × (1 + 2,160 buckets × 6 fields)
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: LIMIT, actual: 1 + 10 + 29 * 10 * (1 + 2160 * 6) });
    expect(r.data).toBeUndefined();
  });

  it('a page argument left out counts as its default (20), not as 1: the same series over every monitor is refused', async () => {
    const fields = 'start runs failures uptimePercent p50 p95';
    const aliases = Array.from({ length: 29 }, (_, i) => `s${i}: series(window: LAST_90_DAYS, interval: HOUR) { ${fields} }`).join(' ');
    const r = await client.gql(`{ monitors { nodes { ${aliases} } } }`);
    expect(r.status).toBe(400);
    // 1 (monitors) + 20 (nodes, the default page) + 29 × 20 × (1 + 2,160 buckets × 6 fields)
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: LIMIT, actual: 1 + 20 + 29 * 20 * (1 + 2160 * 6) });
    expect(r.data).toBeUndefined();
    // one series without `first` is the default page's 20 × 2,160 buckets
    expect(costOfDocument(parse('{ monitors { nodes { series(window: LAST_90_DAYS) { runs } } } }'))).toBe(1 + 20 + 20 * (1 + 2160));
    // and the series' own window and interval left out are the schema's defaults (LAST_24_HOURS by HOUR)
    expect(costOfDocument(parse('{ monitors { nodes { series { runs } } } }'))).toBe(1 + 20 + 20 * (1 + 24));
  });

  it("journey runs with their steps' headers, assertions and extracted values are refused with their cost", async () => {
    const steps = 'steps { name request { url headers { name value } } assertions { source property comparison target actual passed } extracted { name value } }';
    // per run: id + steps + 20 steps × (name, request, url, headers + 50 × 2, assertions + 20 × 6, extracted + 20 × 2)
    const perRun = 1 + 1 + 20 * (1 + 1 + 1 + 1 + 50 * 2 + 1 + 20 * 6 + 1 + 20 * 2);
    const page = (alias: string) => `${alias}: journeyRuns(journeyId: $id, first: 100) { nodes { id ${steps} } }`;
    const two = await client.gql(`query($id: ID!) { ${page('a')} ${page('b')} }`, { id: journeyId });
    expect(two.status).toBe(400);
    expect(two.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: LIMIT, actual: 2 * (1 + 100 + 100 * perRun) });
    // each journey's recent runs: pages within pages
    const nested = await client.gql(`{ journeys(first: 20) { nodes { recentRuns(limit: 50) { id ${steps} } } } }`);
    expect(nested.status).toBe(400);
    expect(nested.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: LIMIT, actual: 1 + 20 + 20 + 20 * 50 * perRun });
    // the same without `first` / `limit`: the schema's defaults (20 runs a page, 20 recent runs), not 1
    const defaults = await client.gql(`{ journeys { nodes { recentRuns { id ${steps} } } } }`);
    expect(defaults.status).toBe(400);
    expect(defaults.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: LIMIT, actual: 1 + 20 + 20 + 20 * 20 * perRun });
    const unpaged = (alias: string) => `${alias}: journeyRuns(journeyId: $id) { nodes { id ${steps} } }`;
    const eight = await client.gql(`query($id: ID!) { ${['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(unpaged).join(' ')} }`, { id: journeyId });
    expect(eight.status).toBe(400);
    expect(eight.errors?.[0]?.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: LIMIT, actual: 8 * (1 + 20 + 20 * perRun) });
    // one page of them, as the dashboard (20) or the REST mirror (up to 100) asks, passes
    expect((await client.gql(ops.JourneyRunsDocument, { journeyId, first: 20 })).status).toBe(200);
    expect((await client.gql(`query($id: ID!) { ${page('a')} }`, { id: journeyId })).status).toBe(200);
    expect((await client.rest('GET', `/v1/journeys/${journeyId}/runs?first=100`)).status).toBe(200);
  });

  it('an answer over MAX_RESPONSE_BYTES is RESPONSE_TOO_LARGE (400), GraphQL and REST alike; smaller ones pass', async () => {
    const big = await client.gql(ops.MonitorsDocument, { first: 10 }); // 3 monitors × 3,000-character bodies
    expect(big.status).toBe(400);
    expect(big.body).toEqual({ errors: [{ message: expect.stringContaining('MAX_RESPONSE_BYTES'), extensions: { code: 'RESPONSE_TOO_LARGE', limit: 8192, actual: expect.any(Number) } }] });
    expect((big.errors![0].extensions!.actual as number)).toBeGreaterThan(8192);
    const rest = await client.rest('GET', '/v1/monitors');
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limit: 8192 });
    expect((await client.gql('{ monitors(first: 10) { nodes { id name } } }')).status).toBe(200);
    expect((await client.rest('GET', '/v1/me')).status).toBe(200);
  });
});
