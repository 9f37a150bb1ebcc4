/**
 * Inputs the database cannot store, and faults: U+0000 in any string argument or input field is 400 BAD_USER_INPUT
 * naming the field (it was a 500: PostgreSQL's text cannot hold it), GraphQL and REST alike; and a 500 is logged
 * exactly once, without the statement's values.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Client } from '../helpers/client';

let t: TestApp;
let client: Client;
let monitorId: string;
const lines: string[] = [];

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk) => lines.push(...String(chunk).split('\n').filter(Boolean)));
  t = await startTestApp({ LOG_LEVEL: 'info' }, { logStream: stream });
  const org = await t.org('Nul Inc');
  ({ client } = await t.key(org, ['all']));
  const made = await client.gql(ops.CreateMonitorDocument, { input: { name: 'fine', url: 'https://example.com/' } });
  monitorId = made.data!.createMonitor.id;
});
afterAll(() => t?.close());

const NUL = '\u0000';
/** The requests the "a 500" tests fail on purpose (by request id): their error lines are theirs, in any order. */
const forcedFaults = new Set<string>();
const fieldsOf = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) =>
  (errors?.[0]?.extensions?.fields as Array<{ field: string }> | undefined)?.map((f) => f.field);

describe('U+0000 in a string input', () => {
  const graphql: Array<[string, string, Record<string, unknown>, string[]]> = [
    ['an id argument', 'query($id: ID!) { monitor(id: $id) { id } }', { id: `mon_${NUL}` }, ['id']],
    ['a filter argument', 'query($tag: String) { monitors(tag: $tag) { nodes { id } } }', { tag: `a${NUL}` }, ['tag']],
    ['a scalar argument of a mutation', 'mutation($name: String!) { updateOrganization(name: $name) { id } }', { name: `x${NUL}y` }, ['name']],
    [
      "an input object's fields",
      'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { id } }',
      { i: { name: `a${NUL}`, url: `https://example.com/${NUL}`, headers: [{ name: 'x-a', value: `v${NUL}` }] } },
      ['name', 'url', 'headers[0].value'],
    ],
    [
      'an update',
      'mutation($id: ID!, $i: UpdateMonitorInput!) { updateMonitor(id: $id, input: $i) { id } }',
      { i: { body: `{${NUL}}` } },
      ['body'],
    ],
    [
      "a journey step's nested request",
      'mutation($i: CreateJourneyInput!) { createJourney(input: $i) { id } }',
      { i: { name: 'j', steps: [{ name: 's', request: { url: 'https://example.com/', headers: [{ name: `x${NUL}`, value: 'v' }] } }] } },
      ['steps[0].request.headers[0].name'],
    ],
    ['a literal in the document', `{ monitors(tag: "a\\u0000") { nodes { id } } }`, {}, ['tag']],
  ];
  for (const [what, query, variables, fields] of graphql)
    it(`GraphQL, ${what}: 400 BAD_USER_INPUT naming ${fields.join(', ')}`, async () => {
      const r = await client.gql(query, { id: monitorId, ...variables });
      expect(r.status).toBe(400);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(fieldsOf(r.errors)?.sort()).toEqual([...fields].sort());
      expect(r.errors?.[0]?.message).toContain('must not contain the NUL character (U+0000)');
    });

  const rest: Array<[string, string, string, unknown, string[]]> = [
    ['a path parameter', 'GET', '/v1/monitors/mon_%00', undefined, ['id']],
    ['a query parameter', 'GET', '/v1/monitors?tag=a%00', undefined, ['tag']],
    ['a body field', 'POST', '/v1/monitors', { name: `a${NUL}`, url: 'https://example.com/' }, ['name']],
    ['a nested body field', 'POST', '/v1/monitors', { name: 'a', url: 'https://example.com/', headers: [{ name: 'x-a', value: `v${NUL}` }] }, ['headers[0].value']],
    ['an argument body', 'PATCH', '/v1/organization', { name: `x${NUL}` }, ['name']],
  ];
  for (const [what, method, path, body, fields] of rest)
    it(`REST, ${what}: 400 BAD_USER_INPUT naming ${fields.join(', ')}`, async () => {
      const r = await client.rest(method, path, body);
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('BAD_USER_INPUT');
      expect((r.body.error?.fields as Array<{ field: string }>).map((f) => f.field)).toEqual(fields);
    });

  it('stored nothing and logged no error', async () => {
    // One refusal of its own, so it does not depend on the tests above having run first.
    expect((await client.gql(ops.CreateMonitorDocument, { input: { name: `a${NUL}`, url: 'https://example.com/' } })).status).toBe(400);
    const r = await client.gql(ops.MonitorsDocument, { first: 100 });
    expect(r.data!.monitors.nodes.map((m) => m.name)).toEqual(['fine']);
    const errors = lines.map((l) => JSON.parse(l) as { level: number; reqId?: string }).filter((l) => l.level >= 50 && !(l.reqId && forcedFaults.has(l.reqId)));
    expect(errors).toEqual([]);
  });
});

describe('a 500', () => {
  const SECRET = 'forced-fault-value-9f3a';
  beforeAll(async () => {
    // A statement the database refuses that no input rule knows about: a 500, with the values in knex's message.
    await t.db.orm.em.getConnection().execute(`alter table monitors add constraint forced_fault check (name not like 'forced-fault-%')`);
  });
  afterAll(() => t.db.orm.em.getConnection().execute('alter table monitors drop constraint forced_fault'));

  const errorLines = () => lines.map((l) => JSON.parse(l) as { level: number; err?: string; msg: string }).filter((l) => l.level >= 50);

  for (const surface of ['GraphQL', 'REST'] as const)
    it(`${surface}: 500 INTERNAL_SERVER_ERROR, logged once, without the statement's values`, async () => {
      const before = errorLines().length;
      const input = { name: SECRET, url: 'https://secret-host.example.com/path', body: 'secret-body-4711' };
      let requestId: string | null;
      if (surface === 'GraphQL') {
        const r = await client.gql(ops.CreateMonitorDocument, { input });
        expect(r.status).toBe(500);
        expect(r.errors).toEqual([{ message: 'Internal server error', locations: [{ line: 2, column: 3 }], path: ['createMonitor'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
        requestId = r.requestId; // the test client has checked that the error named it
        if (requestId) forcedFaults.add(requestId);
      } else {
        const r = await client.rest('POST', '/v1/monitors', input);
        expect(r.status).toBe(500);
        expect(r.body).toEqual({ success: false, error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
        requestId = r.requestId;
        if (requestId) forcedFaults.add(requestId);
      }
      await new Promise((r) => setTimeout(r, 50)); // the log stream is asynchronous
      const logged = errorLines().slice(before);
      expect(logged).toHaveLength(1);
      // The id the client was given finds the operator's line; the id itself is random, so it is left out below, as
      // are the line's time and process id (a time of …300… is no leaked value).
      const { reqId, time: _time, pid: _pid, ...rest } = logged[0] as { reqId?: string; time?: number; pid?: number };
      expect(reqId).toBe(requestId);
      expect(logged[0]).toMatchObject({ msg: 'unexpected error', err: expect.stringMatching(/^CheckConstraintViolationException \[23514\]: insert into "monitors" .* - new row for relation \? violates check constraint \?$/) });
      const line = JSON.stringify(rest);
      for (const value of [SECRET, 'secret-host', 'secret-body', 'org_', 'mon_', '2026', '300']) expect(line).not.toContain(value);
    });
});
