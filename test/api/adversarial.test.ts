/**
 * Hostile input, generated: thousands of mutated Authorization headers, and mutated GraphQL documents, variables
 * and REST bodies for every mutation. The API answers each with a 4xx of its own vocabulary, never a 5xx, never
 * lets a forged credential in, and stores nothing.
 */
import * as http from 'node:http';
import fc from 'fast-check';
import { getVariableValues, parse, print, validate, Kind, type DocumentNode, type OperationDefinitionNode, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { ROUTES } from '../../src/rest/routes';
import { randomBase62 } from '../../src/modules/common/base62';
import { startTestApp, type TestApp } from '../helpers/app';
import { forgeKey } from '../helpers/keys';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let org: Organization;
let good: Awaited<ReturnType<TestApp['key']>>;
let schema: GraphQLSchema;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

beforeAll(async () => {
  t = await startTestApp({ AUTH_FAILURE_LIMIT: '50' }); // the limiter is part of the system under test: 429 is allowed
  org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  good = await t.key(org, ['all']);
  // Used once before the flood: a key this instance verified keeps working while its address is throttled.
  expect((await good.client.rest('GET', '/v1/me')).status).toBe(200);
  schema = (await buildAppSchema()).schema;
});
afterAll(async () => {
  agent.destroy();
  await t?.close();
});

/** A raw request: the header value goes out as the bytes given (UTF-8 of the string), the way a hostile client sends it. */
function rawGet(path: string, authorization: string | undefined, sourceIp = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = Buffer.from(authorization, 'utf8').toString('latin1');
    const req = http.request(`${t.baseUrl}${path}`, { headers, agent, localAddress: sourceIp }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the API must treat as the good key: scheme in any case, one or more spaces, surrounding whitespace trimmed. */
const sameAsGood = (header: string) => {
  const m = /^[ \t]*([A-Za-z]+) +(\S+)[ \t]*$/.exec(header);
  return !!m && m[1].toLowerCase() === 'bearer' && m[2] === good.key;
};

/** HTTP forbids control characters in header values; everything else (unicode included) must be answered. */
const sendable = (s: string) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(s);

describe('10,000 hostile Authorization headers', () => {
  it('get 401 or 429 (never 5xx, never 200) unless they are the good key written differently', async () => {
    const keyish = fc.oneof(
      fc.constant(() => good.key),
      fc.constant(() => forgeKey(good.id, randomBase62(32))), // the real keyId, a valid checksum, a wrong secret
      fc.constant(() => forgeKey(randomBase62(12), randomBase62(32))), // a valid checksum, an unknown keyId
    );
    const mutation = fc.oneof(
      fc.nat().map((n) => (k: string) => k.slice(0, n % k.length)), // truncated
      fc.nat().map((n) => (k: string) => k.slice(0, n % k.length) + k.slice((n % k.length) + 1)), // a character dropped
      fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })).map(([n, c]) => (k: string) => k.slice(0, n % k.length) + c + k.slice((n % k.length) + 1)), // one replaced
      fc.nat().map((n) => (k: string) => k.slice(0, n % k.length) + k[n % k.length].toUpperCase() + k.slice((n % k.length) + 1)), // case
      fc.nat().map((n) => (k: string) => k.slice(0, n % k.length) + ' ' + k.slice(n % k.length)), // a space inside
      fc.string({ maxLength: 3 , unit: 'binary' }).map((u: string) => (k: string) => k + u), // unicode appended
      fc.constant((k: string) => k.repeat(170).slice(0, 10_240)), // 10 kB
      fc.constant((k: string) => k), // unchanged (only the scheme part varies)
    );
    const scheme = fc.constantFrom('Bearer ', 'bearer ', 'BEARER ', 'Bearer  ', ' Bearer ', 'Basic ', 'Token ', '', 'Bearer\t', 'Bearer: ', 'Bearer Bearer ');
    const header = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(scheme, keyish, mutation).map(([s, k, m]) => s + m(k())) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 , unit: 'binary' }) },
      { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((s) => `Bearer ${s}`) },
    );
    const seen: Record<number, number> = {};
    let goodOnes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(header.filter(sendable), { minLength: 50, maxLength: 50 }), fc.integer({ min: 2, max: 250 }), async (batch, ipByte) => {
        // 50 at a time, from one of many loopback addresses (127.0.0.x), so the limiter's per-IP windows vary too
        const statuses = await Promise.all(batch.map((h) => rawGet('/v1/me', h, `127.0.0.${ipByte}`)));
        statuses.forEach((status, i) => {
          seen[status] = (seen[status] ?? 0) + 1;
          if (sameAsGood(batch[i])) {
            goodOnes++;
            expect([batch[i], status]).toEqual([batch[i], 200]); // a verified key keeps working during the flood
          } else expect([batch[i], [401, 429].includes(status)]).toEqual([batch[i], true]);
        });
      }),
      { numRuns: 200 }, // 200 × 50 = 10,000 requests
    );
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(seen[401]).toBeGreaterThan(1000);
    expect(goodOnes).toBeGreaterThan(0);
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------------------------
// Mutated GraphQL documents and variables, REST bodies

