import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateJourneyDocument,
  CreateMonitorDocument,
  DeleteMonitorDocument,
  JourneyRunsDocument,
  MonitorDocument,
  MonitorRunsDocument,
  MonitorsDocument,
  MonitorsOverviewDocument,
  PauseMonitorDocument,
  ResumeMonitorDocument,
  RunMonitorDocument,
  UpdateMonitorDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import type { Organization } from '../../src/modules/organization/organization.entity';
import { Monitor } from '../../src/modules/checks/kinds/monitor/monitor.entity';
import { Cursor } from '@mikro-orm/core';

const FIXTURES = path.join(__dirname, 'fixtures');
let t: TestApp;
let target: Target;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  org = await t.org('Acme Inc');
  await t.db.orm.em.fork().nativeUpdate('Organization', { id: org.id }, { plan: 'BUSINESS' });
  admin = await t.key(org, ['all']);
  target.route('/health', json(200, { data: { status: 'ok', items: [{ id: 7 }] } }, { 'x-version': '1.2.3' }));
  target.route('/down', json(503, { data: { status: 'down' } }));
  target.route('/slow', (_req, res) => setTimeout(() => res.writeHead(200).end('late'), 2000));
  for (let i = 0; i < 6; i++) target.route(`/hop${i}`, (_req, res) => res.writeHead(302, { location: `/hop${i + 1}` }).end());
  target.route('/hop6', json(200, { ok: true }));
  target.route('/big', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const write = () => {
      while (sent < 10 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  });
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const create = (input: Record<string, unknown>) =>
  admin.client.gql(CreateMonitorDocument, { input: { name: 'API health', url: `${target.url}/health`, ...input } as never });

describe('monitor CRUD', () => {
  it('creates with defaults, reads, updates, pauses, resumes and deletes', async () => {
    const created = await create({ headers: [{ name: 'Accept', value: 'application/json' }] });
    expect(created.errors).toBeUndefined();
    const m = created.data!.createMonitor;
    expect(m).toMatchObject({
      id: expect.stringMatching(/^mon_/),
      method: 'GET',
      expectedStatusCodes: ['200-299'],
      intervalSeconds: 300,
      timeoutMs: 10000,
      failureThreshold: 2,
      paused: false,
      status: 'PENDING',
      lastRunAt: null,
    });
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data?.monitor.name).toBe('API health');

    const updated = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { name: 'Renamed', intervalSeconds: 60 } });
    expect(updated.data?.updateMonitor).toMatchObject({ name: 'Renamed', intervalSeconds: 60, url: `${target.url}/health` });

    expect((await admin.client.gql(PauseMonitorDocument, { id: m.id })).data?.pauseMonitor).toMatchObject({ paused: true, status: 'PAUSED' });
    expect((await admin.client.gql(ResumeMonitorDocument, { id: m.id })).data?.resumeMonitor).toMatchObject({ paused: false, status: 'PENDING' });

    expect((await admin.client.gql(DeleteMonitorDocument, { id: m.id })).data?.deleteMonitor).toBe(m.id);
    const gone = await admin.client.gql(MonitorDocument, { id: m.id });
    expect(gone.status).toBe(404);
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('masks credential headers on the way out and keeps them when sent back masked', async () => {
    const m = (await create({ headers: [{ name: 'Authorization', value: 'Bearer target-secret' }, { name: 'X-Env', value: 'prod' }] })).data!.createMonitor;
    expect(m.headers).toEqual([{ name: 'Authorization', value: '[masked]', secret: true }, { name: 'X-Env', value: 'prod', secret: false }]);
    const round = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { headers: m.headers } });
    expect(round.errors).toBeUndefined();
    await admin.client.gql(RunMonitorDocument, { id: m.id });
    expect(target.hits.at(-1)?.headers.authorization).toBe('Bearer target-secret');
  });

  it.each([
    [{ url: 'not a url' }, 'url'],
    [{ url: 'ftp://example.com/' }, 'url'],
    [{ name: '' }, 'name'],
    [{ intervalSeconds: 9 }, 'intervalSeconds'], // below every plan's minimum (10-29 s on BUSINESS is PLAN_LIMIT_EXCEEDED)
    [{ timeoutMs: 60000 }, 'timeoutMs'],
    [{ failureThreshold: 0 }, 'failureThreshold'],
    [{ expectedStatusCodes: ['2xx'] }, 'expectedStatusCodes'],
    [{ assertions: [{ source: 'JSON_BODY', property: 'data.status', comparison: 'EQUALS', target: 'ok' }] }, 'assertions[0].property'],
    [{ assertions: [{ source: 'JSON_BODY', property: '$.data[?(@.x)]', comparison: 'EQUALS', target: 'ok' }] }, 'assertions[0].property'],
    [{ assertions: [{ source: 'RESPONSE_TIME', comparison: 'LESS_THAN', target: 'fast' }] }, 'assertions[0].target'],
    [{ headers: [{ name: 'Bad Header', value: 'x' }] }, 'headers[0].name'],
  ])('refuses %j naming %s, storing nothing', async (input, field) => {
    const before = (await admin.client.gql(MonitorsDocument, { first: 100 })).data!.monitors.nodes.length;
    const res = await create(input);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.errors?.[0].extensions?.fields)).toContain(`"field":"${field}`);
    expect((await admin.client.gql(MonitorsDocument, { first: 100 })).data!.monitors.nodes.length).toBe(before);
  });

  it('names every bad field at once, the type\'s rules and the service\'s together (GraphQL and REST)', async () => {
    const gql = await admin.client.gql(CreateMonitorDocument, {
      input: { name: '', url: 'not a url', expectedStatusCodes: ['2xx'], timeoutMs: 60000 },
    });
    expect(gql.status).toBe(400);
    expect(gql.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = (gql.errors?.[0].extensions?.fields as Array<{ field: string; message: string }>).map((f) => f.field);
    expect(fields.sort()).toEqual(['expectedStatusCodes', 'name', 'timeoutMs', 'url']); // name once: the type's message
    const rest = await admin.client.rest('POST', '/v1/monitors', { name: '', url: 'not a url' });
    expect(rest.status).toBe(400);
    expect(rest.body).toMatchObject({ success: false, error: { code: 'BAD_USER_INPUT' } });
    expect((rest.body.error as unknown as { fields: Array<{ field: string }> }).fields.map((f) => f.field).sort()).toEqual(['name', 'url']);
    const m = (await create({})).data!.createMonitor;
    const update = await admin.client.gql(UpdateMonitorDocument, { id: m.id, input: { name: '', url: 'ftp://example.com/' } });
    expect((update.errors?.[0].extensions?.fields as Array<{ field: string }>).map((f) => f.field).sort()).toEqual(['name', 'url']);
  });

  it('refuses an unknown enum value before anything runs', async () => {
    const res = await create({ method: 'TRACE' });
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages with cursors, newest first, and filters by status', async () => {
    const other = await t.org('Pager Ltd');
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: other.id }, { plan: 'TEAM' });
    const k = await t.key(other, ['monitors:read', 'monitors:write']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.unshift((await k.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/health` } })).data!.createMonitor.id);
    await k.client.gql(PauseMonitorDocument, { id: ids[0] });
    const seen: string[] = [];
    let after: string | null | undefined;
    do {
      const page = (await k.client.gql(MonitorsDocument, { first: 2, after })).data!.monitors;
      seen.push(...page.nodes.map((n) => n.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(ids);
    // The cursor is MikroORM's format, so cursors handed out before stay valid: the keyset of the page's last row.
    const two = (await k.client.gql(MonitorsDocument, { first: 2 })).data!.monitors;
    const lastRow = await t.db.orm.em.fork().findOneOrFail(Monitor, { id: two.nodes[1].id });
    expect(two.pageInfo.endCursor).toBe(Cursor.encode([lastRow.createdAt, lastRow.id]));
    const paused = (await k.client.gql(MonitorsDocument, { status: 'PAUSED' })).data!.monitors.nodes.map((n) => n.id);
    expect(paused).toEqual([ids[0]]);
    expect((await k.client.gql(MonitorsDocument, { first: 101 })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await k.client.gql(MonitorsDocument, { after: 'garbage' })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'after' }] });
  });
  it('walks every page exactly once, newest first, with ties on createdAt broken by id, for any page sizes', async () => {
    const other = await t.org('Walker Ltd');
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: other.id }, { plan: 'BUSINESS' });
    const k = await t.key(other, ['monitors:read', 'monitors:write']);
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await k.client.gql(CreateMonitorDocument, { input: { name: `w${i}`, url: `${target.url}/health` } })).data!.createMonitor.id);
    // Three rows share one timestamp, two another: the keyset must order and split them by id.
    const em = t.db.orm.em.fork();
    await em.nativeUpdate('Monitor', { id: { $in: ids.slice(0, 3) } }, { createdAt: new Date('2026-01-01T00:00:00.000Z') });
    await em.nativeUpdate('Monitor', { id: { $in: ids.slice(5, 7) } }, { createdAt: new Date('2026-02-01T00:00:00.000Z') });
    const expected = (await em.getConnection().execute<{ id: string }[]>('select id from monitors where organization_id = ? order by created_at desc, id desc', [other.id])).map((r) => r.id);
    expect(expected).toHaveLength(9);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 9, maxLength: 9 }), async (sizes) => {
        const seen: string[] = [];
        let after: string | null | undefined;
        for (const first of sizes) {
          const page = (await k.client.gql(MonitorsDocument, { first, after })).data!.monitors;
          seen.push(...page.nodes.map((n) => n.id));
          expect(page.pageInfo.hasNextPage).toBe(seen.length < expected.length);
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(seen).toEqual(expected);
      }),
      { numRuns: 15 },
    );
    // Cursors that decode but are not ours: wrong arity, wrong types.
    for (const bad of [[1, 2], ['2026-01-01T00:00:00.000Z'], ['2026-01-01T00:00:00.000Z', 'mon_x', 3], ['not a date', 'mon_x']])
      expect((await k.client.gql(MonitorsDocument, { after: Buffer.from(JSON.stringify(bad)).toString('base64url') })).errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [{ field: 'after' }],
      });
  });
});

describe('runMonitor performs the check for real', () => {
  it('passes with status and assertions on JSON, header, text and response time, and records timings', async () => {
    const m = (
      await create({
        assertions: [
          { source: 'STATUS_CODE', comparison: 'EQUALS', target: '200' },
          { source: 'JSON_BODY', property: '$.data.status', comparison: 'EQUALS', target: 'ok' },
          { source: 'JSON_BODY', property: '$.data.items[0].id', comparison: 'GREATER_THAN', target: '6' },
          { source: 'HEADER', property: 'X-Version', comparison: 'CONTAINS', target: '1.2' },
          { source: 'TEXT_BODY', comparison: 'NOT_CONTAINS', target: 'error' },
          { source: 'RESPONSE_TIME', comparison: 'LESS_THAN', target: '5000' },
          { source: 'JSON_BODY', property: "$['data']['missing']", comparison: 'IS_EMPTY' },
        ],
      })
    ).data!.createMonitor;
    const res = await admin.client.gql(RunMonitorDocument, { id: m.id });
    const run = res.data!.runMonitor;
    expect(run).toMatchObject({ monitorId: m.id, trigger: 'MANUAL', status: 'PASSED', responseStatus: 200, error: null });
    expect(run.id).toMatch(/^run_/);
    expect(run.assertions.map((a) => [a.actual, a.passed])).toEqual([
      ['200', true],
      ['ok', true],
      ['7', true],
      ['1.2.3', true],
      [expect.any(String), true],
      [expect.stringMatching(/^\d+$/), true],
      [null, true],
    ]);
    expect(run.timings?.total).toBeGreaterThan(0);
    expect(run.timings?.connect).not.toBeNull();
    expect(run.timings?.firstByte).not.toBeNull();
    const after = (await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor;
    expect(after.status).toBe('UP');
    expect(after.lastRunAt).not.toBeNull();
  });

  it('fails on an unexpected status, with the reason in words', async () => {
    const m = (await create({ url: `${target.url}/down` })).data!.createMonitor;
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'FAILED', responseStatus: 503, error: 'Status 503 is not one of 200-299' });
    expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status).toBe('DOWN');
  });

  it('honours timeoutMs', async () => {
    const m = (await create({ url: `${target.url}/slow`, timeoutMs: 300 })).data!.createMonitor;
    const started = Date.now();
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(Date.now() - started).toBeLessThan(1900);
    expect(run.status).toBe('FAILED');
    expect(run.error).toMatch(/Timed out after \d+ ms/);
  });

  it('follows at most 5 redirects', async () => {
    const five = (await create({ url: `${target.url}/hop1` })).data!.createMonitor;
    expect((await admin.client.gql(RunMonitorDocument, { id: five.id })).data!.runMonitor.status).toBe('PASSED');
    const six = (await create({ url: `${target.url}/hop0` })).data!.createMonitor;
    const run = (await admin.client.gql(RunMonitorDocument, { id: six.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'FAILED', error: 'Too many redirects (more than 5)' });
  });

  it('reads at most 1 MiB of a 10 MB body and still judges it', async () => {
    const m = (await create({ url: `${target.url}/big`, assertions: [{ source: 'TEXT_BODY', comparison: 'CONTAINS', target: 'xxx' }] })).data!.createMonitor;
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run.status).toBe('PASSED');
    expect(run.assertions[0].actual!.length).toBeLessThanOrEqual(501); // what a run keeps is capped too
  });

  it('reports a refused connection as a FAILED run', async () => {
    const m = (await create({ url: 'http://127.0.0.1:9/' })).data!.createMonitor;
    const run = (await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
    expect(run).toMatchObject({ status: 'FAILED', error: 'Connection refused by 127.0.0.1:9' });
  });

  it('turns DNS failures, TLS errors and reset connections into FAILED runs that say what happened', async () => {
    const tls = https.createServer({ key: fs.readFileSync(`${FIXTURES}/self-signed.key`), cert: fs.readFileSync(`${FIXTURES}/self-signed.crt`) }, (_q, r) =>
      r.end('ok'),
    );
    const plain = net.createServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\n\r\nnot tls'))); // answers a TLS hello in clear text
    const resetting = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
    const midBody = net.createServer((s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\npartial');
        setTimeout(() => s.resetAndDestroy(), 50);
      }),
    );
    const port = async (server: net.Server) => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      return (server.address() as net.AddressInfo).port;
    };
    try {
      const cases: Array<[string, RegExp]> = [
        ['http://tracer-check.invalid/', /^DNS lookup failed for tracer-check\.invalid$/],
        [`https://127.0.0.1:${await port(tls)}/`, /^TLS error: DEPTH_ZERO_SELF_SIGNED_CERT$/],
        [`https://127.0.0.1:${await port(plain)}/`, /^TLS error: wrong version number$/],
        [`http://127.0.0.1:${await port(resetting)}/`, /^Connection reset by 127\.0\.0\.1:\d+$/],
        [`http://127.0.0.1:${await port(midBody)}/`, /^Connection reset by 127\.0\.0\.1:\d+$/],
      ];
      for (const [url, error] of cases) {
        const m = (await create({ url })).data!.createMonitor;
        const res = await admin.client.gql(RunMonitorDocument, { id: m.id });
        expect(res.status, url).toBe(200);
        const run = res.data!.runMonitor;
        expect(run.status, url).toBe('FAILED');
        expect(run.error, url).toMatch(error);
        expect((await admin.client.gql(MonitorDocument, { id: m.id })).data!.monitor.status, url).toBe('DOWN');
      }
    } finally {
      for (const s of [tls, plain, resetting, midBody]) s.close();
    }
  });

  it('lists runs newest first through monitorRuns and the REST mirror', async () => {
    const m = (await create({})).data!.createMonitor;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.unshift((await admin.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor.id);
    const page = (await admin.client.gql(MonitorRunsDocument, { monitorId: m.id, first: 2 })).data!.monitorRuns;
    expect(page.nodes.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = await admin.client.rest('GET', `/v1/monitors/${m.id}/runs?first=5`);
    expect((rest.body.data as { nodes: Array<{ id: string; monitor_id: string }> }).nodes.map((r) => r.id)).toEqual(ids);
    const one = await admin.client.rest('GET', `/v1/runs/${ids[0]}`);
    expect(one.body).toMatchObject({ success: true, data: { id: ids[0], monitor_id: m.id, status: 'PASSED' } });
  });
});

