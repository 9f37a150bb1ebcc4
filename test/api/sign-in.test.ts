/** People sign in (issue 25, phase 1): the set-password link, sign-in, the cookie, sign-out, failures, limits. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateApiKeyDocument, CreateMonitorDocument, MeDocument, SessionsDocument, SignedInMeDocument } from '../../src/client/generated/graphql';
import { PasswordHasher, passwordStats } from '../../src/modules/accounts/password-hash';
import { newToken, tokenHash } from '../../src/modules/accounts/session-token';
import { startTestApp, type TestApp } from '../helpers/app';
import { addPerson, GOOD_PASSWORD, post, signIn } from '../helpers/people';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ AUTH_FAILURE_LIMIT: '5', SESSION_IDLE_MINUTES: '30', SESSION_MAX_DAYS: '2', TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await t?.close();
});

describe('from the set-password link to a session', () => {
  it('sets a password once, signs in with a cookie that is HttpOnly, SameSite=Lax, Path=/, and answers member and organization', async () => {
    const org = await t.org('Acme Inc');
    const em = t.db.orm.em.fork();
    const member = await t.app.services.members.invite(em, null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, { email: 'ada@example.com', role: 'OWNER' });
    const { token } = await t.app.services.accounts.passwordLink(em, member.id);

    // Too short, too common, then good; the link survives refused passwords and is spent by the good one.
    for (const [password, message] of [
      ['short-1A', /at least 12/],
      ['password1234', /too easy to guess/],
      ['ada@example.com1', /too easy to guess/],
      ['x'.repeat(257), /at most 256/],
    ] as const) {
      const res = await post(t.baseUrl, '/auth/reset-password', { token, password });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; fields: { field: string; message: string }[] } };
      expect(body.error.code).toBe('BAD_USER_INPUT');
      expect(body.error.fields[0]).toMatchObject({ field: 'password', message: expect.stringMatching(message) });
    }
    expect((await post(t.baseUrl, '/auth/reset-password', { token, password: GOOD_PASSWORD })).status).toBe(204);
    const again = await post(t.baseUrl, '/auth/reset-password', { token, password: GOOD_PASSWORD });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { fields: unknown[] } }).error.fields).toEqual([{ field: 'token', message: 'is invalid, used or expired; ask for a new link' }]);

    const { res, body, cookie, client } = await signIn(t, 'Ada@Example.com ', GOOD_PASSWORD, { 'user-agent': 'test-browser/1.0' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^tracer_session=[0-9A-Za-z]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=172800$/);
    expect(cookie).toMatch(/^tracer_session=/);
    expect(body).toEqual({
      success: true,
      data: {
        member: { id: member.id, email: 'ada@example.com', name: null, role: 'OWNER', joined_at: member.joinedAt.toISOString(), permissions: ['all'], mfa_enabled: false },
        organization: { id: org.id, name: 'Acme Inc', created_at: org.createdAt.toISOString() },
      },
    });

    // The session is a principal like a key: `me` names the member, no key.
    const me = await client!.gql(SignedInMeDocument);
    expect(me.data?.me).toMatchObject({ organization: { id: org.id }, member: { id: member.id, role: 'OWNER', permissions: ['all'] } });
    expect((await client!.gql(MeDocument)).data?.me.key).toBeNull();
    const rest = await client!.rest('GET', '/v1/me');
    expect(rest.body).toEqual({ success: true, data: { organization: { id: org.id, name: 'Acme Inc' }, key: null } });
    const sessions = (await client!.gql(SessionsDocument)).data!.sessions;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ current: true, ip: '127.0.0.1', userAgent: 'test-browser/1.0' });
    expect(await client!.gql(CreateMonitorDocument, { input: { name: 'm', url: 'http://127.0.0.1:1/' } })).toMatchObject({ status: 200 });

    // Like a key after its first request, a session costs no SQL: `me` is answered from the cached row.
    t.queries.length = 0;
    for (let i = 0; i < 5; i++) expect((await client!.gql(MeDocument)).status).toBe(200);
    expect(t.requestQueries()).toEqual([]);
  });

  it('a link is good for 24 hours', async () => {
    const org = await t.org();
    const em = t.db.orm.em.fork();
    const member = await t.app.services.members.invite(em, null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, { email: 'late@example.com', role: 'VIEWER' });
    const { token, expiresAt } = await t.app.services.accounts.passwordLink(em, member.id);
    t.clock.now = expiresAt;
    try {
      expect((await post(t.baseUrl, '/auth/reset-password', { token, password: GOOD_PASSWORD })).status).toBe(400);
    } finally {
      t.clock.now = null;
    }
    expect((await post(t.baseUrl, '/auth/reset-password', { token: 'not a token', password: GOOD_PASSWORD })).status).toBe(400);
  });
});

describe('a link sets a password only if it was made for it', () => {
  it('a token made for another purpose is the same invalid-token 400, and stays unspent', async () => {
    const org = await t.org();
    const em = t.db.orm.em.fork();
    const member = await t.app.services.members.invite(em, null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, { email: 'other-purpose@example.com', role: 'VIEWER' });
    const token = newToken();
    const now = new Date();
    await em
      .fork()
      .getConnection()
      .execute(`insert into password_tokens (id, member_id, token_hash, purpose, created_at, expires_at) values (?, ?, ?, 'invitation', ?, ?)`, [
        'pwt_0000000000000001',
        member.id,
        tokenHash(token),
        now,
        new Date(now.getTime() + 3_600_000),
      ]);
    const res = await post(t.baseUrl, '/auth/reset-password', { token, password: GOOD_PASSWORD });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: unknown[] } }).error.fields).toEqual([{ field: 'token', message: 'is invalid, used or expired; ask for a new link' }]);
    expect((await signIn(t, 'other-purpose@example.com', GOOD_PASSWORD, { 'x-forwarded-for': '198.51.100.95' })).res.status).toBe(401);
    const rows = await em.fork().getConnection().execute(`select used_at from password_tokens where id = 'pwt_0000000000000001'`);
    expect(rows[0].used_at).toBeNull();
  });
});

describe('failures look alike', () => {
  it('a wrong email and a wrong password: the same 401, each after exactly one argon2 verification', async () => {
    await addPerson(t, await t.org(), 'grace@example.com', 'MEMBER');
    const answers = [];
    // The decoy an unknown email is checked against was made at start: this sign-in hashes nothing of its own.
    const hashes = passwordStats.hashes;
    for (const [email, password] of [
      ['nobody@example.com', GOOD_PASSWORD],
      ['grace@example.com', `${GOOD_PASSWORD}x`],
    ]) {
      const before = passwordStats.verifies;
      const { res, body, cookie } = await signIn(t, email, password, { 'x-forwarded-for': '203.0.113.9' });
      expect(passwordStats.verifies - before).toBe(1);
      expect(cookie).toBeUndefined();
      delete (body.error as Record<string, unknown> | undefined)?.request_id;
      answers.push({ status: res.status, body });
    }
    expect(answers[0]).toEqual({ status: 401, body: { success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid email or password' } } });
    expect(answers[1]).toEqual(answers[0]);
    expect(passwordStats.hashes).toBe(hashes);
  });

  it('a missing or foreign cookie is the session 401; a Bearer header is judged by the key alone', async () => {
    const person = await addPerson(t, await t.org(), 'hopper@example.com', 'MEMBER');
    const stale = t.client().withHeaders({ cookie: `tracer_session=${'A'.repeat(43)}`, origin: t.baseUrl });
    const res = await stale.gql(MeDocument);
    expect([res.status, res.errors?.[0].extensions?.code, res.errors?.[0].message]).toEqual([401, 'UNAUTHORIZED', 'Invalid or expired session']);
    // A valid cookie does not rescue a bad key, nor lend its member to a request that names a key.
    const withBadKey = person.client.withAuthorization('Bearer nope');
    expect((await withBadKey.gql(MeDocument)).errors?.[0].message).toBe('Invalid or missing API key');
    const key = await t.key(await t.org(), ['monitors:read']);
    const both = key.client.withHeaders({ cookie: person.cookie });
    expect((await both.gql(MeDocument)).data?.me.key?.id).toBe(key.id);
  });

  it('sign-in failures are limited per email and address, without locking the member out from another address', async () => {
    await addPerson(t, await t.org(), 'turing@example.com', 'OWNER');
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 5; i++) expect((await signIn(t, 'turing@example.com', 'wrong-password-guess', from('198.51.100.7'))).res.status).toBe(401);
    const limited = await signIn(t, 'turing@example.com', GOOD_PASSWORD, from('198.51.100.7'));
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await signIn(t, 'turing@example.com', GOOD_PASSWORD, from('192.0.2.44'))).res.status).toBe(200);
  });

  it('attempts in flight at once count as they start: 20 parallel guesses get at most AUTH_FAILURE_LIMIT verifications', async () => {
    await addPerson(t, await t.org(), 'lovelace@example.com', 'MEMBER');
    const before = passwordStats.verifies;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(t, 'lovelace@example.com', `wrong-password-guess-${i}`, { 'x-forwarded-for': '198.51.100.77' })),
    );
    const statuses = answers.map((a) => a.res.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    expect(passwordStats.verifies - before).toBe(5);
  });

  it('a successful sign-in is not counted as a failure: more sign-ins than the limit from one address all succeed', async () => {
    await addPerson(t, await t.org(), 'hamilton@example.com', 'MEMBER');
    for (let i = 0; i < 8; i++) expect((await signIn(t, 'hamilton@example.com', GOOD_PASSWORD, { 'x-forwarded-for': '198.51.100.78' })).res.status).toBe(200);
  });
});

describe('client addresses from X-Forwarded-For (TRUST_PROXY)', () => {
  it('an address too long or not an address is not stored: sign-in and what the session does still work', async () => {
    const person = await addPerson(t, await t.org(), 'curie@example.com', 'OWNER');
    for (const forwarded of [`fe80::1%${'z'.repeat(100)}`, 'x'.repeat(300)]) {
      const { res, client } = await signIn(t, 'curie@example.com', GOOD_PASSWORD, { 'x-forwarded-for': forwarded });
      expect(res.status).toBe(200);
      const withProxy = client!.withHeaders({ 'x-forwarded-for': forwarded });
      const sessions = (await withProxy.gql(SessionsDocument)).data!.sessions;
      const current = sessions.find((s) => s.current)!;
      expect(current.ip === null || current.ip.length <= 64).toBe(true);
      // A change under that session writes the audit log with the address.
      const key = await withProxy.gql(CreateApiKeyDocument, { input: { name: 'from a proxy', permissions: ['monitors:read'] } });
      expect(key.errors).toBeUndefined();
      expect((await t.client(key.data!.createApiKey.key).withHeaders({ 'x-forwarded-for': forwarded }).gql(MeDocument)).status).toBe(200);
    }
    // The keys' last use is written with them, not failing the batch.
    await t.app.lastUsed.flush();
    const used = await t.db.orm.em.fork().getConnection().execute(`select last_used_at, last_used_ip from api_keys where name = 'from a proxy'`);
    expect(used).toHaveLength(2);
    for (const row of used) expect(row.last_used_at).not.toBeNull();
    expect((await person.client.gql(MeDocument)).status).toBe(200);
  });
});

describe('argon2 work is bounded', () => {
  it('beyond two computations and PASSWORD_HASH_QUEUE_MAX waiting, a sign-in is 503 before any hash', async () => {
    const busy = await startTestApp({ PASSWORD_HASH_QUEUE_MAX: '1', TRUST_PROXY: 'true' });
    try {
      const before = passwordStats.verifies;
      // Each from its own address, so the failure limiter lets every one through to the hash.
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => signIn(busy, `nobody${i}@example.com`, GOOD_PASSWORD, { 'x-forwarded-for': `198.18.0.${i + 1}` })),
      );
      const refused = answers.filter((a) => a.res.status === 503);
      expect(answers.filter((a) => a.res.status === 401).length + refused.length).toBe(30);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0].res.headers.get('retry-after')).toBe('1');
      expect(refused[0].body.error?.code).toBe('SERVICE_UNAVAILABLE');
      // The refused ones did no argon2 work.
      expect(passwordStats.verifies - before).toBe(30 - refused.length);
      // Once the burst is over, sign-in answers again.
      expect((await signIn(busy, 'nobody@example.com', GOOD_PASSWORD, { 'x-forwarded-for': '198.18.1.1' })).res.status).toBe(401);
    } finally {
      await busy.close();
    }
  });
});

describe('sessions end', () => {
  it('a sign-in in flight with the old password while the password is reset opens no session: the same 401', async () => {
    const org = await t.org();
    const person = await addPerson(t, org, 'noether@example.com', 'MEMBER');
    const { token } = await t.app.services.accounts.passwordLink(t.db.orm.em.fork(), person.memberId);
    // Hold the sign-in between its password check and the session it opens, as a slow hash would.
    let reached!: () => void;
    let release!: () => void;
    const atCheck = new Promise<void>((r) => (reached = r));
    const gate = new Promise<void>((r) => (release = r));
    const matches = PasswordHasher.prototype.matches;
    const spy = vi.spyOn(PasswordHasher.prototype, 'matches').mockImplementation(async function (this: PasswordHasher, stored, password) {
      const ok = await matches.call(this, stored, password);
      if (password === GOOD_PASSWORD) {
        reached();
        await gate;
      }
      return ok;
    });
    try {
      const inFlight = signIn(t, 'noether@example.com', GOOD_PASSWORD, { 'x-forwarded-for': '198.51.100.90' });
      await atCheck;
      expect((await post(t.baseUrl, '/auth/reset-password', { token, password: 'amber-lantern-orbit-5531' })).status).toBe(204);
      release();
      const { res, cookie, body } = await inFlight;
      expect([res.status, body.error?.message, cookie]).toEqual([401, 'Invalid email or password', undefined]);
    } finally {
      spy.mockRestore();
    }
    const rows = await t.db.orm.em.fork().getConnection().execute('select count(*)::int as n from sessions where member_id = ?', [person.memberId]);
    expect(rows[0].n).toBe(0);
    expect((await person.client.gql(MeDocument)).status).toBe(401);
    expect((await signIn(t, 'noether@example.com', 'amber-lantern-orbit-5531')).res.status).toBe(200);
  });

  it('sign-out ends the session (204) and clears the cookie; the cookie is then refused', async () => {
    const person = await addPerson(t, await t.org(), 'lovelace@example.com', 'VIEWER');
    const out = await fetch(`${t.baseUrl}/auth/sign-out`, { method: 'POST', headers: { cookie: person.cookie, origin: t.baseUrl } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^tracer_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0$/);
    const refused = await person.client.gql(MeDocument);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toMatch(/^tracer_session=; .*Max-Age=0$/); // the browser forgets it
    expect((await person.client.rest('GET', '/v1/me')).headers.get('set-cookie')).toMatch(/^tracer_session=; .*Max-Age=0$/);
  });

  it('after SESSION_IDLE_MINUTES unused, or SESSION_MAX_DAYS after sign-in however active', async () => {
    const idle = await addPerson(t, await t.org(), 'idle@example.com', 'VIEWER');
    const busy = await addPerson(t, await t.org(), 'busy@example.com', 'VIEWER');
    const start = Date.now();
    try {
      t.clock.now = new Date(start + 29 * 60_000);
      expect((await busy.client.gql(MeDocument)).status).toBe(200);
      t.clock.now = new Date(start + 31 * 60_000);
      expect((await idle.client.gql(MeDocument)).status).toBe(401);
      // Signing in again clears the member's ended rows: only the new session is left.
      const back = await signIn(t, 'idle@example.com', GOOD_PASSWORD);
      expect((await back.client!.gql(SessionsDocument)).data?.sessions.map((s) => s.current)).toEqual([true]);
      // Used every 29 minutes, the busy one lives until two days after sign-in, and not a minute more.
      for (let at = start + 58 * 60_000; at < start + 2 * 86_400_000 - 60_000; at += 29 * 60_000) {
        t.clock.now = new Date(at);
        if ((await busy.client.gql(MeDocument)).status !== 200) throw new Error(`refused at +${(at - start) / 60_000} min`);
      }
      t.clock.now = new Date(start + 2 * 86_400_000 + 1000);
      expect((await busy.client.gql(MeDocument)).status).toBe(401);
    } finally {
      t.clock.now = null;
    }
  });
});