const tables = ['organizations', 'api_keys', 'monitors', 'journeys', 'heartbeats', 'tcp_monitors', 'dns_monitors', 'runs', 'alerts', 'members', 'audit_events', 'notification_channels', 'notification_deliveries', 'maintenance_windows', 'escalation_policies'];
async function counts(): Promise<Record<string, number>> {
  const conn = t.db.orm.em.fork().getConnection();
  const out: Record<string, number> = {};
  for (const table of tables) out[table] = Number((await conn.execute(`select count(*)::int as n from ${table}`))[0].n);
  return out;
}

const mutationDocs = Object.values(ops).filter(
  (d): d is DocumentNode =>
    typeof d === 'object' && d !== null && (d as DocumentNode).kind === Kind.DOCUMENT &&
    (d as DocumentNode).definitions.some((x) => x.kind === Kind.OPERATION_DEFINITION && x.operation === 'mutation'),
);

const step = { name: 's', request: { method: 'GET', url: 'https://example.com/' }, assertions: [], extractions: [] };
/** Valid variables for every mutation: the baseline each mutation below breaks. */
const VALID: Record<string, Record<string, unknown>> = {
  CreateApiKey: { input: { name: 'k', permissions: ['monitors:read'], expiresIn: 'THIRTY_DAYS' } },
  RevokeApiKey: { id: 'key_000000000000' },
  RollApiKey: { id: 'key_000000000000', gracePeriod: 'NONE' },
  CreateMonitor: { input: { name: 'm', url: 'https://example.com/', intervalSeconds: 60, headers: [{ name: 'a', value: 'b' }] } },
  UpdateMonitor: { id: 'mon_none', input: { name: 'm' } },
  DeleteMonitor: { id: 'mon_none' },
  PauseMonitor: { id: 'mon_none' },
  ResumeMonitor: { id: 'mon_none' },
  RunMonitor: { id: 'mon_none' },
  CreateJourney: { input: { name: 'j', steps: [step] } },
  UpdateJourney: { id: 'jrn_none', input: { name: 'j' } },
  DeleteJourney: { id: 'jrn_none' },
  PauseJourney: { id: 'jrn_none' },
  ResumeJourney: { id: 'jrn_none' },
  RunJourney: { id: 'jrn_none' },
  CreateHeartbeat: { input: { name: 'h', periodSeconds: 60, graceSeconds: 30, tags: ['cron'] } },
  UpdateHeartbeat: { id: 'hbt_none', input: { name: 'h' } },
  DeleteHeartbeat: { id: 'hbt_none' },
  PauseHeartbeat: { id: 'hbt_none' },
  ResumeHeartbeat: { id: 'hbt_none' },
  RotateHeartbeatToken: { id: 'hbt_none' },
  RunHeartbeat: { id: 'hbt_none' },
  CreateTcpMonitor: { input: { name: 't', host: 'example.com', port: 443, send: 'PING', expect: 'PONG', intervalSeconds: 60 } },
  UpdateTcpMonitor: { id: 'tcp_none', input: { name: 't' } },
  DeleteTcpMonitor: { id: 'tcp_none' },
  PauseTcpMonitor: { id: 'tcp_none' },
  ResumeTcpMonitor: { id: 'tcp_none' },
  RunTcpMonitor: { id: 'tcp_none' },
  CreateDnsMonitor: { input: { name: 'd', hostname: 'example.com', recordType: 'MX', expectedValues: ['10 mail.example.com'], match: 'ALL', intervalSeconds: 60 } },
  UpdateDnsMonitor: { id: 'dns_none', input: { name: 'd' } },
  DeleteDnsMonitor: { id: 'dns_none' },
  PauseDnsMonitor: { id: 'dns_none' },
  ResumeDnsMonitor: { id: 'dns_none' },
  RunDnsMonitor: { id: 'dns_none' },
  AcknowledgeAlert: { id: 'alr_none' },
  ResolveAlert: { id: 'alr_none' },
  UpdateOrganization: { name: 'Acme Inc' },
  InviteMember: { input: { email: 'a@example.com', role: 'VIEWER' } },
  UpdateMemberRole: { id: 'mem_none', role: 'ADMIN' },
  RemoveMember: { id: 'mem_none' },
  RevokeSession: { id: 'ses_none' },
  RevokeInvitation: { id: 'inv_none' },
  SetRequireMfa: { requireMfa: false },
  CreateSsoConnection: { input: { issuer: 'https://idp.example.com', clientId: 'c', clientSecret: 's', emailDomains: ['example.com'], defaultRole: 'VIEWER' } },
  DeleteSsoConnection: { id: 'sso_none' },
  SetEnforceSso: { enforceSso: false },
  VerifySsoDomain: { connectionId: 'sso_none', domain: 'example.com' },
  CreateNotificationChannel: { input: { name: 'c', type: 'WEBHOOK', url: 'https://example.com/hook', events: ['ALERT_OPENED'], checkIds: [] } },
  UpdateNotificationChannel: { id: 'nch_none', input: { name: 'c' } },
  DeleteNotificationChannel: { id: 'nch_none' },
  TestNotificationChannel: { id: 'nch_none' },
  CreateMaintenanceWindow: { input: { name: 'w', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T01:00:00Z', checkIds: [] } },
  DeleteMaintenanceWindow: { id: 'mnt_none' },
  CreateEscalationPolicy: { input: { name: 'p', steps: [{ afterMinutes: 0, channelIds: ['nch_none'] }], repeatAfterMinutes: 5, maxRepeats: 1 } },
  UpdateEscalationPolicy: { id: 'esc_none', input: { name: 'p', steps: [{ afterMinutes: 0, channelIds: ['nch_none'] }], repeatAfterMinutes: 5, maxRepeats: 1 } },
  DeleteEscalationPolicy: { id: 'esc_none' },
  CreateStatusPage: { input: { name: 'p', slug: 'p', components: [{ name: 'c', description: 'd', checkIds: [], autoDraftIncident: true }], customDomain: 'status.example.com', showUptime: true } },
  UpdateStatusPage: { id: 'stp_none', input: { name: 'p' } },
  DeleteStatusPage: { id: 'stp_none' },
  VerifyStatusPageDomain: { id: 'stp_none' },
  CreateIncident: { input: { statusPageId: 'stp_none', title: 't', impact: 'MINOR', status: 'INVESTIGATING', message: 'm', componentIds: [] } },
  AddIncidentUpdate: { input: { incidentId: 'inc_none', status: 'RESOLVED', message: 'm' } },
  PublishIncident: { id: 'inc_none' },
  TriggerChecks: { input: { checkIds: ['mon_none'], tags: ['smoke'], location: 'local' } },
};

const opOf = (doc: DocumentNode) => doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;

/** Graphql-js is the oracle: does this document and these variables still make a valid request? */
function stillValid(query: string, variables: unknown): boolean {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch {
    return false;
  }
  if (validate(schema, doc).length) return false;
  const op = opOf(doc);
  if (!op) return false;
  const coerced = getVariableValues(schema, op.variableDefinitions ?? [], (variables ?? {}) as Record<string, unknown>);
  return !coerced.errors;
}

/** A JSON value at a random path of `v` replaced (or removed, or a stranger added). */
const jsonValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 2 }),
  fc.string({ minLength: 200, maxLength: 2000 , unit: 'binary' }),
);
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
  return [prefix, ...entries.flatMap(([k, x]) => paths(x, [...prefix, k]))];
}
function mutate(v: Record<string, unknown>, path: (string | number)[], kind: 'replace' | 'remove' | 'add', value: unknown): Record<string, unknown> {
  const copy = structuredClone(v);
  if (!path.length) return kind === 'add' ? { ...copy, zzUnknown: value } : (value as Record<string, unknown>);
  let cur: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (kind === 'remove') {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else if (kind === 'add' && cur[last] && typeof cur[last] === 'object' && !Array.isArray(cur[last])) (cur[last] as Record<string, unknown>).zzUnknown = value;
  else cur[last] = value;
  return copy;
}

describe('mutated mutations', () => {
  it('every mutation has a baseline here', () => {
    expect(mutationDocs.map((d) => opOf(d).name!.value).sort()).toEqual(Object.keys(VALID).sort());
    for (const d of mutationDocs) expect(stillValid(print(d), VALID[opOf(d).name!.value]), opOf(d).name!.value).toBe(true);
  });

  it('broken documents and variables get a 400-class answer and store nothing', async () => {
    const before = await counts();
    let sent = 0;
    const doc = fc.constantFrom(...mutationDocs);
    const brokenDocument = fc
      .tuple(doc, fc.nat(), fc.oneof(fc.constantFrom('{', '}', '(', ')', '$', '@', '!', '"', ':', '...', '#', 'query', '__typename', '\\u0000'), fc.string({ maxLength: 8 })), fc.boolean())
      .map(([d, at, insert, cut]) => {
        const q = print(d);
        const i = at % q.length;
        return { name: opOf(d).name!.value, query: cut ? q.slice(0, i) : q.slice(0, i) + insert + q.slice(i), variables: VALID[opOf(d).name!.value] };
      });
    const brokenVariables = fc
      .tuple(doc, fc.nat(), fc.constantFrom('replace', 'remove', 'add') as fc.Arbitrary<'replace' | 'remove' | 'add'>, jsonValue)
      .map(([d, at, kind, value]) => {
        const name = opOf(d).name!.value;
        const all = paths(VALID[name]);
        return { name, query: print(d), variables: mutate(VALID[name], all[at % all.length], kind, value) };
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(brokenDocument, brokenVariables), async ({ name, query, variables: drawn }) => {
        // The oracle judges what goes over the wire: JSON turns NaN and ±Infinity into null, which an optional
        // input field rightly accepts (a drawn -Infinity for intervalSeconds once made a valid request here).
        const variables: unknown = JSON.parse(JSON.stringify(drawn));
        fc.pre(!stillValid(query, variables)); // only what graphql-js itself says is broken
        sent++;
        const res = await good.client.gql(query, variables as never);
        expect([name, query, res.status >= 400 && res.status < 500]).toEqual([name, query, true]);
        expect(JSON.stringify(res.body)).not.toMatch(/INTERNAL_SERVER_ERROR|stack|at \w+ \(/);
      }),
      { numRuns: 600 },
    );
    expect(sent).toBeGreaterThan(300);
    expect(await counts()).toEqual(before);
  }, 120_000);

  it('broken REST bodies for every write route get 400 and store nothing', async () => {
    const before = await counts();
    const writes = ROUTES.filter((r) => r.method === 'POST' || r.method === 'PATCH');
    const body = fc.oneof(
      fc.string().map((s) => ({ raw: s })), // not JSON, or JSON that is not an object
      fc.constantFrom('[]', '"x"', '42', 'null', 'true', '{"a":', '{"name":}').map((raw) => ({ raw })),
      fc.tuple(fc.constantFrom('name', 'url', 'email', 'role', 'permissions', 'steps', 'interval_seconds', 'grace_period', 'zz_unknown'), jsonValue).map(([k, v]) => ({
        json: { [k]: v, zz_unknown: 1 }, // always carries a field no input type has
      })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writes), body, async (route, b) => {
        const url = route.url.replace(':id', 'none_000');
        const res = await fetch(`${t.baseUrl}${url}`, {
          method: route.method,
          headers: { authorization: `Bearer ${good.key}`, 'content-type': 'application/json' },
          body: 'raw' in b ? b.raw : JSON.stringify(b.json),
        });
        const text = await res.text();
        expect([route.method, route.url, res.status >= 400 && res.status < 500]).toEqual([route.method, route.url, true]);
        expect(JSON.parse(text)).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.any(String) } });
        expect(text).not.toMatch(/INTERNAL_SERVER_ERROR|stack/);
      }),
      { numRuns: 400 },
    );
    expect(await counts()).toEqual(before);
  }, 120_000);
});
