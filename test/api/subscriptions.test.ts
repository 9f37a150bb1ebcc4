/**
 * GraphQL subscriptions over WebSocket (graphql-transport-ws on /graphql): a plain graphql-ws client against the real
 * server, real runs of real checks by the in-process worker against a local target, real keys revoked and expired.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlertChangedDocument,
  CheckSessionUpdatedDocument,
  CheckStatusChangedDocument,
  CreateMonitorDocument,
  PauseMonitorDocument,
  UpdateMonitorDocument,
  ResumeMonitorDocument,
  RevokeApiKeyDocument,
  RollApiKeyDocument,
  RunMonitorDocument,
  RunRecordedDocument,
  TriggerChecksDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { json, startTarget, type Target } from '../helpers/target';
import { liveClient } from '../helpers/live';
import { addPerson, post } from '../helpers/people';
import { forgeKey } from '../helpers/keys';
import { rootFieldOf, seedOrganization, SUBSCRIPTIONS } from '../helpers/operations';
import { SCOPES, type Permission } from '../../src/authorization/scopes';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let target: Target;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;
/** What /flip answers: 200 while true. */
let healthy = true;
const open: Array<{ dispose(): Promise<void> | void }> = [];

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/ok', json(200, { ok: true }));
  target.route('/down', json(500, { ok: false }));
  target.route('/flip', (req, res, body) => json(healthy ? 200 : 500, { healthy })(req, res, body));
  org = await t.org('Live Inc');
  admin = await t.key(org, ['all']);
});

afterAll(async () => {
  for (const c of open) await c.dispose();
  await t?.close();
  await target?.close();
});

const client = (authorization?: string, extra: Parameters<typeof liveClient>[1] = {}) => {
  const c = liveClient(t.baseUrl, { authorization, ...extra });
  open.push(c);
  return c;
};

async function monitor(path: string, name = `m ${path}`): Promise<string> {
  const res = await admin.client.gql(CreateMonitorDocument, { input: { name, url: `${target.url}${path}`, failureThreshold: 1 } });
  expect(res.errors).toBeUndefined();
  return res.data!.createMonitor.id;
}

async function runOnce(id: string): Promise<string> {
  const res = await admin.client.gql(RunMonitorDocument, { id });
  expect(res.errors).toBeUndefined();
  return res.data!.runMonitor.id;
}

describe('connection_init', () => {
  it('closes with 4401 before any subscription for no key, a bad key, a revoked key and an expired key', async () => {
    const revoked = await t.key(org, ['all']);
    await admin.client.gql(RevokeApiKeyDocument, { id: revoked.id });
    const expired = await t.key(org, ['all'], { expiresAt: new Date(Date.now() + 300) });
    await new Promise((r) => setTimeout(r, 400));
    const causes = [undefined, 'Bearer izli_sk_live_nonsense', `Bearer ${admin.key}x`, `Bearer ${revoked.key}`, `Bearer ${expired.key}`];
    for (const authorization of causes) {
      const c = client(authorization);
      const sub = c.subscribe(AlertChangedDocument);
      expect(await c.closed()).toBe(4401);
      expect(sub.results).toEqual([]);
    }
  });
});

describe('scopes', () => {
  it('answers FORBIDDEN with the missing scopes for a subscription the key may not make, and streams nothing', async () => {
    const reader = await t.key(org, ['monitors:read']);
    const c = client(`Bearer ${reader.key}`);
    const alerts = c.subscribe(AlertChangedDocument);
    await alerts.ended();
    expect(alerts.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['alerts:read'] });
    const id = await monitor('/ok');
    const runs = c.subscribe(RunRecordedDocument, { checkId: id });
    await runs.ended();
    expect(runs.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['journeys:read'] });
    await runOnce(id);
    await new Promise((r) => setTimeout(r, 200));
    expect(alerts.results).toEqual([]);
    expect(runs.results).toEqual([]);
  });

  it("refuses another organization's check as NOT_FOUND and never delivers its events", async () => {
    const other = await t.org('Other Co');
    const outsider = await t.key(other, ['all']);
    const c = client(`Bearer ${outsider.key}`);
    const id = await monitor('/ok');
    const runs = c.subscribe(RunRecordedDocument, { checkId: id });
    await runs.ended();
    expect(runs.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
    const statuses = c.subscribe(CheckStatusChangedDocument, {});
    const alerts = c.subscribe(AlertChangedDocument);
    // Org A's monitor goes DOWN and opens an alert; the other organization hears nothing of it.
    const mine = client(`Bearer ${admin.key}`);
    const seen = mine.subscribe(CheckStatusChangedDocument, { checkIds: [id] });
    healthy = true;
    const flip = await monitor('/flip');
    const flipping = mine.subscribe(CheckStatusChangedDocument, { checkIds: [flip] });
    await runOnce(flip);
    await flipping.nth(1);
    await runOnce(id);
    await seen.nth(1);
    expect(statuses.results).toEqual([]);
    expect(alerts.results).toEqual([]);
  });
});

