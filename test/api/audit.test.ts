import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcknowledgeAlertDocument,
  AlertsDocument,
  ApiKeysDocument,
  AuditEventsDocument,
  CreateApiKeyDocument,
  CreateJourneyDocument,
  CreateMonitorDocument,
  DeleteMonitorDocument,
  InviteMemberDocument,
  RevokeInvitationDocument,
  MeDocument,
  PauseJourneyDocument,
  PauseMonitorDocument,
  RemoveMemberDocument,
  ResolveAlertDocument,
  RevokeApiKeyDocument,
  ResumeJourneyDocument,
  ResumeMonitorDocument,
  RollApiKeyDocument,
  CheckSessionDocument,
  CreateNotificationChannelDocument,
  RunDocument,
  RunJourneyDocument,
  RunMonitorDocument,
  TestNotificationChannelDocument,
  TriggerChecksDocument,
  UpdateOrganizationDocument,
  UpdateJourneyDocument,
  UpdateMemberRoleDocument,
  UpdateMonitorDocument,
} from '../../src/client/generated/graphql';
import { forgeKey } from '../helpers/keys';
import { newId } from '../../src/modules/common/ids';
import { startTestApp, type TestApp } from '../helpers/app';
import { acceptInvite } from '../helpers/people';
import { startTarget, type Target } from '../helpers/target';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let target: Target;
let org: Organization;
let admin: Awaited<ReturnType<TestApp['key']>>;

beforeAll(async () => {
  t = await startTestApp();
  target = await startTarget();
  target.route('/down', (_req, res) => res.writeHead(500).end());
  org = await t.org('Acme Inc');
  admin = await t.key(org, ['all'], { name: 'admin' });
});
afterAll(async () => {
  await target?.close();
  await t?.close();
});

const events = async (vars: { action?: string; keyId?: string; first?: number; after?: string } = {}) => {
  const res = await admin.client.gql(AuditEventsDocument, vars);
  expect(res.errors).toBeUndefined();
  return res.data!.auditEvents;
};

