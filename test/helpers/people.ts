import type { Organization } from '../../src/modules/organization/organization.entity';
import type { MemberRole } from '../../src/modules/members/member.entity';
import type { TestApp } from './app';
import { systemActorOf } from '../../src/modules/audit/audit';
import type { Client } from './client';

/** A password the strength estimator accepts. */
export const GOOD_PASSWORD = 'violet-harbor-tunnel-8142';

export interface Person {
  memberId: string;
  email: string;
  /** The `tracer_session=…` pair, as a browser would send it back. */
  cookie: string;
  /** A client sending the cookie and this server's Origin, as the dashboard would. */
  client: Client;
}

/** The session cookie pair of a sign-in answer's Set-Cookie, or undefined. */
export function sessionCookieOf(res: Response): string | undefined {
  const header = res.headers.get('set-cookie');
  return header?.split(';')[0];
}

export async function post(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Signs `email` in over HTTP; the answer and, when it worked, a client holding the session. */
export async function signIn(t: TestApp, email: string, password: string, headers: Record<string, string> = {}) {
  const res = await post(t.baseUrl, '/auth/sign-in', { email, password }, headers);
  const cookie = sessionCookieOf(res);
  const client = cookie ? t.client().withHeaders({ cookie, origin: t.baseUrl }) : undefined;
  return { res, cookie, client, body: (await res.json()) as { success: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } } };
}

/**
 * A member made through the service as the CLI makes it, its password set through the single-use link over HTTP,
 * and signed in over HTTP: the path a person takes.
 */
export async function addPerson(t: TestApp, org: Organization, email: string, role: MemberRole, password = GOOD_PASSWORD): Promise<Person> {
  const em = t.db.orm.em.fork();
  const actor = systemActorOf(org.id, 'cli');
  const member = await t.app.services.members.invite(em, null, actor, { email, role });
  const { token } = await t.app.services.accounts.passwordLink(em, member.id);
  const set = await post(t.baseUrl, '/auth/reset-password', { token, password });
  if (set.status !== 204) throw new Error(`reset-password answered ${set.status}: ${await set.text()}`);
  const signed = await signIn(t, email, password);
  if (!signed.client) throw new Error(`sign-in answered ${signed.res.status}: ${JSON.stringify(signed.body)}`);
  return { memberId: member.id, email, cookie: signed.cookie!, client: signed.client };
}

/** The token of a `/dashboard/…?token=` link (an invitation, a setup or a reset link). */
export const tokenOf = (link: string): string => new URL(link).searchParams.get('token') ?? '';

/**
 * Accepts an invitation link over HTTP (`POST /auth/accept-invite`), as the invited person would: the answer and,
 * when it worked, a client holding the new session.
 */
export async function acceptInvite(t: TestApp, link: string, name = 'Invited Person', password = GOOD_PASSWORD) {
  const res = await post(t.baseUrl, '/auth/accept-invite', { token: tokenOf(link), name, password });
  const cookie = sessionCookieOf(res);
  const client = cookie ? t.client().withHeaders({ cookie, origin: t.baseUrl }) : undefined;
  return { res, cookie, client, body: (await res.json()) as { success: boolean; data?: { member: { id: string; email: string; role: string; permissions: string[] }; organization: { id: string } }; error?: { code: string; message: string; fields?: unknown[] } } };
}
