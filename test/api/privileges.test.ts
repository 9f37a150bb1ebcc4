/**
 * Every combination of scopes against every operation matches the README's scope table (generated from the
 * schema): fast-check draws scope sets, each becomes a real key, and every root field is called over HTTP.
 * Allowed ⇔ not 403. Inputs are invalid or ids unknown, so allowed calls are refused later (400/404) and the
 * fixtures survive; the scope check runs before any of that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ops from '../../src/client/generated/graphql';
import { parseScopeTable } from '../../src/graphql/scope-table';
import { buildAppSchema } from '../../src/graphql/schema';
import { SCOPES, type Permission } from '../../src/modules/auth/scopes';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';

const NO = 'key_000000000000'; // ids that exist nowhere: allowed calls end in NOT_FOUND
const CALLS: Record<string, [unknown, Record<string, unknown>?]> = {
  'query me': [ops.MeDocument],
  'query locations': [ops.LocationsDocument],
  'query apiKeys': [ops.ApiKeysDocument],
  'query monitors': [ops.MonitorsDocument, {}],
  'query monitor': [ops.MonitorDocument, { id: 'mon_none' }],
  'query journeys': [ops.JourneysDocument, {}],
  'query journey': [ops.JourneyDocument, { id: 'jrn_none' }],
  'query monitorRuns': [ops.MonitorRunsDocument, { monitorId: 'mon_none' }],
  'query journeyRuns': [ops.JourneyRunsDocument, { journeyId: 'jrn_none' }],
  'query runs': [ops.RunsDocument, { monitorId: 'mon_none' }],
  'query run': [ops.RunDocument, { id: 'run_none' }],
  'query alerts': [ops.AlertsDocument, {}],
  'query alert': [ops.AlertDocument, { id: 'alr_none' }],
  'query organization': [ops.OrganizationDocument],
  'query auditEvents': [ops.AuditEventsDocument, {}],
  'query billing': [ops.BillingDocument],
  'mutation createApiKey': [ops.CreateApiKeyDocument, { input: { name: ' ', permissions: ['monitors:read'] } }],
  'mutation revokeApiKey': [ops.RevokeApiKeyDocument, { id: NO }],
  'mutation rollApiKey': [ops.RollApiKeyDocument, { id: NO, gracePeriod: 'NONE' }],
  'mutation createMonitor': [ops.CreateMonitorDocument, { input: { name: 'x', url: 'not a url' } }],
  'mutation updateMonitor': [ops.UpdateMonitorDocument, { id: 'mon_none', input: { name: 'y' } }],
  'mutation deleteMonitor': [ops.DeleteMonitorDocument, { id: 'mon_none' }],
  'mutation pauseMonitor': [ops.PauseMonitorDocument, { id: 'mon_none' }],
  'mutation resumeMonitor': [ops.ResumeMonitorDocument, { id: 'mon_none' }],
  'mutation runMonitor': [ops.RunMonitorDocument, { id: 'mon_none' }],
  'mutation createJourney': [ops.CreateJourneyDocument, { input: { name: 'x', steps: [] } }],
  'mutation updateJourney': [ops.UpdateJourneyDocument, { id: 'jrn_none', input: { name: 'y' } }],
  'mutation deleteJourney': [ops.DeleteJourneyDocument, { id: 'jrn_none' }],
  'mutation pauseJourney': [ops.PauseJourneyDocument, { id: 'jrn_none' }],
  'mutation resumeJourney': [ops.ResumeJourneyDocument, { id: 'jrn_none' }],
  'mutation runJourney': [ops.RunJourneyDocument, { id: 'jrn_none' }],
  'mutation acknowledgeAlert': [ops.AcknowledgeAlertDocument, { id: 'alr_none' }],
  'mutation resolveAlert': [ops.ResolveAlertDocument, { id: 'alr_none' }],
  'mutation updateOrganization': [ops.UpdateOrganizationDocument, { name: '' }],
  'mutation inviteMember': [ops.InviteMemberDocument, { input: { email: 'not an email', role: 'VIEWER' } }],
  'mutation updateMemberRole': [ops.UpdateMemberRoleDocument, { id: 'mem_none', role: 'ADMIN' }],
  'mutation removeMember': [ops.RemoveMemberDocument, { id: 'mem_none' }],
  'query notificationChannels': [ops.NotificationChannelsDocument, {}],
  'query notificationChannel': [ops.NotificationChannelDocument, { id: 'nch_none' }],
  'query notificationDeliveries': [ops.NotificationDeliveriesDocument, {}],
  'query maintenanceWindows': [ops.MaintenanceWindowsDocument, {}],
  'mutation createNotificationChannel': [ops.CreateNotificationChannelDocument, { input: { name: 'x', type: 'WEBHOOK', url: 'not a url', events: ['API_KEY_EXPIRING'] } }],
  'mutation updateNotificationChannel': [ops.UpdateNotificationChannelDocument, { id: 'nch_none', input: { name: 'y' } }],
  'mutation deleteNotificationChannel': [ops.DeleteNotificationChannelDocument, { id: 'nch_none' }],
  'mutation testNotificationChannel': [ops.TestNotificationChannelDocument, { id: 'nch_none' }],
  'mutation createMaintenanceWindow': [ops.CreateMaintenanceWindowDocument, { input: { name: '', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T01:00:00Z' } }],
  'mutation deleteMaintenanceWindow': [ops.DeleteMaintenanceWindowDocument, { id: 'mnt_none' }],
  'mutation triggerChecks': [ops.TriggerChecksDocument, { input: { checkIds: ['mon_none'] } }],
  'query checkSession': [ops.CheckSessionDocument, { id: 'cks_none' }],
};

let t: TestApp;
let org: Organization;
let table: Map<string, string[]>;

beforeAll(async () => {
  t = await startTestApp();
  org = await t.org('Acme Inc');
  table = parseScopeTable(fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8'));
});
afterAll(() => t?.close());

describe('the README scope table', () => {
  it('lists every root field of the schema, and this test calls each of them', async () => {
    const { schema } = await buildAppSchema();
    const fields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((f) => `query ${f}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((f) => `mutation ${f}`),
    ].sort();
    expect([...table.keys()].sort()).toEqual(fields);
    expect(Object.keys(CALLS).sort()).toEqual(fields);
  });

  it('matches the API for every drawn combination of scopes, over every operation', async () => {
    const scopeSet = fc.subarray([...SCOPES], { minLength: 1 });
    const checked = { allowed: 0, denied: 0 };
    await fc.assert(
      fc.asyncProperty(scopeSet, async (held) => {
        const { client } = await t.key(org, held as Permission[]);
        for (const [name, [doc, vars]] of Object.entries(CALLS)) {
          const needs = table.get(name)!;
          const allowed = needs.every((s) => held.includes(s as never));
          const res = await client.gql(doc as never, vars as never);
          expect(res.status, `${name} with [${held.join(', ')}]`).not.toBe(401);
          if (allowed) {
            checked.allowed++;
            expect([name, held, res.status]).not.toEqual([name, held, 403]);
          } else {
            checked.denied++;
            expect([name, held, res.status, res.errors?.[0]?.extensions?.code]).toEqual([name, held, 403, 'FORBIDDEN']);
            const missing = res.errors![0].extensions!.missingScopes as string[];
            expect([name, ...missing.sort()]).toEqual([name, ...needs.filter((s) => !held.includes(s as never)).sort()]);
          }
        }
      }),
      // Besides the random draws: every scope alone, and all of them.
      { numRuns: 40, examples: [[[...SCOPES]], ...SCOPES.map((s) => [[s]])] as never },
    );
    expect(checked.allowed).toBeGreaterThan(100);
    expect(checked.denied).toBeGreaterThan(100);
  });

  it('`all` passes every row', async () => {
    const { client } = await t.key(org, ['all']);
    for (const [name, [doc, vars]] of Object.entries(CALLS)) expect([name, (await client.gql(doc as never, vars as never)).status]).not.toEqual([name, 403]);
  });
});
