/**
 * Single sign-on over HTTP against a real OpenID provider (oidc-provider) running in this process on 127.0.0.1:
 * the browser's whole redirect dance is followed by a cookie-keeping HTTP client (the provider's own login and
 * consent forms included). Tampered, replayed, expired, foreign-audience and foreign-key answers are made by
 * re-signing the provider's ID token on its way out of the token endpoint. Also here: enforceSso against the
 * password sign-in, POST /auth/change-password, and the DNS proof of a domain (verifySsoDomain) against a DNS
 * server on 127.0.0.1 (SSO_DNS_RESOLVER).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app';
import * as ops from '../../src/client/generated/graphql';
import type { Client } from '../helpers/client';
import type { Organization } from '../../src/modules/organization/organization.entity';
import { GOOD_PASSWORD, addPerson, post, sessionCookieOf, signIn } from '../helpers/people';
import { b64json as b64, resign, signingKey, startIdp, type IdpAccount, type TestIdp } from '../helpers/oidc';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server';

const DOMAIN = 'acme.example';

/** The people the provider knows, by account id (what its dev login form takes). */
const ACCOUNTS: Record<string, IdpAccount> = {
  ada: { email: 'ada@acme.example', email_verified: true, name: 'Ada Lovelace' },
  bob: { email: 'bob@other.example', email_verified: true, name: 'Bob' },
  eve: { email: 'eve@acme.example', email_verified: false, name: 'Eve' },
  cyd: { email: 'cyd@acme.example', email_verified: true, name: 'Cyd' },
  alice: { email: 'alice@bigcorp.example', email_verified: true, name: 'Alice' },
};

let t: TestApp;
let owner: Client;
let org: Organization;
let idp: TestIdp;
let dns: TestDnsServer;

/** Publishes the connection's record for `domain` on the test DNS server and has `client` verify it. */
async function prove(client: Client, connectionId: string, domain: string) {
  const connection = (await client.gql(ops.SsoConnectionsDocument, {})).data!.ssoConnections.find((c) => c.id === connectionId)!;
  const claim = connection.domains.find((d) => d.domain === domain)!;
  dns.txt(claim.verificationName, claim.verificationRecord);
  return client.gql(ops.VerifySsoDomainDocument, { connectionId, domain });
}

/** A browser without the browser: one cookie jar per host, redirects followed by hand, the provider's forms filled in. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every URL it was sent to, in order. */
  readonly visited: string[] = [];

  cookie(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).host)?.get(name);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const jar = this.jars.get(u.host) ?? new Map<string, string>();
    this.jars.set(u.host, jar);
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    this.visited.push(url);
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.form ? new URLSearchParams(init.form).toString() : undefined, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a)) || !value) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /**
   * Follows redirects from `url`, logging in at the provider as `account` (and consenting) when it asks; stops at
   * the first answer of `stopAt`'s origin that is not a redirect, or at tracer's dashboard. Answers that last response and its URL.
   */
  async follow(url: string, account: string, stop: (u: URL) => boolean): Promise<{ res: Response; url: string }> {
    let next: { url: string; method?: string; form?: Record<string, string> } = { url };
    for (let hop = 0; hop < 20; hop++) {
      if (stop(new URL(next.url))) return { res: new Response(null), url: next.url };
      const res = await this.request(next.url, next);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        next = { url: new URL(location, next.url).href };
        continue;
      }
      const html = res.status === 200 && (res.headers.get('content-type') ?? '').includes('html') ? await res.text() : '';
      const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
      if (!form) return { res, url: next.url };
      const fields: Record<string, string> = {};
      for (const input of form[2].matchAll(/<input[^>]*>/g)) {
        const name = /name="([^"]+)"/.exec(input[0])?.[1];
        if (name) fields[name] = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      }
      if (fields.prompt === 'login') Object.assign(fields, { login: account, password: 'any' });
      next = { url: new URL(form[1].replace(/&amp;/g, '&'), next.url).href, method: 'POST', form: fields };
    }
    throw new Error(`too many hops: ${this.visited.join(' → ')}`);
  }
}