describe('the scope sweep over every subscription (test/helpers/operations.ts SUBSCRIPTIONS)', () => {
  it('refuses exactly the missing scopes, each scope alone and all of them, and answers NOT_FOUND for ids of nothing', async () => {
    const seeded = await seedOrganization(t, 'Swept', target.url);
    const sweepOrg = (await t.db.orm.em.fork().getConnection().execute<{ organization_id: string }[]>('select organization_id from monitors where id = ?', [seeded.ids.monitor]))[0].organization_id;
    const held: Permission[][] = [...SCOPES.map((s) => [s] as Permission[]), ['all']];
    let denied = 0;
    await Promise.all(
      held.map(async (permissions) => {
        const { key } = await t.key({ id: sweepOrg } as Organization, permissions);
        const c = client(`Bearer ${key}`);
        for (const op of SUBSCRIPTIONS) {
          const name = rootFieldOf(op.document);
          const missing = permissions.includes('all') ? [] : op.scopes.filter((s) => !permissions.includes(s));
          // The seeded ids for the scope check (a session's scopes depend on what it ran), nothing else streamed.
          const sub = c.subscribe(op.document, op.variables(seeded.ids, target.url));
          // A refusal comes (an `error` message); an accepted subscription stays open and streams nothing here.
          await (missing.length ? sub.ended() : Promise.race([sub.ended(), new Promise((r) => setTimeout(r, 300))]));
          const code = sub.errors?.[0]?.extensions?.code;
          if (missing.length) {
            denied++;
            expect([name, permissions, code, sub.errors?.[0]?.extensions?.missingScopes]).toEqual([name, permissions, 'FORBIDDEN', missing]);
            expect(sub.results).toEqual([]);
          } else expect([name, permissions, code]).not.toEqual([name, permissions, 'FORBIDDEN']);
          sub.stop();
          if (op.byId && !missing.length) {
            const none = c.subscribe(op.document, op.absent);
            await none.ended();
            expect([name, none.errors?.[0]?.extensions?.code]).toEqual([name, 'NOT_FOUND']);
          }
        }
      }),
    );
    expect(denied).toBeGreaterThan(20);
  });
});

