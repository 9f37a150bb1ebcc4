/**
 * Names are one line of printable text: a control character (a line break, a tab, an escape, DEL, U+2028) or a
 * format character (a bidirectional control such as U+202E, a zero-width space, a BOM, a tag character) in the
 * name of a monitor, journey, step, channel, key, organization, member or maintenance window is 400
 * BAD_USER_INPUT naming the field, GraphQL and REST alike; the CLI's own paths (key and organization names) too.
 * The zero-width joiner and non-joiner pass (emoji sequences, Persian and Indic spelling).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import { nameErrors } from '../../src/modules/common/names';
import { printable } from '../../src/modules/common/printable';
import type { Client } from '../helpers/client';

let t: TestApp;
let client: Client;
let monitorId: string;

beforeAll(async () => {
  t = await startTestApp();
  const org = await t.org('Names Inc');
  ({ client } = await t.key(org, ['all']));
  const made = await client.gql<{ createMonitor: { id: string } }>('mutation { createMonitor(input: { name: "fine", url: "https://example.com/" }) { id } }');
  monitorId = made.data!.createMonitor.id;
});
afterAll(() => t?.close());

const RULE = 'must not contain control characters (line breaks, tabs, escapes, bidirectional or invisible format characters)';
const INJECTED = 'Deploy\n::error::pwned\nHome page  monitor  mon_x  local  PASSED';
const BAD = [INJECTED, 'tab\there', 'esc\u001b[31mred', 'del\u007f', 'c1\u0085', 'sep\u2028arator'];
// Bidirectional controls (embeddings and overrides, isolates, marks) and invisible format characters
const FORMAT = ['Deploy \u202eDELIAF', 'a\u202ab\u202c', 'iso\u2066late\u2069', 'fsi\u2068x\u2069', 'lrm\u200e', 'rlm\u200f', 'alm\u061c', 'zw\u200bsp', 'b\ufeffom', 'soft\u00adhyphen', 'tag\u{e0041}\u{e0042}', 'wj\u2060'];
const ALL_BAD = [...BAD, ...FORMAT];
// Printable: the joiners among them (ZWJ in emoji sequences, ZWNJ in Persian and Indic spelling), and right-to-left text itself
const GOOD = ['Checkout API (EU) — v2', 'Zürich 東京 ✓', 'a  b', '👩‍💻 dev', '🏳️‍🌈 pride', 'می‌خواهم', 'שלום עולם', 'مرحبا'];
const step = (name: string) => ({ name, request: { url: 'https://example.com/' } });
const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe('a control character in a name', () => {
  const graphql: Array<[string, string, (bad: string) => Record<string, unknown>, string]> = [
    ['monitor', 'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { id } }', (n) => ({ i: { name: n, url: 'https://example.com/' } }), 'name'],
    ['monitor (update)', 'mutation($id: ID!, $i: UpdateMonitorInput!) { updateMonitor(id: $id, input: $i) { id } }', (n) => ({ i: { name: n } }), 'name'],
    ['journey', 'mutation($i: CreateJourneyInput!) { createJourney(input: $i) { id } }', (n) => ({ i: { name: n, steps: [step('s')] } }), 'name'],
    ['journey step', 'mutation($i: CreateJourneyInput!) { createJourney(input: $i) { id } }', (n) => ({ i: { name: 'j', steps: [step('s'), step(n)] } }), 'steps[1].name'],
    ['notification channel', 'mutation($i: CreateNotificationChannelInput!) { createNotificationChannel(input: $i) { channel { id } } }', (n) => ({ i: { name: n, type: 'WEBHOOK', url: 'https://hooks.example.com/x' } }), 'name'],
    ['API key', 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key } }', (n) => ({ i: { name: n, permissions: ['monitors:read'] } }), 'name'],
    ['organization', 'mutation($n: String!) { updateOrganization(name: $n) { id } }', (n) => ({ n }), 'name'],
    ['member', 'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id } } }', (n) => ({ i: { email: 'a@example.com', role: 'VIEWER', name: n } }), 'name'],
    ['maintenance window', 'mutation($i: CreateMaintenanceWindowInput!) { createMaintenanceWindow(input: $i) { id } }', (n) => ({ i: { name: n, startsAt: soon(1), endsAt: soon(2) } }), 'name'],
  ];
  for (const [what, query, vars, field] of graphql)
    it(`GraphQL: the ${what}'s name is BAD_USER_INPUT naming ${field}`, async () => {
      for (const bad of ALL_BAD) {
        const r = await client.gql(query, { id: monitorId, ...vars(bad) });
        expect(r.status, JSON.stringify(bad)).toBe(400);
        expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field, message: RULE }] });
      }
    });

  it('REST: the same, in the envelope', async () => {
    const r = await client.rest('POST', '/v1/monitors', { name: INJECTED, url: 'https://example.com/' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'name', message: RULE }] });
    const org = await client.rest('PATCH', '/v1/organization', { name: 'a\rb' });
    expect(org.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'name', message: RULE }] });
    const bidi = await client.rest('PATCH', '/v1/organization', { name: 'Acme \u202egnp.exe' });
    expect(bidi.body.error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'name', message: RULE }] });
  });

  it('the services refuse them too, for callers without GraphQL (the CLI)', async () => {
    const em = t.db.orm.em.fork();
    await expect(t.app.services.organizations.findOrCreate(em, 'Evil\nOrg')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { fields: [{ field: 'org', message: RULE }] } });
    await expect(t.app.services.organizations.findOrCreate(em, 'Evil \u2067Org')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { fields: [{ field: 'org', message: RULE }] } });
    const org = await t.org('Names CLI');
    await expect(t.app.services.apiKeys.createTrusted(em, org.id, 'cli', { name: 'ci\u001b]0;x', permissions: ['all'] })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { fields: [{ field: 'name', message: RULE }] },
    });
  });

  it('the rule itself: every control and format character but the joiners', () => {
    for (const bad of ALL_BAD) expect(nameErrors('name', bad), JSON.stringify(bad)).toEqual([{ field: 'name', message: RULE }]);
    for (const good of GOOD) expect(nameErrors('name', good), good).toEqual([]);
  });

  it('printable names still pass: spaces, punctuation, accents, emoji, joiners, right-to-left scripts', async () => {
    for (const name of GOOD) {
      const r = await client.gql('mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { name } }', { i: { name, url: 'https://example.com/' } });
      expect(r.errors).toBeUndefined();
      expect((r.data as { createMonitor: { name: string } }).createMonitor.name).toBe(name);
    }
  });
});

describe('printable (what the CLIs print of a stored name)', () => {
  it('escapes control and format characters, one code point each, and leaves joiners and scripts alone', () => {
    expect(printable('a\nb\r\tc\u001b[0m\u2028')).toBe('a\\nb\\r\\tc\\u001b[0m\\u2028');
    expect(printable('Deploy \u202eDELIAF \u2066x\u2069 \u200e\u200f\u061c\u200b\ufeff\u00ad')).toBe(
      'Deploy \\u202eDELIAF \\u2066x\\u2069 \\u200e\\u200f\\u061c\\u200b\\ufeff\\u00ad',
    );
    expect(printable('tag\u{e0041}')).toBe('tag\\u{e0041}');
    for (const good of GOOD) expect(printable(good)).toBe(good);
    // the two agree: what the rule refuses, printable escapes
    for (const bad of ALL_BAD) expect(printable(bad), JSON.stringify(bad)).not.toBe(bad);
  });
});