describe('outbound requests never reach private addresses unless allowed', () => {
  it('blocks every address that is not global unicast, literal or after DNS, as a FAILED run that says why', async () => {
    const strict = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'false' });
    try {
      const hitsBefore = target.hits.length;
      const o = await strict.org('Strict');
      await strict.db.orm.em.fork().nativeUpdate('Organization', { id: o.id }, { plan: 'TEAM' });
      const k = await strict.key(o, ['monitors:read', 'monitors:write', 'monitors:run']);
      for (const [url, shown, range] of [
        ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'link-local'],
        [`${target.url}/health`, '127.0.0.1', 'loopback'],
        ['http://10.0.0.1/', '10.0.0.1', 'private'],
        ['http://[::1]/', '::1', 'loopback'],
        ['http://100.64.0.1/', '100.64.0.1', 'carrier-grade-nat'],
        ['http://192.0.2.1/', '192.0.2.1', 'reserved'],
        [`http://[::7f00:1]:${new URL(target.url).port}/health`, '::7f00:1', 'ipv4-compatible'],
        [`http://[::ffff:127.0.0.1]:${new URL(target.url).port}/health`, '::ffff:7f00:1', 'loopback'],
        ['http://[64:ff9b::a9fe:a9fe]/', '64:ff9b::a9fe:a9fe', 'rfc6052'],
        ['http://[2002:a9fe:a9fe::1]/', '2002:a9fe:a9fe::1', '6to4'],
        ['http://[fd00::1]/', 'fd00::1', 'unique-local'],
      ]) {
        // A literal is refused when given (below), so it is stored the way an older row or a change of the setting
        // leaves it: the run still refuses it.
        const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: 'https://example.com/' } })).data!.createMonitor;
        await strict.db.orm.em.fork().nativeUpdate('Monitor', { id: m.id }, { url });
        const run = (await k.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
        expect(run.status, url).toBe('FAILED');
        expect(run.error, url).toContain(shown);
        expect(run.error, url).toContain(`not a public address (${range} range); tracer does not check those`);
      }
      // A name is refused on what it resolves to, said without the address or its range (the operator's network).
      const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: 'https://example.com/' } })).data!.createMonitor;
      await strict.db.orm.em.fork().nativeUpdate('Monitor', { id: m.id }, { url: 'http://localhost:1/' });
      const byName = (await k.client.gql(RunMonitorDocument, { id: m.id })).data!.runMonitor;
      expect(byName).toMatchObject({ status: 'FAILED', error: 'Target localhost resolves to a non-public address; tracer does not check those' });
      expect(target.hits.length).toBe(hitsBefore); // the loopback target never saw a request
    } finally {
      await strict.close();
    }
  });
});