describe('events', () => {
  it('runRecorded delivers every run of a real check, in order', async () => {
    const id = await monitor('/ok');
    const c = client(`Bearer ${admin.key}`);
    const runs = c.subscribe(RunRecordedDocument, { checkId: id });
    await new Promise((r) => setTimeout(r, 100)); // subscribed before the runs
    const first = await runOnce(id);
    const second = await runOnce(id);
    const a = await runs.nth(1);
    const b = await runs.nth(2);
    expect(a.errors).toBeUndefined();
    expect([(a.data as { runRecorded: { id: string } }).runRecorded.id, (b.data as { runRecorded: { id: string } }).runRecorded.id]).toEqual([first, second]);
    expect((a.data as { runRecorded: { status: string; monitorId: string } }).runRecorded).toMatchObject({ status: 'PASSED', monitorId: id });
  });

  it('checkStatusChanged flips to DOWN when the target breaks, and alertChanged says the alert OPENED', async () => {
    healthy = true;
    const id = await monitor('/flip', 'Flipping');
    await runOnce(id); // PENDING → UP
    const c = client(`Bearer ${admin.key}`);
    const statuses = c.subscribe(CheckStatusChangedDocument, { checkIds: [id] });
    const alerts = c.subscribe(AlertChangedDocument);
    await new Promise((r) => setTimeout(r, 100));
    healthy = false;
    const failed = await runOnce(id);
    const down = (await statuses.nth(1)).data as { checkStatusChanged: Record<string, unknown> };
    expect(down.checkStatusChanged).toMatchObject({ status: 'DOWN', previousStatus: 'UP', check: { id, name: 'Flipping', status: 'DOWN' }, run: { id: failed, status: 'FAILED' } });
    const opened = (await alerts.nth(1)).data as { alertChanged: Record<string, unknown> };
    expect(opened.alertChanged).toMatchObject({ change: 'OPENED', alert: { status: 'OPEN', source: { id } } });
    healthy = true;
    await runOnce(id);
    const up = (await statuses.nth(2)).data as { checkStatusChanged: Record<string, unknown> };
    expect(up.checkStatusChanged).toMatchObject({ status: 'UP', previousStatus: 'DOWN' });
    expect(((await alerts.nth(2)).data as { alertChanged: { change: string } }).alertChanged.change).toBe('RESOLVED');
  });

  it('checkStatusChanged says when a person pauses and resumes a check, with no run', async () => {
    const id = await monitor('/ok', 'Paused by hand');
    const c = client(`Bearer ${admin.key}`);
    const statuses = c.subscribe(CheckStatusChangedDocument, { checkIds: [id] });
    await c.connected();
    await new Promise((r) => setTimeout(r, 100));
    expect((await admin.client.gql(PauseMonitorDocument, { id })).errors).toBeUndefined();
    const paused = (await statuses.nth(1)).data as { checkStatusChanged: Record<string, unknown> };
    expect(paused.checkStatusChanged).toMatchObject({ status: 'PAUSED', previousStatus: 'PENDING', run: null, check: { id, status: 'PAUSED' } });
    expect((await admin.client.gql(ResumeMonitorDocument, { id })).errors).toBeUndefined();
    const resumed = (await statuses.nth(2)).data as { checkStatusChanged: Record<string, unknown> };
    expect(resumed.checkStatusChanged).toMatchObject({ status: 'PENDING', previousStatus: 'PAUSED', run: null });
    // `paused` given to an update is a pause too, and said the same way; an update that leaves it says nothing
    expect((await admin.client.gql(UpdateMonitorDocument, { id, input: { name: 'Renamed only' } })).errors).toBeUndefined();
    expect((await admin.client.gql(UpdateMonitorDocument, { id, input: { paused: true } })).errors).toBeUndefined();
    const updated = (await statuses.nth(3)).data as { checkStatusChanged: Record<string, unknown> };
    expect(updated.checkStatusChanged).toMatchObject({ status: 'PAUSED', previousStatus: 'PENDING', run: null });
    expect(statuses.results).toHaveLength(3);
  });

  it('checkSessionUpdated follows a session until it PASSED, then completes', async () => {
    const id = await monitor('/ok');
    const triggered = await admin.client.gql(TriggerChecksDocument, { input: { checkIds: [id] } });
    expect(triggered.errors).toBeUndefined();
    const c = client(`Bearer ${admin.key}`);
    const session = c.subscribe(CheckSessionUpdatedDocument, { id: triggered.data!.triggerChecks.id });
    await session.ended(15_000);
    expect(session.completed).toBe(true);
    const last = session.results.at(-1)!.data as { checkSessionUpdated: { status: string; runs: Array<{ status: string }> } };
    expect(last.checkSessionUpdated.status).toBe('PASSED');
    expect(last.checkSessionUpdated.runs.map((r) => r.status)).toEqual(['PASSED']);
  });
});

