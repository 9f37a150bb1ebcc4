/** Two-factor (issue 25): TOTP setup and confirm, sign-in with a code or a recovery code, replay, Organization.requireMfa. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CreateMonitorDocument, MeMfaDocument, MembersMfaDocument, MonitorsDocument, SetRequireMfaDocument } from '../../src/client/generated/graphql';
import type { AddressInfo } from 'node:net';
import { startTestApp, TEST_SECRETS_KEY, type TestApp } from '../helpers/app';
import { onPostgres } from '../helpers/database';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/database';
import { addPerson, GOOD_PASSWORD, post, signIn, type Person } from '../helpers/people';
import type { Client } from '../helpers/client';
import { codeAt } from '../helpers/totp';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ AUTH_FAILURE_LIMIT: '6', TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await t?.close();
});
afterEach(() => {
  t.clock.now = null;
});

/** A POST as the dashboard sends it (the session cookie, this server's Origin): status and JSON body, if any. */
async function send(who: Person | Client, path: string, body: unknown = {}): Promise<{ status: number; body: { success?: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } } }> {
  const client = 'client' in who ? who.client : who;
  const res = await fetch(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...client.extra, ...(client.authorization ? { authorization: client.authorization } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}


/** A fixed instant at the start of a 30-second step, so `+30 s` is exactly the next code. */
const STEP_START = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 60_000);
const later = (seconds: number) => new Date(STEP_START.getTime() + seconds * 1000);

/** Turns two-factor on for `person` at `at`: the secret and the recovery codes. */
async function turnOn(person: Person, at: Date): Promise<{ secret: string; codes: string[] }> {
  t.clock.now = at;
  const setup = await send(person, '/auth/mfa/totp/setup');
  expect(setup.status).toBe(200);
  const secret = setup.body.data!.secret as string;
  const confirm = await send(person, '/auth/mfa/totp/confirm', { otp: await codeAt(secret, at) });
  expect(confirm.status).toBe(200);
  return { secret, codes: confirm.body.data!.recovery_codes as string[] };
}

const auditOf = async (memberId: string) =>
  (await t.db.orm.em.getConnection().execute<{ action: string; actor_key_id: string }[]>('select action, actor_key_id from audit_events where target = ? order by created_at, id', [memberId])).map((r) => [r.action, r.actor_key_id]);

describe('turning two-factor on', () => {
  it('setup answers an otpauth URI and the secret (sealed at rest); confirm takes a real code and answers 10 recovery codes once', async () => {
    const org = await t.org('Acme Inc');
    const ada = await addPerson(t, org, 'ada@example.com', 'OWNER');
    t.clock.now = STEP_START;

    const setup = await send(ada, '/auth/mfa/totp/setup');
    expect(setup.status).toBe(200);
    const { uri, secret } = setup.body.data as { uri: string; secret: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const parsed = new URL(uri);
    expect(parsed.protocol).toBe('otpauth:');
    expect(uri).toMatch(/^otpauth:\/\/totp\/tracer:ada%40example\.com\?/);
    // SHA-1, 6 digits, 30 seconds: the defaults every app assumes, so the URI leaves them out.
    expect(Object.fromEntries(parsed.searchParams)).toEqual({ secret, issuer: 'tracer' });
    const [row] = await t.db.orm.em.getConnection().execute<{ secret_sealed: string; confirmed_at: Date | null }[]>('select secret_sealed, confirmed_at from mfa_totp where member_id = ?', [ada.memberId]);
    expect(row.secret_sealed).toMatch(/^enc:v1:/);
    expect(row.secret_sealed).not.toContain(secret);
    expect(row.confirmed_at).toBeNull();

    // Not on until confirmed: signing in needs no code yet.
    expect((await signIn(t, 'ada@example.com', GOOD_PASSWORD, { 'x-forwarded-for': '198.51.100.1' })).res.status).toBe(200);

    // A wrong code, or no code, does not turn it on.
    for (const otp of [undefined, '', '12345', 'abcdef', '000000' === (await codeAt(secret, STEP_START)) ? '111111' : '000000']) {
      const refused = await send(ada, '/auth/mfa/totp/confirm', { otp });
      expect([otp, refused.status, refused.body.error?.code]).toEqual([otp, 400, 'BAD_USER_INPUT']);
    }
    const confirm = await send(ada, '/auth/mfa/totp/confirm', { otp: await codeAt(secret, STEP_START) });
    expect(confirm.status).toBe(200);
    const codes = confirm.body.data!.recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    // Stored hashed: no code appears in the table.
    const stored = JSON.stringify(await t.db.orm.em.getConnection().execute('select * from mfa_recovery_codes where member_id = ?', [ada.memberId]));
    for (const code of codes) expect(stored).not.toContain(code.replace(/-/g, ''));

    // Once on, it is on: a second confirm or setup is CONFLICT (the codes are not handed out again).
    expect((await send(ada, '/auth/mfa/totp/confirm', { otp: await codeAt(secret, later(30)) })).body.error?.code).toBe('CONFLICT');
    expect((await send(ada, '/auth/mfa/totp/setup')).body.error?.code).toBe('CONFLICT');

    // Owners see who has it; the member sees it on `me`.
    const bob = await addPerson(t, org, 'bob@example.com', 'VIEWER');
    const members = (await ada.client.gql(MembersMfaDocument)).data!.organization.members;
    expect(members.map((m) => [m.email, m.mfaEnabled])).toEqual([
      ['ada@example.com', true],
      ['bob@example.com', false],
    ]);
    expect((await ada.client.gql(MeMfaDocument)).data!.me.member).toEqual({ id: ada.memberId, mfaEnabled: true });
    expect((await bob.client.gql(MeMfaDocument)).data!.me.member).toEqual({ id: bob.memberId, mfaEnabled: false });
    expect(await auditOf(ada.memberId)).toContainEqual(['mfa.enabled', ada.memberId]);
  });

  it('is a signed-in member\'s: an API key, or a request from another origin, is refused', async () => {
    const org = await t.org();
    const key = await t.key(org, ['all']);
    const byKey = await send(key.client, '/auth/mfa/totp/setup');
    expect([byKey.status, byKey.body.error?.code]).toEqual([400, 'BAD_USER_INPUT']);
    const cleo = await addPerson(t, org, 'cleo@example.com', 'OWNER');
    for (const origin of ['https://evil.example', undefined]) {
      const res = await send(cleo.client.withHeaders({ origin }), '/auth/mfa/totp/setup');
      expect([origin, res.status, res.body.error?.code]).toEqual([origin, 403, 'FORBIDDEN']);
    }
    expect(await t.db.orm.em.getConnection().execute('select id from mfa_totp where member_id = ?', [cleo.memberId])).toEqual([]);
    const anonymous = await post(t.baseUrl, '/auth/mfa/totp/setup', {});
    expect(anonymous.status).toBe(401);
  });
});

describe('signing in with two-factor on', () => {
  it('needs a code after the right password: none or a wrong one is MFA_REQUIRED, the right one signs in, once', async () => {
    const org = await t.org();
    const dee = await addPerson(t, org, 'dee@example.com', 'MEMBER');
    const { secret } = await turnOn(dee, STEP_START);
    const from = { 'x-forwarded-for': '198.51.100.20' };
    const attempt = (password: string, otp?: string) => post(t.baseUrl, '/auth/sign-in', { email: 'dee@example.com', password, ...(otp !== undefined ? { otp } : {}) }, from);

    t.clock.now = later(30);
    const current = await codeAt(secret, later(30));
    for (const otp of [undefined, '', current === '123456' ? '654321' : '123456', 'not-a-code', 42 as unknown as string]) {
      const res = await attempt(GOOD_PASSWORD, otp);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect([otp, res.status, body.error.code]).toEqual([otp, 401, 'MFA_REQUIRED']);
      expect(body.error.message).toMatch(/one-time code is needed/);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    // The code confirm used (step of STEP_START) was spent: still in the window, but refused.
    expect((await attempt(GOOD_PASSWORD, await codeAt(secret, STEP_START))).status).toBe(401);

    // The 6 failures above (the limit) were counted at this address: the right code now waits too.
    const limited = await attempt(GOOD_PASSWORD, current);
    expect(limited.status).toBe(429);

    // A wrong password is the generic 401, with or without a right code: MFA_REQUIRED tells nothing without it.
    for (const otp of [undefined, current]) {
      const res = await post(t.baseUrl, '/auth/sign-in', { email: 'dee@example.com', password: 'wrong-password-9431', ...(otp ? { otp } : {}) }, { 'x-forwarded-for': '198.51.100.22' });
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect([res.status, error.code, error.message]).toEqual([401, 'UNAUTHORIZED', 'Invalid email or password']);
    }
    // An unknown email too.
    const unknown = await post(t.baseUrl, '/auth/sign-in', { email: 'nobody@example.com', password: GOOD_PASSWORD, otp: current }, { 'x-forwarded-for': '198.51.100.22' });
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');

    // From another address the right code signs in, once: the same code again is refused (replay).
    const elsewhere = { 'x-forwarded-for': '198.51.100.21' };
    const ok = await post(t.baseUrl, '/auth/sign-in', { email: 'dee@example.com', password: GOOD_PASSWORD, otp: current }, elsewhere);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { member: { mfa_enabled: boolean } } }).data.member.mfa_enabled).toBe(true);
    expect(ok.headers.get('set-cookie')).toMatch(/^tracer_session=/);
    const replay = await post(t.baseUrl, '/auth/sign-in', { email: 'dee@example.com', password: GOOD_PASSWORD, otp: current }, elsewhere);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('MFA_REQUIRED');
    // An older code (one step back, still inside the window) is refused too once a newer one was used.
    t.clock.now = later(60);
    expect((await post(t.baseUrl, '/auth/sign-in', { email: 'dee@example.com', password: GOOD_PASSWORD, otp: current }, elsewhere)).status).toBe(401);
    // The next step's code works.
    expect((await post(t.baseUrl, '/auth/sign-in', { email: 'dee@example.com', password: GOOD_PASSWORD, otp: await codeAt(secret, later(60)) }, elsewhere)).status).toBe(200);
  });

  it('wrong codes count per member too: from a new address each time, whoever holds the password gets AUTH_FAILURE_LIMIT guesses, then 429', async () => {
    const org = await t.org();
    const gus = await addPerson(t, org, 'guesser@example.com', 'MEMBER');
    const { secret } = await turnOn(gus, STEP_START);
    t.clock.now = later(30);
    const current = await codeAt(secret, later(30));
    const wrong = current === '123456' ? '654321' : '123456';
    // One address per guess: the per-address limits never see more than one failure.
    const from = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i + 10}` });
    const attempt = (otp: string, i: number) => post(t.baseUrl, '/auth/sign-in', { email: 'guesser@example.com', password: GOOD_PASSWORD, otp }, from(i));
    for (let i = 0; i < 6; i++) expect((await attempt(wrong, i)).status).toBe(401);
    const limited = await attempt(current, 6);
    expect([limited.status, ((await limited.json()) as { error: { code: string } }).error.code]).toEqual([429, 'RATE_LIMITED']);
    // Until the window passes the member's sign-in waits, from any address: only someone holding the password can
    // cause that pause, and it bounds their guesses at the code.
    expect((await post(t.baseUrl, '/auth/sign-in', { email: 'guesser@example.com', password: GOOD_PASSWORD }, from(7))).status).toBe(429);
  });

  it('a recovery code signs in once, however it is typed, and is audited', async () => {
    const org = await t.org();
    const eve = await addPerson(t, org, 'eve@example.com', 'ADMIN');
    const { codes } = await turnOn(eve, STEP_START);
    t.clock.now = later(30);
    const from = { 'x-forwarded-for': '198.51.100.30' };
    const withCode = (otp: string) => post(t.baseUrl, '/auth/sign-in', { email: 'eve@example.com', password: GOOD_PASSWORD, otp }, from);

    expect((await withCode(codes[0])).status).toBe(200);
    const again = await withCode(codes[0]);
    expect([again.status, ((await again.json()) as { error: { code: string } }).error.code]).toEqual([401, 'MFA_REQUIRED']);
    // Upper case, without dashes, with spaces: the same code.
    expect((await withCode(` ${codes[1].replace(/-/g, '').toUpperCase()} `)).status).toBe(200);
    expect((await withCode(codes[1])).status).toBe(401);
    const events = await auditOf(eve.memberId);
    expect(events.filter(([a]) => a === 'mfa.recovery_code_used')).toEqual([
      ['mfa.recovery_code_used', eve.memberId],
      ['mfa.recovery_code_used', eve.memberId],
    ]);
    // Someone else's code is not this member's.
    const fay = await addPerson(t, org, 'fay@example.com', 'VIEWER');
    const fays = await turnOn(fay, later(60));
    t.clock.now = later(90);
    expect((await withCode(fays.codes[0])).status).toBe(401);
  });

  it('turning it off takes a code (a session alone is not enough) and then sign-in needs none', async () => {
    const org = await t.org();
    const gus = await addPerson(t, org, 'gus@example.com', 'OWNER');
    const { secret, codes } = await turnOn(gus, STEP_START);
    t.clock.now = later(30);
    for (const otp of [undefined, '000000' === (await codeAt(secret, later(30))) ? '111111' : '000000', codes[0].replace(/.$/, '#')]) {
      const res = await send(gus, '/auth/mfa/totp/disable', { otp });
      expect([otp, res.status, res.body.error?.code]).toEqual([otp, 400, 'BAD_USER_INPUT']);
    }
    // The code of the step confirm spent is refused here too.
    expect((await send(gus, '/auth/mfa/totp/disable', { otp: await codeAt(secret, STEP_START) })).status).toBe(400);
    expect((await send(gus, '/auth/mfa/totp/disable', { otp: await codeAt(secret, later(30)) })).status).toBe(204);
    expect(await t.db.orm.em.getConnection().execute('select id from mfa_recovery_codes where member_id = ? union all select id from mfa_totp where member_id = ?', [gus.memberId, gus.memberId])).toEqual([]);
    expect((await signIn(t, 'gus@example.com', GOOD_PASSWORD, { 'x-forwarded-for': '198.51.100.40' })).res.status).toBe(200);
    expect((await gus.client.gql(MeMfaDocument)).data!.me.member!.mfaEnabled).toBe(false);
    expect((await send(gus, '/auth/mfa/totp/disable', { otp: codes[1] })).body.error?.code).toBe('CONFLICT');
    expect((await auditOf(gus.memberId)).map(([a]) => a).filter((a) => a.startsWith('mfa.'))).toEqual(['mfa.enabled', 'mfa.disabled']);
  });
});

describe('Organization.requireMfa', () => {
  it('only an OWNER sets it: an ADMIN session and a key without `all` are FORBIDDEN', async () => {
    const org = await t.org();
    const owner = await addPerson(t, org, 'owner@req.example', 'OWNER');
    const admin = await addPerson(t, org, 'admin@req.example', 'ADMIN');
    const writer = await t.key(org, ['organization:read', 'organization:write']);
    for (const client of [admin.client, writer.client]) {
      const res = await client.gql(SetRequireMfaDocument, { requireMfa: true });
      expect([res.status, res.errors?.[0].extensions?.code, res.errors?.[0].extensions?.missingScopes]).toEqual([403, 'FORBIDDEN', ['all']]);
    }
    expect((await owner.client.gql(MembersMfaDocument)).data!.organization.requireMfa).toBe(false);
    const set = await owner.client.gql(SetRequireMfaDocument, { requireMfa: false });
    expect(set.data?.setRequireMfa).toEqual({ id: org.id, requireMfa: false });
    const [{ count }] = await t.db.orm.em.getConnection().execute<{ count: string | number }[]>("select count(*) as count from audit_events where organization_id = ? and action = 'organization.updated'", [org.id]);
    expect(Number(count)).toBe(0); // nothing changed, nothing recorded
  });

  it('members without two-factor may only set it up, see `me` and sign out, until they have it; API keys are not affected', async () => {
    const org = await t.org();
    const owner = await addPerson(t, org, 'owner@must.example', 'OWNER');
    const viewer = await addPerson(t, org, 'viewer@must.example', 'VIEWER');
    const leaver = await addPerson(t, org, 'leaver@must.example', 'MEMBER');
    const key = await t.key(org, ['monitors:read', 'monitors:write']);
    await turnOn(owner, STEP_START);

    const set = await owner.client.gql(SetRequireMfaDocument, { requireMfa: true });
    expect(set.data?.setRequireMfa.requireMfa).toBe(true);
    expect((await t.db.orm.em.getConnection().execute('select changed_fields from audit_events where organization_id = ? and action = ?', [org.id, 'organization.updated'])).map((r) => r.changed_fields)).toEqual([['requireMfa']]);

    // The viewer's session, opened before, is limited at once.
    const blocked = async (client: Client) => {
      const gql = await client.gql(MonitorsDocument, { first: 10 });
      const rest = await client.rest('GET', '/v1/monitors');
      const mixed = await client.gql('{ me { member { id } } organization { id } }');
      return [gql.status, gql.errors?.[0].extensions?.code, rest.status, rest.body.error?.code, mixed.status, mixed.errors?.[0].extensions?.code];
    };
    expect(await blocked(viewer.client)).toEqual([403, 'MFA_SETUP_REQUIRED', 403, 'MFA_SETUP_REQUIRED', 403, 'MFA_SETUP_REQUIRED']);
    const mutation = await leaver.client.gql(CreateMonitorDocument, { input: { name: 'm', url: 'http://127.0.0.1:1/' } });
    expect([mutation.status, mutation.errors?.[0].extensions?.code, mutation.errors?.[0].message]).toEqual([403, 'MFA_SETUP_REQUIRED', expect.stringMatching(/requires two-factor/)]);
    expect(await t.db.orm.em.getConnection().execute('select id from monitors where organization_id = ?', [org.id])).toEqual([]);
    // `me` (GraphQL and REST) still answers, saying what is asked of them.
    t.queries.length = 0;
    const me = await viewer.client.gql(MeMfaDocument);
    expect(me.data?.me).toEqual({ organization: { id: org.id, requireMfa: true }, member: { id: viewer.memberId, mfaEnabled: false } });
    expect(t.requestQueries()).toEqual([]); // answered from the cached session, like any `me`
    expect((await viewer.client.rest('GET', '/v1/me')).status).toBe(200);
    // A new sign-in is limited the same way.
    const fresh = await signIn(t, 'viewer@must.example', GOOD_PASSWORD, { 'x-forwarded-for': '198.51.100.50' });
    expect(fresh.res.status).toBe(200);
    expect((await fresh.client!.gql(MonitorsDocument, { first: 10 })).errors?.[0].extensions?.code).toBe('MFA_SETUP_REQUIRED');
    // Sign-out works.
    expect((await send(fresh.client!, '/auth/sign-out')).status).toBe(204);

    // Keys, and members who have two-factor, are not affected.
    expect((await key.client.gql(CreateMonitorDocument, { input: { name: 'by key', url: 'http://127.0.0.1:1/' } })).status).toBe(200);
    expect((await owner.client.gql(MonitorsDocument, { first: 10 })).data?.monitors.nodes).toHaveLength(1);

    // Setting it up is allowed, and lifts the limit at once.
    await turnOn(viewer, later(30));
    expect((await viewer.client.gql(MonitorsDocument, { first: 10 })).data?.monitors.nodes).toHaveLength(1);
    expect((await viewer.client.rest('GET', '/v1/monitors')).status).toBe(200);

    // Turned off again by the owner: the member without two-factor is free again.
    expect((await owner.client.gql(SetRequireMfaDocument, { requireMfa: false })).data?.setRequireMfa.requireMfa).toBe(false);
    expect((await leaver.client.gql(MonitorsDocument, { first: 10 })).status).toBe(200);
  });
});

describe.runIf(onPostgres())('on every instance at once (PostgreSQL LISTEN/NOTIFY)', () => {
  let second: Database;
  let b: App;
  let bUrl: string;

  beforeAll(async () => {
    second = await openDatabase({ url: t.db.url, migrate: false });
    b = await createApp(loadConfig({ LOG_LEVEL: 'silent', BOOTSTRAP_KEY: 'false', SCHEDULING: 'false', BCRYPT_COST: '4' }), { database: second, secretsKey: TEST_SECRETS_KEY });
    await b.fastify.listen({ port: 0, host: '127.0.0.1' });
    bUrl = `http://127.0.0.1:${(b.fastify.server.address() as AddressInfo).port}`;
    await waitFor(() => b.verifier.cache.trusted);
  });
  afterAll(async () => {
    await b?.close();
    await second?.close();
  });

  async function waitFor(ok: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
    const until = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('requireMfa set on instance A limits a session instance B had cached; setting up two-factor on A lifts it on B', async () => {
    const org = await t.org();
    const owner = await addPerson(t, org, 'owner@two.example', 'OWNER');
    const viewer = await addPerson(t, org, 'viewer@two.example', 'VIEWER');
    await turnOn(owner, STEP_START);
    const onB = viewer.client.withHeaders({ origin: bUrl });
    const codeOnB = async () => {
      const res = await fetch(`${bUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...onB.extra }, body: JSON.stringify({ query: '{ monitors(first: 1) { nodes { id } } }' }) });
      return ((await res.json()) as { errors?: { extensions: { code: string } }[] }).errors?.[0]?.extensions.code ?? 'OK';
    };
    expect(await codeOnB()).toBe('OK'); // B has the session cached now

    expect((await owner.client.gql(SetRequireMfaDocument, { requireMfa: true })).status).toBe(200);
    await waitFor(async () => (await codeOnB()) === 'MFA_SETUP_REQUIRED');

    await turnOn(viewer, later(30));
    await waitFor(async () => (await codeOnB()) === 'OK');
  });
});
