/**
 * Forgot password (issue 25): `POST /auth/forgot-password` answers 202 for every address, alike; a known address
 * gets a single-use link (1 hour) through a real SMTP server in process; setting the password through it ends every
 * session. Requests are limited per email and per address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { linkIn, startMailbox, type Mailbox } from '../helpers/mailbox';
import { addPerson, GOOD_PASSWORD, post, signIn, tokenOf } from '../helpers/people';

const NEW_PASSWORD = 'amber-lantern-quarry-5307';
const LIMIT = 5;
let t: TestApp;
let mailbox: Mailbox;
/** Each test asks from addresses of its own (X-Forwarded-For, TRUST_PROXY): the per-address limit is one test's. */
let address = 0;
const from = () => ({ 'x-forwarded-for': `198.51.100.${++address}` });

beforeAll(async () => {
  mailbox = await startMailbox();
  t = await startTestApp({ SMTP_URL: mailbox.url, AUTH_FAILURE_LIMIT: String(LIMIT), TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await t?.close();
  await mailbox?.close();
});

const forgot = (email: unknown, headers: Record<string, string> = from()) => post(t.baseUrl, '/auth/forgot-password', { email }, headers);

describe('forgot password', () => {
  it('mails a one-hour single-use link; the new password ends every session; an unknown address gets 202 and no mail', async () => {
    const org = await t.org();
    const person = await addPerson(t, org, 'rita@example.com', 'MEMBER');
    const second = await signIn(t, 'rita@example.com', GOOD_PASSWORD, from()); // another browser
    expect((await second.client!.gql(MeDocument)).status).toBe(200);

    const before = mailbox.mails.length;
    const unknown = await forgot('nobody@example.com');
    const known = await forgot('Rita@Example.com');
    for (const res of [unknown, known]) {
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ success: true, data: null });
    }
    const mail = await mailbox.next('rita@example.com', before);
    expect(mail.data).toMatch(/^Subject: \[tracer\] Reset your password\r?$/m);
    const link = linkIn(mail, '/dashboard/reset-password');
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:4000\/dashboard\/reset-password\?token=[0-9A-Za-z]{43}$/);
    // The unknown address was handled first (it was asked first) and got nothing.
    await new Promise((r) => setTimeout(r, 200));
    expect(mailbox.mails.slice(before).flatMap((m) => m.to)).toEqual(['rita@example.com']);

    // Signing in still works until the link is used: asking for a reset changes nothing by itself.
    expect((await person.client.gql(MeDocument)).status).toBe(200);
    expect((await post(t.baseUrl, '/auth/reset-password', { token: tokenOf(link), password: NEW_PASSWORD })).status).toBe(204);
    for (const client of [person.client, second.client!]) expect((await client.gql(MeDocument)).status).toBe(401);
    expect((await signIn(t, 'rita@example.com', GOOD_PASSWORD, from())).res.status).toBe(401);
    expect((await signIn(t, 'rita@example.com', NEW_PASSWORD, from())).res.status).toBe(200);
    // Single use.
    expect((await post(t.baseUrl, '/auth/reset-password', { token: tokenOf(link), password: GOOD_PASSWORD })).status).toBe(400);
  });

  it('a link is good for one hour, and a newer one replaces it', async () => {
    await addPerson(t, await t.org(), 'hour@example.com', 'VIEWER');
    let before = mailbox.mails.length;
    await forgot('hour@example.com');
    const first = linkIn(await mailbox.next('hour@example.com', before), '/dashboard/reset-password');
    before = mailbox.mails.length;
    await forgot('hour@example.com');
    const second = linkIn(await mailbox.next('hour@example.com', before), '/dashboard/reset-password');
    expect((await post(t.baseUrl, '/auth/reset-password', { token: tokenOf(first), password: NEW_PASSWORD })).status).toBe(400);
    t.clock.now = new Date(Date.now() + 3_600_000 + 1000);
    try {
      expect((await post(t.baseUrl, '/auth/reset-password', { token: tokenOf(second), password: NEW_PASSWORD })).status).toBe(400);
    } finally {
      t.clock.now = null;
    }
    expect((await signIn(t, 'hour@example.com', GOOD_PASSWORD, from())).res.status).toBe(200);
  });

  it('answers alike and at once, known or not: the lookup happens after the answer', async () => {
    await addPerson(t, await t.org(), 'timing@example.com', 'VIEWER');
    const before = mailbox.mails.length;
    // While a transaction holds the members table, no lookup of an address can run: an answer that waited for
    // one would never come. Both answers must still come, alike (no clock involved), and the mail only after.
    const em = t.db.orm.em.fork();
    await em.begin();
    let answers: { status: number; body: string }[];
    try {
      await em.execute('lock table members in access exclusive mode');
      const blocked = new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('an answer waited for the address lookup')), 10_000).unref());
      const ask = async (email: string) => {
        const res = await forgot(email);
        return { status: res.status, body: await res.text() };
      };
      answers = await Promise.race([Promise.all([ask('timing@example.com'), ask('nobody-timing@example.com')]), blocked]);
      expect(mailbox.mails.length).toBe(before); // the lookup has not run yet, so nothing was sent
    } finally {
      await em.rollback();
    }
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(answers[0].body).toBe(answers[1].body);
    // The lookup ran once the table was free: the known address gets its link.
    expect(linkIn(await mailbox.next('timing@example.com', before), '/dashboard/reset-password')).toContain('token=');
  });

  it('is limited per email and per address (429 with Retry-After), and validates its input', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await forgot('flood@example.com')).status).toBe(202);
    const perEmail = await forgot('flood@example.com'); // from yet another address
    expect(perEmail.status).toBe(429);
    expect(Number(perEmail.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await perEmail.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');

    const one = from();
    for (let i = 0; i < LIMIT; i++) expect((await forgot(`spray${i}@example.com`, one)).status).toBe(202);
    expect((await forgot('spray-last@example.com', one)).status).toBe(429);
    // Sign-in from that address is another count: asking for resets does not lock anyone out of signing in.
    await addPerson(t, await t.org(), 'spray-owner@example.com', 'VIEWER');
    expect((await signIn(t, 'spray-owner@example.com', GOOD_PASSWORD, one)).res.status).toBe(200);

    for (const email of [undefined, '', 42, 'x'.repeat(255)]) {
      const res = await forgot(email);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; fields: unknown[] } }).error).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'email' }] });
    }
  });
});