/** The callback URL the provider sends the browser to (not yet followed), and the browser. */
async function untilCallback(account: string, email = ACCOUNTS[account].email): Promise<{ browser: Browser; callback: string }> {
  const browser = new Browser();
  const { url } = await browser.follow(`${t.baseUrl}/auth/sso/start?email=${encodeURIComponent(email)}`, account, (u) => u.pathname === '/auth/sso/callback');
  expect(new URL(url).pathname).toBe('/auth/sso/callback');
  return { browser, callback: url };
}

/** Finishes at tracer's callback: where it redirected, and the session cookie it set, if any. */
async function callback(browser: Browser, url: string): Promise<{ location: string; session: string | undefined; status: number }> {
  const res = await browser.request(url);
  return { status: res.status, location: res.headers.get('location') ?? '', session: browser.cookie(url, 'tracer_session') };
}

/** The whole dance for `account`: where tracer sent the browser at the end, and the session cookie. */
async function ssoSignIn(account: string) {
  const { browser, callback: url } = await untilCallback(account);
  return { browser, ...(await callback(browser, url)) };
}

const me = (session: string) => t.client().withHeaders({ cookie: `tracer_session=${session}`, origin: t.baseUrl });
const sessionCount = async () => Number((await t.db.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from sessions'))[0].n);

beforeAll(async () => {
  dns = await startDnsServer();
  t = await startTestApp({ SSO_DNS_RESOLVER: dns.address });
  org = await t.org('Acme');
  owner = (await t.key(org, ['all'])).client;
  idp = await startIdp(`${t.baseUrl}/auth/sso/callback`, ACCOUNTS);
  const created = await owner.gql(ops.CreateSsoConnectionDocument, {
    input: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, emailDomains: [DOMAIN.toUpperCase()], defaultRole: 'MEMBER' as never },
  });
  expect(created.errors).toBeUndefined();
  expect(created.data!.createSsoConnection.domains).toEqual([expect.objectContaining({ domain: DOMAIN, status: 'PENDING' })]);
  const proven = await prove(owner, created.data!.createSsoConnection.id, DOMAIN);
  expect(proven.data!.verifySsoDomain.domains[0].status).toBe('VERIFIED');
});

afterAll(async () => {
  await dns?.close();
  await idp?.close();
  await t?.close();
});

describe('connections', () => {
  it('answers the connection without its secret, and seals the secret at rest', async () => {
    const list = await owner.gql(ops.SsoConnectionsDocument, {});
    // The connection of DOMAIN (beforeAll's); other tests add connections of other domains.
    expect(list.data!.ssoConnections.filter((c) => c.emailDomains.includes(DOMAIN))).toEqual([
      expect.objectContaining({ issuer: idp.issuer, clientId: idp.clientId, emailDomains: [DOMAIN], defaultRole: 'MEMBER' }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(idp.clientSecret);
    const rows = await t.db.orm.em.fork().getConnection().execute<{ client_secret_sealed: string }[]>('select client_secret_sealed from sso_connections');
    for (const row of rows) {
      expect(row.client_secret_sealed).toMatch(/^enc:v1:/);
      expect(row.client_secret_sealed).not.toContain(idp.clientSecret);
    }
  });

  it('refuses invalid input field by field, a domain already taken, and anyone but an owner', async () => {
    const bad = await owner.gql(ops.CreateSsoConnectionDocument, {
      input: { issuer: 'not a url', clientId: '', clientSecret: '', emailDomains: ['no_domain'], defaultRole: 'OWNER' as never },
    });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((bad.errors?.[0].extensions?.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['clientId', 'clientSecret', 'defaultRole', 'emailDomains[0]', 'issuer']);
    const other = await t.org('Other');
    const otherOwner = (await t.key(other, ['all'])).client;
    const taken = await otherOwner.gql(ops.CreateSsoConnectionDocument, { input: { issuer: idp.issuer, clientId: 'x', clientSecret: 'y', emailDomains: [DOMAIN], defaultRole: 'VIEWER' as never } });
    expect(taken.errors?.[0].extensions?.code).toBe('CONFLICT');
    const admin = (await t.key(org, ['organization:read', 'organization:write'])).client;
    const notOwner = await admin.gql(ops.CreateSsoConnectionDocument, { input: { issuer: idp.issuer, clientId: 'x', clientSecret: 'y', emailDomains: ['b.example'], defaultRole: 'VIEWER' as never } });
    expect([notOwner.status, notOwner.errors?.[0].extensions?.code]).toEqual([403, 'FORBIDDEN']);
    // Another organization's connection does not exist for this one.
    const mine = (await owner.gql(ops.SsoConnectionsDocument, {})).data!.ssoConnections[0].id;
    expect((await otherOwner.gql(ops.DeleteSsoConnectionDocument, { id: mine })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('the sign-in', () => {
  it('goes to the provider with state, nonce and PKCE, and back signed in, the member made at the first sign-in', async () => {
    const browser = new Browser();
    const start = await browser.request(`${t.baseUrl}/auth/sso/start?email=Ada%40ACME.example`);
    expect(start.status).toBe(302);
    const auth = new URL(start.headers.get('location')!);
    expect(auth.origin).toBe(idp.issuer);
    expect(Object.fromEntries(['client_id', 'response_type', 'code_challenge_method', 'redirect_uri'].map((k) => [k, auth.searchParams.get(k)]))).toEqual({
      client_id: idp.clientId,
      response_type: 'code',
      code_challenge_method: 'S256',
      redirect_uri: `${t.baseUrl}/auth/sso/callback`,
    });
    for (const k of ['state', 'nonce', 'code_challenge']) expect(auth.searchParams.get(k)?.length).toBeGreaterThanOrEqual(43);
    expect(browser.cookie(t.baseUrl, 'tracer_sso')).toBe(auth.searchParams.get('state'));
    expect(start.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);

    const { url } = await browser.follow(auth.href, 'ada', (u) => u.pathname === '/auth/sso/callback');
    const done = await callback(browser, url);
    expect([done.status, done.location]).toEqual([302, '/dashboard/']);
    expect(done.session).toBeDefined();
    expect(browser.cookie(t.baseUrl, 'tracer_sso')).toBeUndefined(); // spent
    const who = await me(done.session!).gql(ops.SignedInMeDocument, {});
    expect(who.data!.me.member).toMatchObject({ email: 'ada@acme.example', name: 'Ada Lovelace', role: 'MEMBER' });
    expect(who.data!.me.organization.id).toBe(org.id);

    // The second time, the same member signs in again.
    const again = await ssoSignIn('ada');
    expect((await me(again.session!).gql(ops.SignedInMeDocument, {})).data!.me.member!.id).toBe(who.data!.me.member!.id);
    // Made once, whichever sign-in of Ada's came first (another test may have signed her in before this one).
    const events = (await owner.gql(ops.AuditEventsDocument, { first: 100 })).data!.auditEvents.nodes;
    expect(events.filter((e) => e.action === 'member.joined_by_sso' && e.target === who.data!.me.member!.id)).toHaveLength(1);
  });

  it('refuses a replayed callback, a state that is not this browser\'s, and a missing one', async () => {
    const { browser, callback: url } = await untilCallback('ada');
    // Another browser (no cookie, or its own) cannot finish this sign-in: a login CSRF gets nowhere.
    const stranger = new Browser();
    expect(await callback(stranger, url)).toMatchObject({ location: '/dashboard/?sso_error=UNAUTHORIZED', session: undefined });
    const tampered = new URL(url);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    expect(await callback(browser, tampered.href)).toMatchObject({ location: '/dashboard/?sso_error=UNAUTHORIZED', session: undefined });
    const noState = new URL(url);
    noState.searchParams.delete('state');
    expect(await callback(browser, noState.href)).toMatchObject({ location: '/dashboard/?sso_error=UNAUTHORIZED', session: undefined });

    // The real one: the cookie was cleared by the refusals, so it goes back in by hand, as a replaying attacker would.
    const state = new URL(url).searchParams.get('state')!;
    const first = await fetch(url, { redirect: 'manual', headers: { cookie: `tracer_sso=${state}` } });
    expect(first.headers.get('location')).toBe('/dashboard/');
    expect(sessionCookieOf(first)).toMatch(/^tracer_session=/);
    const before = await sessionCount();
    const replay = await fetch(url, { redirect: 'manual', headers: { cookie: `tracer_sso=${state}` } });
    expect(replay.headers.get('location')).toBe('/dashboard/?sso_error=UNAUTHORIZED');
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('tracer_session='))).toBe(false);
    expect(await sessionCount()).toBe(before);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { browser, callback: url } = await untilCallback('ada');
    await t.db.orm.em.fork().getConnection().execute("update sso_attempts set nonce = 'not-the-nonce-that-was-sent'");
    expect(await callback(browser, url)).toMatchObject({ location: '/dashboard/?sso_error=UNAUTHORIZED', session: undefined });
  });

  /** The provider's token with its payload changed but its signature kept: no longer what was signed. */
  const forged = (token: string) => {
    const [header, payload, signature] = token.split('.');
    return `${header}.${b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), email: 'boss@acme.example' })}.${signature}`;
  };
  const now = () => Math.floor(Date.now() / 1000);
  // Re-signed with the provider's own key, so only the changed claim is wrong.
  it.each([
    ['a wrong audience', (token: string) => resign(token, idp.key, (c) => void (c.aud = 'another-client'))],
    ['a wrong issuer', (token: string) => resign(token, idp.key, (c) => void (c.iss = 'http://127.0.0.1:1'))],
    ['an expired token', (token: string) => resign(token, idp.key, (c) => void Object.assign(c, { iat: now() - 7200, exp: now() - 3600 }))],
    ['a changed email under the provider\'s signature', forged],
  ])('refuses %s', async (_what, change) => {
    const before = await sessionCount();
    idp.tamper = change;
    try {
      const { browser, callback: url } = await untilCallback('ada');
      expect(await callback(browser, url)).toMatchObject({ location: '/dashboard/?sso_error=UNAUTHORIZED', session: undefined });
    } finally {
      idp.tamper = undefined;
    }
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a token signed by a key the provider does not publish, and follows the provider when it rotates its keys', async () => {
    const stranger = signingKey();
    idp.tamper = (token) => resign(token, stranger, () => {});
    try {
      const { browser, callback: url } = await untilCallback('ada');
      expect(await callback(browser, url)).toMatchObject({ location: '/dashboard/?sso_error=UNAUTHORIZED', session: undefined });
    } finally {
      idp.tamper = undefined;
    }
    // The provider rotates: a new key, the old one gone. Nothing is reconfigured in tracer.
    await idp.rotate();
    const after = await ssoSignIn('ada');
    expect(after.location).toBe('/dashboard/');
    expect((await me(after.session!).gql(ops.SignedInMeDocument, {})).data!.me.member!.email).toBe('ada@acme.example');
  });

  it('refuses an email of another domain, and one the provider has not verified', async () => {
    const before = await sessionCount();
    const none = await fetch(`${t.baseUrl}/auth/sso/start?email=bob%40other.example`, { redirect: 'manual' });
    expect(none.headers.get('location')).toBe('/dashboard/?sso_error=NOT_FOUND'); // no connection for other.example
    // What the sign-in page asks before it offers "Continue with SSO": the domain's connection, nothing more.
    const available = async (email: string) => (await (await fetch(`${t.baseUrl}/auth/sso/available?email=${encodeURIComponent(email)}`)).json()) as unknown;
    expect(await available('Someone@ACME.example')).toEqual({ success: true, data: { sso: true } });
    expect(await available('bob@other.example')).toEqual({ success: true, data: { sso: false } });
    expect(await available('not an email')).toEqual({ success: true, data: { sso: false } });
    // Bob starts with an acme address, but the provider signs him in as bob@other.example.
    const { browser, callback: url } = await untilCallback('bob', 'bob@acme.example');
    expect(await callback(browser, url)).toMatchObject({ location: '/dashboard/?sso_error=FORBIDDEN', session: undefined });
    expect(await ssoSignIn('eve').then((r) => [r.location, r.session])).toEqual(['/dashboard/?sso_error=FORBIDDEN', undefined]);
    expect(await sessionCount()).toBe(before);
    const emails = (await owner.gql(ops.MembersDocument, {})).data!.organization.members.map((m) => m.email);
    expect(emails).not.toContain('bob@other.example');
    expect(emails).not.toContain('eve@acme.example');
  });

  it('sends an unusable start back to the sign-in page with the code', async () => {
    const res = await fetch(`${t.baseUrl}/auth/sso/start?email=nobody`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([302, '/dashboard/?sso_error=BAD_USER_INPUT']);
  });
});

describe('enforceSso', () => {
  it('refuses a password sign-in to members of the connection\'s domains (after the password), not to others; keys are unaffected', async () => {
    // Cyd signs in through SSO first (no password), then sets one on the account page.
    const cyd = await ssoSignIn('cyd');
    const set = await post(t.baseUrl, '/auth/change-password', { current_password: '', new_password: GOOD_PASSWORD }, { cookie: `tracer_session=${cyd.session}`, origin: t.baseUrl });
    expect(set.status).toBe(204);
    expect((await signIn(t, 'cyd@acme.example', GOOD_PASSWORD)).res.status).toBe(200);
    const outsider = await addPerson(t, org, 'pat@elsewhere.example', 'VIEWER');

    const off = await owner.gql(ops.SsoConnectionsDocument, {});
    expect(off.data!.organization.enforceSso).toBe(false);
    const on = await owner.gql(ops.SetEnforceSsoDocument, { enforceSso: true });
    expect(on.data!.setEnforceSso.enforceSso).toBe(true);

    const refused = await signIn(t, 'cyd@acme.example', GOOD_PASSWORD);
    expect([refused.res.status, refused.body.error?.code, refused.cookie]).toEqual([403, 'SSO_REQUIRED', undefined]);
    const wrong = await signIn(t, 'cyd@acme.example', `${GOOD_PASSWORD}x`);
    expect([wrong.res.status, wrong.body.error?.code]).toEqual([401, 'UNAUTHORIZED']); // no hint without the password
    expect((await signIn(t, outsider.email, GOOD_PASSWORD)).res.status).toBe(200);
    expect((await ssoSignIn('cyd')).location).toBe('/dashboard/');
    expect((await owner.gql(ops.SignedInMeDocument, {})).status).toBe(200);

    // Only an owner changes it; with no connection left it cannot be turned on.
    const admin = (await t.key(org, ['organization:read', 'organization:write'])).client;
    expect((await admin.gql(ops.SetEnforceSsoDocument, { enforceSso: false })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await owner.gql(ops.SetEnforceSsoDocument, { enforceSso: false })).data!.setEnforceSso.enforceSso).toBe(false);
    expect((await signIn(t, 'cyd@acme.example', GOOD_PASSWORD)).res.status).toBe(200);
    const lone = await t.org('Lone');
    expect((await (await t.key(lone, ['all'])).client.gql(ops.SetEnforceSsoDocument, { enforceSso: true })).errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('cannot be turned on while no domain of any connection is VERIFIED (CONFLICT, saying so)', async () => {
    const pending = (await t.key(await t.org('Pending only'), ['all'])).client;
    const created = await pending.gql(ops.CreateSsoConnectionDocument, {
      input: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, emailDomains: ['pending-only.example'], defaultRole: 'VIEWER' as never },
    });
    expect(created.data!.createSsoConnection.domains[0].status).toBe('PENDING');
    const refused = await pending.gql(ops.SetEnforceSsoDocument, { enforceSso: true });
    expect(refused.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(refused.errors?.[0].message).toBe('Verify at least one domain of an SSO connection (verifySsoDomain) before enforcing single sign-on');
    expect((await prove(pending, created.data!.createSsoConnection.id, 'pending-only.example')).data!.verifySsoDomain.domains[0].status).toBe('VERIFIED');
    expect((await pending.gql(ops.SetEnforceSsoDocument, { enforceSso: true })).data!.setEnforceSso.enforceSso).toBe(true);
    expect((await pending.gql(ops.SetEnforceSsoDocument, { enforceSso: false })).data!.setEnforceSso.enforceSso).toBe(false);
  });
});

describe('change password', () => {
  it('needs the current password and a strong new one, keeps this session and ends the others', async () => {
    const person = await addPerson(t, org, 'kim@elsewhere.example', 'MEMBER');
    const other = await signIn(t, person.email, GOOD_PASSWORD);
    const headers = { cookie: person.cookie, origin: t.baseUrl };
    const change = (body: Record<string, unknown>, h: Record<string, string> = headers) => post(t.baseUrl, '/auth/change-password', body, h);
    const NEW = 'copper-lantern-meadow-5307';

    const wrong = await change({ current_password: 'not-my-password-at-all', new_password: NEW });
    expect([wrong.status, ((await wrong.json()) as { error: { code: string; fields: { field: string }[] } }).error.fields[0].field]).toEqual([400, 'current_password']);
    const weak = await change({ current_password: GOOD_PASSWORD, new_password: 'password1234' });
    expect([weak.status, ((await weak.json()) as { error: { fields: { field: string }[] } }).error.fields[0].field]).toEqual([400, 'new_password']);
    expect((await change({ current_password: GOOD_PASSWORD, new_password: NEW }, { cookie: person.cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await change({ current_password: GOOD_PASSWORD, new_password: NEW }, { cookie: person.cookie })).status).toBe(403); // no Origin: refused
    const withKey = await fetch(`${t.baseUrl}/auth/change-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${(await t.key(org, ['all'])).key}` },
      body: JSON.stringify({ current_password: GOOD_PASSWORD, new_password: NEW }),
    });
    expect(withKey.status).toBe(400);
    // Nothing changed so far.
    expect((await signIn(t, person.email, GOOD_PASSWORD)).res.status).toBe(200);

    expect((await change({ current_password: GOOD_PASSWORD, new_password: NEW })).status).toBe(204);
    expect((await person.client.gql(ops.SignedInMeDocument, {})).status).toBe(200);
    expect((await other.client!.gql(ops.SignedInMeDocument, {})).status).toBe(401);
    expect((await signIn(t, person.email, GOOD_PASSWORD)).res.status).toBe(401);
    expect((await signIn(t, person.email, NEW)).res.status).toBe(200);
    const events = (await owner.gql(ops.AuditEventsDocument, { first: 100 })).data!.auditEvents.nodes;
    expect(events.filter((e) => e.action === 'member.password_changed').map((e) => e.target)).toContain(person.memberId);
  });
});

describe('domain verification', () => {
  const BIG = 'bigcorp.example';
  const idpInput = (emailDomains: string[]) => ({ input: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, emailDomains, defaultRole: 'VIEWER' as never } });
  const available = async (email: string) => ((await (await fetch(`${t.baseUrl}/auth/sso/available?email=${encodeURIComponent(email)}`)).json()) as { data: { sso: boolean } }).data.sso;
  const attempts = async () => Number((await t.db.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from sso_attempts'))[0].n);
  const claimsOf = async (client: Client) => (await client.gql(ops.SsoConnectionsDocument, {})).data!.ssoConnections.flatMap((c) => c.domains.map((d) => ({ connection: c.id, ...d })));

  it('routes nobody through a pending claim; the first to publish its record owns the domain and the other claims are dropped', async () => {
    // Mallory claims another company's domain first: it stays PENDING and routes nobody.
    const mallory = (await t.key(await t.org('Mallory'), ['all'])).client;
    const hers = (await mallory.gql(ops.CreateSsoConnectionDocument, idpInput([BIG]))).data!.createSsoConnection;
    const [pending] = hers.domains;
    expect(pending).toMatchObject({ domain: BIG, status: 'PENDING', verificationName: `_tracer-challenge.${BIG}`, verifiedAt: null });
    expect(pending.verificationRecord).toMatch(/^tracer-domain-verification=[A-Za-z0-9_-]{43}$/); // 256 random bits
    expect(await available('alice@bigcorp.example')).toBe(false);
    const before = await attempts();
    const start = await fetch(`${t.baseUrl}/auth/sso/start?email=alice%40bigcorp.example`, { redirect: 'manual' });
    expect(start.headers.get('location')).toBe('/dashboard/?sso_error=NOT_FOUND');
    expect(await attempts()).toBe(before);

    // The real owner may still claim it (CONFLICT only against a VERIFIED domain), with a token of its own.
    const bigOrg = await t.org('BigCorp');
    const big = (await t.key(bigOrg, ['all'])).client;
    const theirs = (await big.gql(ops.CreateSsoConnectionDocument, idpInput([BIG]))).data!.createSsoConnection;
    expect(theirs.domains[0].verificationRecord).not.toBe(pending.verificationRecord);

    // No record yet; then only BigCorp's record is published at BigCorp's DNS: Mallory cannot prove it.
    const noRecord = await mallory.gql(ops.VerifySsoDomainDocument, { connectionId: hers.id, domain: BIG });
    expect([noRecord.errors?.[0].extensions?.code, (noRecord.errors?.[0].extensions?.fields as { field: string }[])[0].field]).toEqual(['BAD_USER_INPUT', 'domain']);
    dns.txt(`_tracer-challenge.${BIG}`, 'v=unrelated', theirs.domains[0].verificationRecord);
    expect((await mallory.gql(ops.VerifySsoDomainDocument, { connectionId: hers.id, domain: BIG })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // Another organization's connection, or a domain the connection does not claim, does not exist; an admin is not an owner.
    expect((await mallory.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: BIG })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await big.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: 'other.example' })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await big.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: 'not a domain' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const admin = (await t.key(bigOrg, ['organization:read', 'organization:write'])).client;
    expect((await admin.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: BIG })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // A DNS server that fails: SERVICE_UNAVAILABLE, and nothing changes.
    dns.failing.add(`_tracer-challenge.${BIG}`);
    try {
      const down = await big.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: BIG });
      expect(down.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      dns.failing.delete(`_tracer-challenge.${BIG}`);
    }
    expect((await claimsOf(big))[0].status).toBe('PENDING');
    expect((await claimsOf(mallory))[0].status).toBe('PENDING');

    // BigCorp proves it: verified, Mallory's claim gone, and a new one CONFLICT.
    const done = await big.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: BIG.toUpperCase() });
    expect(done.data!.verifySsoDomain.domains[0]).toMatchObject({ domain: BIG, status: 'VERIFIED', verifiedAt: expect.any(String) });
    expect(dns.queries.at(-1)).toEqual({ name: `_tracer-challenge.${BIG}`, type: 'TXT' });
    expect(await claimsOf(mallory)).toEqual([]);
    expect((await mallory.gql(ops.SsoConnectionsDocument, {})).data!.ssoConnections[0].emailDomains).toEqual([]);
    expect((await mallory.gql(ops.VerifySsoDomainDocument, { connectionId: hers.id, domain: BIG })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await mallory.gql(ops.CreateSsoConnectionDocument, idpInput([BIG]))).errors?.[0].extensions?.code).toBe('CONFLICT');
    // Verifying again changes nothing and asks no DNS server.
    const asked = dns.queries.length;
    expect((await big.gql(ops.VerifySsoDomainDocument, { connectionId: theirs.id, domain: BIG })).data!.verifySsoDomain.domains[0].status).toBe('VERIFIED');
    expect(dns.queries.length).toBe(asked);
    const events = (await big.gql(ops.AuditEventsDocument, { first: 100 })).data!.auditEvents.nodes.filter((e) => e.action === 'sso_domain.verified');
    expect(events.map((e) => [e.target, e.changedFields])).toEqual([[theirs.id, [BIG]]]);

    // Now Alice signs in through BigCorp's connection, and becomes BigCorp's member.
    expect(await available('alice@bigcorp.example')).toBe(true);
    const alice = await ssoSignIn('alice');
    expect(alice.location).toBe('/dashboard/');
    expect((await me(alice.session!).gql(ops.SignedInMeDocument, {})).data!.me.organization.id).toBe(bigOrg.id);
  });

  it('lets one of two owners verifying at once win; the other is refused and nothing is half-written', async () => {
    const RACE = 'race.example';
    const a = (await t.key(await t.org('Race A'), ['all'])).client;
    const b = (await t.key(await t.org('Race B'), ['all'])).client;
    const ca = (await a.gql(ops.CreateSsoConnectionDocument, idpInput([RACE]))).data!.createSsoConnection;
    const cb = (await b.gql(ops.CreateSsoConnectionDocument, idpInput([RACE]))).data!.createSsoConnection;
    // Both records published (as if the domain had changed hands between them).
    dns.txt(`_tracer-challenge.${RACE}`, ca.domains[0].verificationRecord, cb.domains[0].verificationRecord);
    const results = await Promise.all([a.gql(ops.VerifySsoDomainDocument, { connectionId: ca.id, domain: RACE }), b.gql(ops.VerifySsoDomainDocument, { connectionId: cb.id, domain: RACE })]);
    const won = results.filter((r) => r.data?.verifySsoDomain.domains[0]?.status === 'VERIFIED');
    expect(won).toHaveLength(1);
    expect(['CONFLICT', 'NOT_FOUND']).toContain(results.find((r) => r !== won[0])!.errors?.[0].extensions?.code);
    const rows = await t.db.orm.em.fork().getConnection().execute<{ status: string }[]>('select status from sso_domains where domain = ?', [RACE]);
    expect(rows).toEqual([{ status: 'VERIFIED' }]);
  });

  it('enforceSso binds only the members of a verified domain', async () => {
    const created = (await owner.gql(ops.CreateSsoConnectionDocument, idpInput(['later.example']))).data!.createSsoConnection;
    const lee = await addPerson(t, org, 'lee@later.example', 'VIEWER');
    expect((await owner.gql(ops.SetEnforceSsoDocument, { enforceSso: true })).data!.setEnforceSso.enforceSso).toBe(true);
    try {
      expect((await signIn(t, lee.email, GOOD_PASSWORD)).res.status).toBe(200); // pending: as if there were no connection
      expect((await prove(owner, created.id, 'later.example')).data!.verifySsoDomain.domains[0].status).toBe('VERIFIED');
      const refused = await signIn(t, lee.email, GOOD_PASSWORD);
      expect([refused.res.status, refused.body.error?.code]).toEqual([403, 'SSO_REQUIRED']);
    } finally {
      await owner.gql(ops.SetEnforceSsoDocument, { enforceSso: false });
    }
  });
});