describe('revocation', () => {
  it('revoking a key closes its subscriptions with 4403 at once', async () => {
    const doomed = await t.key(org, ['all']);
    const c = client(`Bearer ${doomed.key}`);
    const alerts = c.subscribe(AlertChangedDocument);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.app.live.connections).toBeGreaterThan(0);
    const started = Date.now();
    const closed = c.closed();
    await admin.client.gql(RevokeApiKeyDocument, { id: doomed.id });
    expect(await closed).toBe(4403);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(alerts.results).toEqual([]);
  });

  it('rolling a key without grace closes the old key\'s subscriptions with 4403; the new key subscribes', async () => {
    const rolled = await t.key(org, ['all']);
    const c = client(`Bearer ${rolled.key}`);
    c.subscribe(AlertChangedDocument);
    await c.connected();
    const closed = c.closed();
    const res = await admin.client.gql(RollApiKeyDocument, { id: rolled.id, gracePeriod: 'NONE' as never });
    expect(res.errors).toBeUndefined();
    expect(await closed).toBe(4403);
    const next = client(`Bearer ${res.data!.rollApiKey.key}`);
    const sub = next.subscribe(AlertChangedDocument);
    await next.connected();
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.errors).toBeUndefined();
  });

  it('a session cookie works from the same origin only, and signing out closes its subscriptions with 4403', async () => {
    const person = await addPerson(t, org, 'live@example.com', 'ADMIN');
    const foreign = client(undefined, { headers: { cookie: person.cookie, origin: 'https://evil.example' } });
    foreign.subscribe(AlertChangedDocument);
    expect(await foreign.closed()).toBe(4401);
    const c = client(undefined, { headers: { cookie: person.cookie, origin: t.baseUrl } });
    const alerts = c.subscribe(AlertChangedDocument);
    await c.connected();
    await new Promise((r) => setTimeout(r, 100));
    expect(alerts.errors).toBeUndefined();
    const closed = c.closed();
    expect((await post(t.baseUrl, '/auth/sign-out', {}, { cookie: person.cookie, origin: t.baseUrl })).status).toBe(204);
    expect(await closed).toBe(4403);
  });

  it("closes with 4403 at the key's expiry instant", async () => {
    const expiresAt = new Date(Date.now() + 1500);
    const brief = await t.key(org, ['all'], { expiresAt });
    const c = client(`Bearer ${brief.key}`);
    c.subscribe(AlertChangedDocument);
    expect(await c.closed(5000)).toBe(4403);
    expect(Math.abs(Date.now() - expiresAt.getTime())).toBeLessThan(1000);
  });
});

