/**
 * The first start's setup link (issue 25): on an empty database the app makes "Default Organization" and a
 * single-use link, valid 24 hours, whose token `POST /auth/setup` turns into its first OWNER, signed in. The
 * server prints it (test/processes/readme-walkthrough.test.ts follows the README's quickstart through it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignedInMeDocument } from '../../src/client/generated/graphql';
import { firstStart } from '../../src/modules/invitations/first-start';
import { startTestApp, type TestApp } from '../helpers/app';
import { GOOD_PASSWORD, post, sessionCookieOf, signIn, tokenOf } from '../helpers/people';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ SETUP_LINK: 'true', BOOTSTRAP_KEY: 'false' });
});
afterAll(async () => {
  await t?.close();
});

const REFUSED = {
  code: 'BAD_USER_INPUT',
  message: 'token: is invalid, used, revoked or expired; ask for a new setup link (npm run members -- add)',
  fields: [{ field: 'token', message: 'is invalid, used, revoked or expired; ask for a new setup link (npm run members -- add)' }],
};
const setup = (token: string, email = 'ada@example.com', password = GOOD_PASSWORD) => post(t.baseUrl, '/auth/setup', { token, name: 'Ada', email, password });
async function errorOf(res: Response) {
  const body = (await res.json()) as { error: Record<string, unknown> };
  delete body.error.request_id;
  return [res.status, body.error];
}

describe('the setup link', () => {
  it('is made once, on the empty database, for Default Organization, and only its hash is stored', async () => {
    expect(t.app.setupLink).toMatch(/^http:\/\/127\.0\.0\.1:4000\/dashboard\/setup\?token=[0-9A-Za-z]{43}$/);
    expect(t.app.bootstrapKey).toBeUndefined();
    const rows = await t.db.orm.em.fork().getConnection().execute(`select i.*, o.name as org from invitations i join organizations o on o.id = i.organization_id`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'setup', role: 'OWNER', email: null, org: 'Default Organization' });
    expect(new Date(rows[0].expires_at).getTime() - new Date(rows[0].created_at).getTime()).toBe(86_400_000);
    expect(JSON.stringify(rows)).not.toContain(tokenOf(t.app.setupLink!));
  });

  it('validates, then makes the first OWNER, signed in; it works once', async () => {
    const token = tokenOf(t.app.setupLink!);
    expect(await errorOf(await post(t.baseUrl, '/auth/setup', { token, name: 'Ada', email: 'not an email', password: GOOD_PASSWORD }))).toEqual([
      400,
      expect.objectContaining({ code: 'BAD_USER_INPUT', fields: [{ field: 'email', message: 'must be an email address' }] }),
    ]);
    expect(await errorOf(await setup(token, 'ada@example.com', 'password1234'))).toEqual([400, expect.objectContaining({ fields: [expect.objectContaining({ field: 'password' })] })]);

    const res = await setup(token, 'Ada@Example.com');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { member: { id: string; role: string; permissions: string[] }; organization: { name: string } } };
    expect(body.data).toMatchObject({ member: { email: 'ada@example.com', name: 'Ada', role: 'OWNER', permissions: ['all'] }, organization: { name: 'Default Organization' } });
    const cookie = sessionCookieOf(res)!;
    const me = await t.client().withHeaders({ cookie, origin: t.baseUrl }).gql(SignedInMeDocument);
    expect(me.data!.me.member).toMatchObject({ id: body.data.member.id, role: 'OWNER' });
    expect((await signIn(t, 'ada@example.com', GOOD_PASSWORD)).res.status).toBe(200);

    // Once: a replay, even with another email, is the invalid-link refusal, and makes no one.
    expect(await errorOf(await setup(token, 'mallory@example.com'))).toEqual([400, REFUSED]);
    expect(await errorOf(await setup('A'.repeat(43)))).toEqual([400, REFUSED]);
    const members = await t.db.orm.em.fork().getConnection().execute('select email, role from members');
    expect(members).toEqual([{ email: 'ada@example.com', role: 'OWNER' }]);
  });

  it('is good for 24 hours, and only while the organization has no member', async () => {
    const em = t.db.orm.em.fork();
    const org = await t.org('Fresh Inc');
    const late = tokenOf(await t.app.services.invitations.createSetupLink(em, org.id));
    t.clock.now = new Date(Date.now() + 86_400_000 + 1000);
    try {
      expect(await errorOf(await setup(late, 'late@example.com'))).toEqual([400, REFUSED]);
    } finally {
      t.clock.now = null;
    }
    // Someone became a member another way (the CLI): the link makes no second first owner.
    const token = tokenOf(await t.app.services.invitations.createSetupLink(em, org.id));
    await t.app.services.members.invite(em, null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, { email: 'cli@example.com', role: 'OWNER' });
    expect(await errorOf(await setup(token, 'second@example.com'))).toEqual([400, REFUSED]);
    // An invitation link is refused by /auth/setup, and a setup link by /auth/accept-invite.
    const fresh = tokenOf(await t.app.services.invitations.createSetupLink(em, (await t.org('Other Fresh Inc')).id));
    expect((await post(t.baseUrl, '/auth/accept-invite', { token: fresh, name: 'x', password: GOOD_PASSWORD })).status).toBe(400);
    expect((await setup(fresh, 'fresh@example.com')).status).toBe(200);
  });

  it('a later start on the same database makes no link', async () => {
    expect(await firstStart(t.db.orm.em.fork(), t.app.services, { key: true, setupLink: true })).toEqual({});
  });
});