describe('a literal private target is refused when given, unless allowed', () => {
  it('answers BAD_USER_INPUT on url naming the address, its range and the setting (create, update, REST, journey steps)', async () => {
    const strict = await startTestApp({ ALLOW_PRIVATE_TARGETS: 'false' });
    try {
      const o = await strict.org('Strict');
      const k = await strict.key(o, ['monitors:read', 'monitors:write', 'journeys:read', 'journeys:write']);
      const SETTING = 'tracer does not check private, loopback or link-local targets unless ALLOW_PRIVATE_TARGETS=true';
      for (const [url, message] of [
        ['http://127.0.0.1:8080/health', '127.0.0.1 is a loopback address'],
        ['http://localhost/', 'localhost is a loopback address'],
        ['http://api.localhost/', 'api.localhost is a loopback address'],
        ['http://10.0.0.1/', '10.0.0.1 is a private address'],
        ['http://192.168.1.1/', '192.168.1.1 is a private address'],
        ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
        ['http://[::1]/', '::1 is a loopback address'],
        ['http://[fe80::1]/', 'fe80::1 is a link-local address'],
        ['http://2130706433/', '127.0.0.1 is a loopback address'], // the WHATWG parser's reading of it
      ]) {
        const res = await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url } });
        expect(res.status, url).toBe(400);
        expect(res.errors?.[0].extensions, url).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'url', message: `${message}; ${SETTING}` }] });
      }
      const rest = await k.client.rest('POST', '/v1/monitors', { name: 'x', url: 'http://127.0.0.1/' });
      expect(rest.status).toBe(400);
      expect(rest.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'url', message: `127.0.0.1 is a loopback address; ${SETTING}` }] });
      // A public address or a name is accepted: a name is judged on what it resolves to, when the check runs.
      const m = (await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: 'https://93.184.215.14/' } })).data!.createMonitor;
      expect((await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: 'https://example.com/' } })).errors).toBeUndefined();
      const update = await k.client.gql(UpdateMonitorDocument, { id: m.id, input: { url: 'http://10.1.2.3/' } });
      expect(update.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'url', message: `10.1.2.3 is a private address; ${SETTING}` }] });
      // One stored before (or while allowed) is judged only when a URL is given: renaming it still works.
      await strict.db.orm.em.fork().nativeUpdate('Monitor', { id: m.id }, { url: 'http://10.1.2.3/' });
      expect((await k.client.gql(UpdateMonitorDocument, { id: m.id, input: { name: 'renamed' } })).errors).toBeUndefined();
      const journey = await k.client.gql(CreateJourneyDocument, {
        input: { name: 'j', steps: [{ name: 'a', request: { url: 'https://example.com/' } }, { name: 'b', request: { url: 'http://[::1]:3000/' } }] } as never,
      });
      expect(journey.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [{ field: 'steps[1].request.url', message: `::1 is a loopback address; ${SETTING}` }],
      });
    } finally {
      await strict.close();
    }
  });
});