describe('limits', () => {
  it('serves only subscriptions over WebSocket', async () => {
    const c = client(`Bearer ${admin.key}`);
    const q = c.subscribe('query { me { organization { id } } }');
    await q.ended();
    expect(q.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const unknown = c.subscribe('subscription { alertChanged { nope } }');
    await unknown.ended();
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
    const broken = c.subscribe('subscription { alertChanged { ');
    await broken.ended();
    expect(broken.errors?.[0].extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED' });
    for (const e of [...q.errors!, ...unknown.errors!, ...broken.errors!]) expect(JSON.stringify(e)).not.toMatch(/stack|at .*\.js:\d+/);
  });
});

describe('with tiny limits', () => {
  let small: TestApp;
  let key: string;
  beforeAll(async () => {
    small = await startTestApp({ LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '1', LIVE_MAX_CONNECTIONS_PER_KEY: '1', GRAPHQL_MAX_DEPTH: '2', AUTH_FAILURE_LIMIT: '3' });
    key = (await small.key(await small.org('Tiny'), ['all'])).key;
  });
  afterAll(async () => small?.close());

  it('applies the document limits of queries to subscriptions', async () => {
    const c = liveClient(small.baseUrl, { authorization: `Bearer ${key}` });
    open.push(c);
    const deep = c.subscribe(CheckStatusChangedDocument, {});
    await deep.ended();
    expect(deep.errors?.[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP' });
    c.dispose();
  });

  it('counts failed connection_inits on the failure limiter HTTP uses: past the limit, 4429, and HTTP answers 429 too', async () => {
    for (let i = 0; i < 3; i++) {
      const c = liveClient(small.baseUrl, { authorization: `Bearer ${forgeKey(`ZZZZZZZZZZZ${i}`)}` });
      open.push(c);
      c.subscribe('subscription { alertChanged { change } }');
      expect(await c.closed()).toBe(4401);
    }
    const next = liveClient(small.baseUrl, { authorization: `Bearer ${forgeKey('ZZZZZZZZZZZY')}` });
    open.push(next);
    next.subscribe('subscription { alertChanged { change } }');
    expect(await next.closed()).toBe(4429);
    expect((await small.client(forgeKey('ZZZZZZZZZZZX')).gql('{ me { organization { id } } }')).status).toBe(429);
  });

  it('limits subscriptions per connection and connections per key', async () => {
    const c = liveClient(small.baseUrl, { authorization: `Bearer ${key}` });
    open.push(c);
    const first = c.subscribe('subscription { alertChanged { change } }');
    const second = c.subscribe('subscription { alertChanged { at } }');
    await second.ended();
    expect(second.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(first.errors).toBeUndefined();
    const d = liveClient(small.baseUrl, { authorization: `Bearer ${key}` });
    open.push(d);
    d.subscribe('subscription { alertChanged { change } }');
    expect(await d.closed()).toBe(4429);
    c.dispose();
  });

});

describe('with tiny limits: what a connection holds', () => {
  let small: TestApp;
  let key: string;
  beforeAll(async () => {
    small = await startTestApp({ LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '1', HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '300' });
    key = (await small.key(await small.org('Holds'), ['all'])).key;
  });
  afterAll(async () => small?.close());

  it('a completed subscription frees its place on the connection and its event stream, though no event ever came to it', async () => {
    const c = liveClient(small.baseUrl, { authorization: `Bearer ${key}` });
    open.push(c);
    for (let i = 0; i < 4; i++) {
      const s = c.subscribe('subscription { alertChanged { change } }');
      // Taken once its stream exists (the server ended the one before, which was stopped apart from this, first).
      await expect.poll(() => small.app.services.live.streams, { timeout: 5000 }).toBe(1);
      expect(s.errors, `subscription ${i + 1}`).toBeUndefined();
      s.stop();
      // A stream waiting for an event used to be ended only by its next event: held (its listener, its socket) for good.
      await expect.poll(() => small.app.services.live.streams, { timeout: 2000 }).toBe(0);
    }
    c.dispose();
  });

  it('a WebSocket held past the HTTP timeouts stays open: it is no HTTP request to cut with a 408', async () => {
    const c = liveClient(small.baseUrl, { authorization: `Bearer ${key}` });
    open.push(c);
    const s = c.subscribe('subscription { alertChanged { change } }');
    // The slow-client sweep cut an upgraded socket after HTTP_HEADERS_TIMEOUT_MS, writing "HTTP/1.1 408" into it.
    await expect(c.closed(1500)).rejects.toThrow('did not close');
    expect(s.errors).toBeUndefined();
    c.dispose();
  });

  it('a malformed frame closes that socket only: the server goes on', async () => {
    const ws = new WebSocket(`${small.baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.on('error', () => {}); // the client's side of the broken exchange
    // A text frame with RSV1 set and no extension negotiated: ws rejects it ("RSV1 must be clear") as an 'error'.
    (ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0xc1, 0x80, 0, 0, 0, 0]));
    await closed;
    expect((await small.client(key).gql('{ me { organization { id } } }')).status).toBe(200);
  });
});

describe('with a tiny send buffer', () => {
  let tiny: TestApp;
  beforeAll(async () => {
    tiny = await startTestApp({ LIVE_SEND_BUFFER_BYTES: '150' });
  });
  afterAll(async () => tiny?.close());

  it('closes a client that cannot take what is sent with 4408, never buffering without bound', async () => {
    const owner = await tiny.key(await tiny.org('Tiny'), ['all']);
    const l = liveClient(tiny.baseUrl, { authorization: `Bearer ${owner.key}` });
    open.push(l);
    const m = await owner.client.gql(CreateMonitorDocument, { input: { name: 'x', url: `${target.url}/ok` } });
    const id = m.data!.createMonitor.id;
    // The acknowledgement fits in 150 bytes; a run with its times does not.
    l.subscribe('subscription($id: ID!) { runRecorded(checkId: $id) { id status location startedAt finishedAt durationMs } }', { id });
    await new Promise((r) => setTimeout(r, 200));
    await owner.client.gql(RunMonitorDocument, { id });
    expect(await l.closed()).toBe(4408);
  });
});

describe('Apollo Client 4', () => {
  it('subscribes through GraphQLWsLink and receives runs of a real check', async () => {
    const { ApolloClient, InMemoryCache } = await import('@apollo/client');
    const { GraphQLWsLink } = await import('@apollo/client/link/subscriptions');
    const { createClient } = await import('graphql-ws');
    const WebSocket = (await import('ws')).default;
    const ws = createClient({ url: `${t.baseUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin.key}` }, retryAttempts: 0 });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache() });
    try {
      const id = await monitor('/ok', 'Through Apollo');
      const got: Array<{ id: string; status: string }> = [];
      const subscription = apollo.subscribe({ query: RunRecordedDocument, variables: { checkId: id } }).subscribe({
        next: (result) => result.data && got.push(result.data.runRecorded),
      });
      await new Promise((r) => setTimeout(r, 300));
      const ran = await runOnce(id);
      const until = Date.now() + 10_000;
      while (!got.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      subscription.unsubscribe();
      expect(got).toMatchObject([{ id: ran, status: 'PASSED' }]);
    } finally {
      apollo.stop();
      await ws.dispose();
    }
  });
});