describe('audit log', () => {
  // One history of the admin key's changes, which the first two tests read (each alone, in any order).
  let started: number;
  let created: { apiKey: { id: string } };
  let rolled: { apiKey: { id: string } };
  let revoked: { id: string };
  let invited: { invitation: { id: string }; inviteUrl?: string | null };
  let member: { id: string };
  let monitor: { id: string };
  let alert: { id: string };
  beforeAll(async () => {
    started = Date.now();
    created = (await admin.client.gql(CreateApiKeyDocument, { input: { name: 'ci', permissions: ['monitors:read'] } })).data!.createApiKey;
    rolled = (await admin.client.gql(RollApiKeyDocument, { id: created.apiKey.id, gracePeriod: 'NONE' })).data!.rollApiKey;
    await admin.client.gql(RevokeApiKeyDocument, { id: rolled.apiKey.id });

    revoked = (await admin.client.gql(InviteMemberDocument, { input: { email: 'ana@example.com', role: 'VIEWER' } })).data!.inviteMember.invitation;
    await admin.client.gql(RevokeInvitationDocument, { id: revoked.id });
    invited = (await admin.client.gql(InviteMemberDocument, { input: { email: 'ana@example.com', role: 'VIEWER' } })).data!.inviteMember;
    // Accepted by the person (the event is theirs, not the admin key's).
    member = (await acceptInvite(t, invited.inviteUrl!)).body.data!.member;
    await admin.client.gql(UpdateMemberRoleDocument, { id: member.id, role: 'ADMIN' });
    await admin.client.gql(UpdateMemberRoleDocument, { id: member.id, role: 'ADMIN' }); // no change: no event
    await admin.client.gql(RemoveMemberDocument, { id: member.id });

    monitor = (await admin.client.gql(CreateMonitorDocument, { input: { name: 'Down', url: `${target.url}/down`, failureThreshold: 1 } })).data!
      .createMonitor;
    await admin.client.gql(RunMonitorDocument, { id: monitor.id });
    alert = (await admin.client.gql(AlertsDocument, { status: 'OPEN', checkId: monitor.id })).data!.alerts.nodes[0];
    await admin.client.gql(AcknowledgeAlertDocument, { id: alert.id });
    await admin.client.gql(ResolveAlertDocument, { id: alert.id });
    await admin.client.gql(DeleteMonitorDocument, { id: monitor.id });
  });

  it('records every security-relevant change with actor key, target, address and time', async () => {
    const log = await events({ first: 100, keyId: admin.id });
    const seen = log.nodes.map((e) => [e.action, e.target]).reverse();
    expect(seen).toEqual([
      ['api_key.created', created.apiKey.id],
      ['api_key.rotated', created.apiKey.id],
      ['api_key.created', rolled.apiKey.id],
      ['api_key.revoked', rolled.apiKey.id],
      ['member.invited', revoked.id],
      ['invitation.revoked', revoked.id],
      ['member.invited', invited.invitation.id],
      ['member.role_changed', member.id],
      ['member.removed', member.id],
      ['monitor.created', monitor.id],
      ['monitor.run', monitor.id],
      ['alert.acknowledged', alert.id],
      ['alert.resolved', alert.id],
      ['monitor.deleted', monitor.id],
    ]);
    for (const e of log.nodes) {
      expect(e).toMatchObject({ actorKeyId: admin.id, actor: { type: 'API_KEY', id: admin.id, name: 'admin' }, ip: '127.0.0.1' });
      expect(e.id).toMatch(/^aud_/);
      expect(new Date(e.createdAt).getTime()).toBeGreaterThanOrEqual(started - 1000);
    }
  });

  it('filters by action and acting key, pages newest first, and shows nothing of other organizations', async () => {
    const other = await t.org('Other Org');
    const stranger = await t.key(other, ['all']);
    await stranger.client.gql(InviteMemberDocument, { input: { email: 'eve@example.com', role: 'OWNER' } });
    const reader = await t.key(org, ['organization:read']);

    const invitations = await events({ action: 'member.invited' });
    expect(invitations.nodes.map((e) => e.action)).toEqual(['member.invited', 'member.invited']); // not the other organization's
    expect((await events({ keyId: stranger.id })).nodes).toEqual([]);
    expect((await events({ keyId: admin.id })).nodes.length).toBe(14);
    expect((await events({ action: 'invitation.accepted' })).nodes.map((e) => e.actorKeyId)).toEqual([expect.stringMatching(/^mem_/)]); // the person who accepted
    const byCli = await events({ keyId: 'cli', action: 'api_key.created' });
    expect(byCli.nodes.map((e) => [e.target, e.ip])).toContainEqual([admin.id, null]); // made by the CLI: no address
    for (const e of byCli.nodes) expect(e.actor).toEqual({ type: 'SYSTEM', id: 'cli', name: 'cli' });

    const first = await events({ first: 4 });
    const second = await events({ first: 4, after: first.pageInfo.endCursor! });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const ids = [...first.nodes, ...second.nodes].map((e) => e.id);
    expect(new Set(ids).size).toBe(8);
    const times = [...first.nodes, ...second.nodes].map((e) => new Date(e.createdAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));

    expect((await reader.client.gql(AuditEventsDocument, {})).status).toBe(200);
    const rest = await reader.client.rest('GET', `/v1/audit-events?action=api_key.revoked&key_id=${admin.id}`);
    expect(rest.status).toBe(200);
    expect((rest.body.data as { nodes: { action: string; actor_key_id: string }[] }).nodes).toEqual([
      expect.objectContaining({ action: 'api_key.revoked', actor_key_id: admin.id }),
    ]);
  });

  it('needs organization:read and refuses unknown actions with BAD_USER_INPUT', async () => {
    const monitorsOnly = await t.key(org, ['monitors:read']);
    const denied = await monitorsOnly.client.gql(AuditEventsDocument, {});
    expect(denied.status).toBe(403);
    expect(denied.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: ['organization:read'] });
    const bad = await admin.client.gql(AuditEventsDocument, { action: 'api_key.stolen' });
    expect(bad.status).toBe(400);
    expect(bad.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('a refused change writes no event', async () => {
    // Its own organization: the CLI's invitation below is not one the other tests count.
    const o = await t.org('Refusals Inc');
    const own = await t.key(o, ['all'], { name: 'refused' });
    const byOwn = async () => {
      const res = await own.client.gql(AuditEventsDocument, { first: 100, keyId: own.id });
      expect(res.errors).toBeUndefined();
      return res.data!.auditEvents.nodes.length;
    };
    const before = await byOwn();
    await t.app.services.members.invite(t.db.orm.em.fork(), null, { keyId: 'cli', organizationId: o.id, name: 'cli', ip: null }, { email: 'dup@example.com', role: 'VIEWER' });
    const dup = await own.client.gql(InviteMemberDocument, { input: { email: 'dup@example.com', role: 'VIEWER' } });
    expect(dup.errors![0].extensions!.code).toBe('CONFLICT');
    const escalate = await own.client.gql(CreateApiKeyDocument, {
      input: { name: 'x', permissions: ['all'], expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(escalate.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(await byOwn()).toBe(before); // the member was added by the CLI; nothing refused wrote an event
  });
});

describe('actions that leave a trace without changing a check', () => {
  it('renaming the organization, a test send, manual runs and triggerChecks are audited; runs record the key that started them', async () => {
    const o = await t.org('Trace Inc');
    const owner = await t.key(o, ['all'], { name: 'owner' });
    const ci = await t.key(o, ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run'], { name: 'ci' });
    const log = async (keyId: string) =>
      (await owner.client.gql(AuditEventsDocument, { first: 100, keyId })).data!.auditEvents.nodes.map((e) => [e.action, e.target, e.changedFields, e.ip]).reverse();

    expect((await owner.client.gql(UpdateOrganizationDocument, { name: 'Trace Corp' })).status).toBe(200);
    expect((await owner.client.gql(UpdateOrganizationDocument, { name: 'Trace Corp' })).status).toBe(200); // no change: no event
    const channel = (await owner.client.gql(CreateNotificationChannelDocument, { input: { name: 'hook', type: 'WEBHOOK', url: `${target.url}/hook` } })).data!
      .createNotificationChannel.channel;
    expect((await owner.client.gql(TestNotificationChannelDocument, { id: channel.id })).status).toBe(200);
    expect((await owner.client.rest('POST', `/v1/notification-channels/${channel.id}/test`)).status).toBeLessThan(300);
    const monitor = (await owner.client.gql(CreateMonitorDocument, { input: { name: 'm', url: `${target.url}/down`, tags: ['smoke'] } })).data!.createMonitor;
    const journey = (await owner.client.gql(CreateJourneyDocument, { input: { name: 'j', steps: [{ name: 's', request: { method: 'GET', url: `${target.url}/down` } }] } }))
      .data!.createJourney;
    expect(await log(owner.id)).toEqual([
      ['organization.updated', o.id, ['name'], '127.0.0.1'],
      ['notification_channel.created', channel.id, null, '127.0.0.1'],
      ['notification_channel.tested', channel.id, null, '127.0.0.1'],
      ['notification_channel.tested', channel.id, null, '127.0.0.1'],
      ['monitor.created', monitor.id, null, '127.0.0.1'],
      ['journey.created', journey.id, null, '127.0.0.1'],
    ]);

    // Manual runs (GraphQL and REST) and a check session, by the CI key: each audited, each run naming the key.
    const byGql = (await ci.client.gql(RunMonitorDocument, { id: monitor.id })).data!.runMonitor;
    expect(byGql.triggeredBy).toBe(ci.id);
    const byRest = await ci.client.rest('POST', `/v1/monitors/${monitor.id}/runs`);
    expect(byRest.body.data).toMatchObject({ trigger: 'MANUAL', triggered_by: ci.id });
    const journeyRun = (await ci.client.gql(RunJourneyDocument, { id: journey.id })).data!.runJourney;
    expect(journeyRun.triggeredBy).toBe(ci.id);
    const session = (await ci.client.gql(TriggerChecksDocument, { input: { tags: ['smoke'] } })).data!.triggerChecks;
    let sessionRunId = '';
    for (let i = 0; i < 300 && !sessionRunId; i++) {
      const s = (await ci.client.gql(CheckSessionDocument, { id: session.id })).data!.checkSession;
      if (s.status !== 'RUNNING') sessionRunId = s.runs[0].runId!;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const sessionRun = (await ci.client.gql(RunDocument, { id: sessionRunId })).data!.run;
    expect(sessionRun).toMatchObject({ trigger: 'MANUAL', triggeredBy: ci.id });
    expect((await ci.client.rest('GET', `/v1/runs/${sessionRunId}`)).body.data).toMatchObject({ triggered_by: ci.id });
    expect(await log(ci.id)).toEqual([
      ['monitor.run', monitor.id, null, '127.0.0.1'],
      ['monitor.run', monitor.id, null, '127.0.0.1'],
      ['journey.run', journey.id, null, '127.0.0.1'],
      ['check_session.triggered', session.id, null, '127.0.0.1'],
    ]);

    // A scheduled run has no key.
    const job = { kind: 'monitor' as const, checkId: monitor.id, organizationId: o.id, location: 'local', scheduledAt: new Date().toISOString(), runId: newId('run'), trigger: 'SCHEDULED' as const };
    expect(await t.app.services.runs.execute(t.db.orm.em.fork(), job)).toBe('recorded');
    const scheduled = (await owner.client.gql(RunDocument, { id: job.runId })).data!.run;
    expect(scheduled).toMatchObject({ trigger: 'SCHEDULED', triggeredBy: null });
    expect((await owner.client.rest('GET', `/v1/runs/${job.runId}`)).body.data).toMatchObject({ trigger: 'SCHEDULED', triggered_by: null });
  });
});

describe('monitor and journey changes', () => {
  it('record updates with the names of the fields changed, and pauses and resumes, never a value', async () => {
    const editor = await t.key(org, ['all'], { name: 'editor' });
    const gql = editor.client.gql.bind(editor.client);
    const auth = (value: string) => [
      { name: 'Authorization', value },
      { name: 'X-Env', value: 'prod' },
    ];
    const m = (await gql(CreateMonitorDocument, { input: { name: 'Audited', url: `${target.url}/down`, headers: auth('Bearer audit-secret-1') } })).data!
      .createMonitor;
    const ok = async (p: Promise<{ errors?: unknown }>) => expect((await p).errors).toBeUndefined();
    // a round trip of the masked headers is no change to them
    await ok(gql(UpdateMonitorDocument, { id: m.id, input: { name: 'Renamed', intervalSeconds: 600, headers: m.headers } }));
    await ok(gql(UpdateMonitorDocument, { id: m.id, input: { name: 'Renamed', headers: auth('Bearer audit-secret-2') } }));
    await ok(gql(UpdateMonitorDocument, { id: m.id, input: { name: 'Renamed', method: 'GET' } })); // nothing changed: no event
    await ok(gql(UpdateMonitorDocument, { id: m.id, input: { paused: true, timeoutMs: 2000 } }));
    await ok(gql(PauseMonitorDocument, { id: m.id })); // already paused: no event
    await ok(gql(ResumeMonitorDocument, { id: m.id }));
    await ok(gql(PauseMonitorDocument, { id: m.id }));
    // refused changes write nothing
    expect((await gql(UpdateMonitorDocument, { id: m.id, input: { name: 'x', intervalSeconds: 60 } })).errors).toBeDefined();
    expect((await gql(UpdateMonitorDocument, { id: m.id, input: { url: 'http://127.0.0.1:9/elsewhere' } })).errors).toBeDefined();

    const step = (path: string, value: string) => ({
      name: 'call',
      request: { method: 'GET' as const, url: `${target.url}${path}`, headers: [{ name: 'X-Api-Key', value }] },
    });
    const j = (await gql(CreateJourneyDocument, { input: { name: 'Audited flow', steps: [step('/down', 'audit-secret-3')] } })).data!.createJourney;
    const same = j.steps.map((s) => ({ name: s.name, request: { method: s.request.method, url: s.request.url, headers: s.request.headers } }));
    await ok(gql(UpdateJourneyDocument, { id: j.id, input: { name: 'Renamed flow', steps: same } }));
    await ok(gql(UpdateJourneyDocument, { id: j.id, input: { steps: [step('/down?v=2', 'audit-secret-4')], failureThreshold: 3 } }));
    await ok(gql(PauseJourneyDocument, { id: j.id }));
    await ok(gql(ResumeJourneyDocument, { id: j.id }));
    await ok(gql(UpdateJourneyDocument, { id: j.id, input: { paused: true } }));

    const log = (await events({ first: 100, keyId: editor.id })).nodes.reverse();
    expect(log.map((e) => [e.action, e.target, e.changedFields])).toEqual([
      ['monitor.created', m.id, null],
      ['monitor.updated', m.id, ['name', 'intervalSeconds']],
      ['monitor.updated', m.id, ['headers']],
      ['monitor.updated', m.id, ['timeoutMs']],
      ['monitor.paused', m.id, null],
      ['monitor.resumed', m.id, null],
      ['monitor.paused', m.id, null],
      ['journey.created', j.id, null],
      ['journey.updated', j.id, ['name']],
      ['journey.updated', j.id, ['steps', 'failureThreshold']],
      ['journey.paused', j.id, null],
      ['journey.resumed', j.id, null],
      ['journey.paused', j.id, null],
    ]);
    const dump = JSON.stringify(await t.db.orm.em.fork().getConnection().execute('select * from audit_events'));
    expect(dump).not.toMatch(/audit-secret|Renamed|prod|down\?v=2/); // names of fields, never their values
    const rest = await editor.client.rest('GET', `/v1/audit-events?action=monitor.updated&key_id=${editor.id}`);
    expect((rest.body.data as { nodes: { changed_fields: string[] }[] }).nodes.map((e) => e.changed_fields)).toEqual([['timeoutMs'], ['headers'], ['name', 'intervalSeconds']]);
  });
});

describe('failed authentications per key', () => {
  it('are counted with the time of the last one, without storing what was sent', async () => {
    const k = await t.key(org, ['monitors:read']);
    const forged = forgeKey(k.id, 'w'.repeat(32));
    for (let i = 0; i < 3; i++) expect((await t.client(forged).rest('GET', '/v1/me')).status).toBe(401);
    await t.app.lastUsed.flush();
    const row = (await admin.client.gql(ApiKeysDocument, {})).data!.apiKeys.nodes.find((x) => x.id === k.id)!;
    expect(row.failedAuthCount).toBe(3);
    expect(row.lastFailedAuthAt).not.toBeNull();
    const dump = JSON.stringify(await t.db.orm.em.fork().getConnection().execute('select * from api_keys'));
    expect(dump).not.toContain(forged.slice(-20));
    // a working key is unaffected
    expect((await k.client.gql(MeDocument)).status).toBe(200);
  });
});

describe('apiKeys(unusedForDays)', () => {
  it('finds active keys unused for that long, counting never-used keys from creation', async () => {
    const audited = await t.org('Audited');
    const boss = await t.key(audited, ['all']);
    const day = 86_400_000;
    t.clock.now = new Date(Date.now() - 40 * day);
    const stale = await t.key(audited, ['monitors:read'], { name: 'stale' });
    const usedLongAgo = await t.key(audited, ['monitors:read'], { name: 'used long ago' });
    expect((await usedLongAgo.client.rest('GET', '/v1/me')).status).toBe(200);
    await t.app.lastUsed.flush();
    const revoked = await t.key(audited, ['monitors:read'], { name: 'revoked' });
    const activeRecently = await t.key(audited, ['monitors:read'], { name: 'active' });
    t.clock.now = null;
    await boss.client.gql(RevokeApiKeyDocument, { id: revoked.id });
    expect((await activeRecently.client.rest('GET', '/v1/me')).status).toBe(200); // not flushed yet: still counts

    const found = (await boss.client.gql(ApiKeysDocument, { unusedForDays: 30 })).data!.apiKeys.nodes.map((k) => k.name);
    expect(found.sort()).toEqual(['stale', 'used long ago']);
    expect(stale.id).toBeDefined();
    const rest = await boss.client.rest('GET', '/v1/api-keys?unused_for_days=30');
    expect((rest.body.data as { nodes: { name: string }[] }).nodes.map((k) => k.name).sort()).toEqual(['stale', 'used long ago']);
    expect((await boss.client.gql(ApiKeysDocument, { unusedForDays: 0 })).errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect((await boss.client.rest('GET', '/v1/api-keys?unused_for_days=soon')).status).toBe(400);
  });
});