describe('plan limits', () => {
  it('refuses monitors beyond the plan and intervals below its minimum with PLAN_LIMIT_EXCEEDED (402)', async () => {
    const free = await t.org('Free Co');
    const k = await t.key(free, ['monitors:read', 'monitors:write']);
    const low = await k.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/health`, intervalSeconds: 60 } });
    expect(low.status).toBe(402);
    expect(low.errors?.[0].extensions).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', plan: 'FREE', limit: 300 });
    for (let i = 0; i < 10; i++) {
      const res = await k.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/health` } });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    }
    const over = await k.client.rest('POST', '/v1/monitors', { name: 'eleventh', url: `${target.url}/health` });
    expect(over.status).toBe(402);
    expect(over.body.error).toMatchObject({ code: 'PLAN_LIMIT_EXCEEDED', limit: 10, used: 10 });
    expect((await k.client.gql(MonitorsDocument, { first: 100 })).data!.monitors.nodes).toHaveLength(10);
  });
});

describe('lists are N+1 free', () => {
  it('runs the same number of SQL queries for 3 and for 30 monitors with their recent runs', async () => {
    const counts: number[] = [];
    for (const n of [3, 30]) {
      const o = await t.org(`Many ${n}`);
      await t.db.orm.em.fork().nativeUpdate('Organization', { id: o.id }, { plan: 'BUSINESS' });
      const k = await t.key(o, ['monitors:read', 'monitors:write', 'monitors:run']);
      for (let i = 0; i < n; i++) {
        const m = (await k.client.gql(CreateMonitorDocument, { input: { name: `m${i}`, url: `${target.url}/health` } })).data!.createMonitor;
        if (i % 3 === 0) await k.client.gql(RunMonitorDocument, { id: m.id });
      }
      await k.client.gql(MonitorsOverviewDocument, { first: 50 }); // warm: key verified, document cached
      t.queries.length = 0;
      const res = await k.client.gql(MonitorsOverviewDocument, { first: 50 });
      expect(res.data!.monitors.nodes).toHaveLength(n);
      expect(res.data!.monitors.nodes.filter((m) => m.recentRuns.length === 1)).toHaveLength(Math.ceil(n / 3));
      counts.push(t.requestQueries().length);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[1]).toBeLessThanOrEqual(4); // key row, monitors page, recent runs, the organization's quota
  });

  it('a page of monitors is one SQL statement (prepared, of the selected columns), for 3 monitors or 60, first page or next', async () => {
    const counts: number[] = [];
    const page = '{ monitors(first: 50) { nodes { id name url status intervalSeconds lastRunAt } pageInfo { endCursor hasNextPage } } }';
    for (const n of [3, 60]) {
      const o = await t.org(`Page ${n}`);
      await t.db.orm.em.fork().nativeUpdate('Organization', { id: o.id }, { plan: 'BUSINESS' });
      const k = await t.key(o, ['monitors:read', 'monitors:write']);
      for (let i = 0; i < n; i++) await k.client.gql(CreateMonitorDocument, { input: { name: `p${i}`, url: `${target.url}/health` } });
      await k.client.gql(page); // warm: key verified, document cached
      t.queries.length = 0;
      const first = (await k.client.gql<{ monitors: { nodes: { name: string }[]; pageInfo: { endCursor: string; hasNextPage: boolean } } }>(page)).data!.monitors;
      counts.push(t.requestQueries().length);
      // The prepared page statement: the selected columns only, the organization bound rather than inlined.
      expect(t.requestQueries()[0]).toMatch(/^.*select "e"\."\w+".* from "monitors" as "e" where "e"\."organization_id" = \$1 order by/);
      expect(t.requestQueries()[0]).not.toMatch(/"e"\.\*|"e"\."headers"|org_/);
      expect(first.nodes).toHaveLength(Math.min(n, 50));
      expect(first.nodes[0].name).toBe(`p${n - 1}`); // newest first
      if (n > 50) {
        t.queries.length = 0;
        const next = (await k.client.gql<{ monitors: { nodes: { name: string }[] } }>(`{ monitors(first: 50, after: "${first.pageInfo.endCursor}") { nodes { name } } }`)).data!.monitors;
        counts.push(t.requestQueries().length);
        expect(next.nodes.map((m) => m.name)).toEqual(Array.from({ length: n - 50 }, (_, i) => `p${n - 51 - i}`));
      }
    }
    expect(counts).toEqual([1, 1, 1]);
  });

  it("recentRuns is each monitor's newest runs, ties broken by id, however long its history", async () => {
    const o = await t.org('History Co');
    await t.db.orm.em.fork().nativeUpdate('Organization', { id: o.id }, { plan: 'BUSINESS' });
    const k = await t.key(o, ['monitors:read', 'monitors:write']);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await k.client.gql(CreateMonitorDocument, { input: { name: `h${i}`, url: `${target.url}/health` } })).data!.createMonitor.id);
    // The monitors have 120, 80, 40 and 0 runs, five to each instant (the newest instant differs per monitor), with
    // ids in no particular order: within an instant the order is the ids'.
    await t.db.orm.em.getConnection().execute(
      `insert into runs (id, organization_id, check_id, trigger, status, started_at, slot_at, finished_at, duration_ms, assertions)
       select 'run_h' || left(md5(m.id || g), 16), ?, m.id, 'SCHEDULED', 'PASSED',
              now() - ((g / 5) * 60 + m.n) * interval '1 second', now() - ((g / 5) * 60 + m.n) * interval '1 second', now(), g, '[]'
         from unnest(array[?]::text[]) with ordinality as m(id, n), generate_series(1, 120) g
        where g <= 40 * (4 - m.n)`,
      [o.id, ids],
    );
    for (const limit of [1, 7, 50]) {
      const res = await k.client.gql(`query($n: Int!) { monitors(first: 10) { nodes { id recentRuns(limit: $n) { id startedAt } } } }`, { n: limit });
      const nodes = (res.data as { monitors: { nodes: Array<{ id: string; recentRuns: Array<{ id: string }> }> } }).monitors.nodes;
      expect(nodes).toHaveLength(4);
      for (const node of nodes) {
        // The same newest-first (startedAt, id) order as the run pages: monitorRuns' first page is the truth.
        const page = (await k.client.gql(MonitorRunsDocument, { monitorId: node.id, first: limit })).data!.monitorRuns.nodes.map((r) => r.id);
        expect(node.recentRuns.map((r) => r.id), `${node.id} limit ${limit}`).toEqual(page);
        expect(node.recentRuns).toHaveLength(Math.min(limit, 40 * (4 - ids.indexOf(node.id) - 1)));
      }
    }
    // Journeys read the same way, by check_id.
    const j = await t.key(o, ['journeys:read', 'journeys:write']);
    const steps = [{ name: 's', request: { method: 'GET' as const, url: `${target.url}/health` } }];
    const journey = (await j.client.gql(CreateJourneyDocument, { input: { name: 'flow', steps } })).data!.createJourney.id;
    await t.db.orm.em.getConnection().execute(
      `insert into runs (id, organization_id, check_id, trigger, status, started_at, slot_at, finished_at, duration_ms, assertions, steps)
       select 'run_j' || left(md5(g::text), 16), ?, ?, 'SCHEDULED', 'PASSED', now() - (g / 2) * interval '1 minute', now() - (g / 2) * interval '1 minute', now(), g, '[]', '[]'
         from generate_series(1, 9) g`,
      [o.id, journey],
    );
    const res = await j.client.gql(`{ journeys { nodes { id recentRuns(limit: 4) { id } } } }`);
    const page = (await j.client.gql(JourneyRunsDocument, { journeyId: journey, first: 4 })).data!.journeyRuns.nodes.map((r) => r.id);
    expect((res.data as { journeys: { nodes: Array<{ recentRuns: Array<{ id: string }> }> } }).journeys.nodes[0].recentRuns.map((r) => r.id)).toEqual(page);
  });
});
