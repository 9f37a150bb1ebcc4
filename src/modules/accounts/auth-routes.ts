import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import { envelopeOf, reportFault } from '../../errors/envelope';
import { sendRestError } from '../../errors/rest';
import { snakeKeys } from '../../key-case';
import type { ContextBuilder } from '../auth/context';
import type { Principal } from '../auth/principal';
import type { Actor } from '../audit/audit';
import { MemberView } from '../members/member.types';
import type { AccountService } from './account.service';
import type { SessionGate } from './session-gate';

export interface AuthRouteDeps {
  orm: MikroORM;
  accounts: AccountService;
  sessions: SessionGate;
  /** The one context builder: sign-out authenticates like every other request. */
  contexts: Pick<ContextBuilder<{ principal: Principal; actor: Actor }>, 'build'>;
  log: FastifyBaseLogger;
}

const body = (req: FastifyRequest): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

/**
 * People's HTTP endpoints, in the REST envelope (docs/reference/rest-routes.md#sign-in):
 * - `POST /auth/sign-in {email, password, otp?}` → 200 `{success, data: {member, organization}}` and the session cookie;
 * - `POST /auth/sign-out` → 204, the session ended on every instance, the cookie cleared;
 * - `POST /auth/reset-password {token, password}` → 204: sets the password of a link's member, ends its sessions;
 * - `POST /auth/change-password {current_password, new_password}` → 204: the signed-in member's, ends their other sessions.
 * Sign-in and reset carry no cookie yet, so they are refused only when a browser names another origin; sign-out is
 * cookie-authenticated and goes through the context builder's origin check like any request that changes state.
 */
export function registerAuthRoutes(fastify: FastifyInstance, deps: AuthRouteDeps): void {
  const { accounts, sessions, orm } = deps;
  const fail = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
    const error = e instanceof AppError ? e : envelopeOf(e);
    if (error.status >= 500) reportFault(deps.log, e, req.id);
    return sendRestError(reply, error);
  };
  const request = (req: FastifyRequest) => ({ method: req.method, headers: req.headers, protocol: req.protocol });

  fastify.post('/auth/sign-in', async (req, reply) => {
    try {
      sessions.origins.assertNotForeign(request(req));
      const input = body(req);
      const ua = req.headers['user-agent'];
      const { token, member, organization } = await accounts.signIn(orm.em.fork(), { email: input.email, password: input.password, otp: input.otp }, req.ip, ua);
      reply.header('set-cookie', sessions.cookie.set(token)).header('cache-control', 'no-store');
      const data = { member: { ...MemberView.from(member) }, organization: { id: organization.id, name: organization.name, createdAt: organization.createdAt } };
      return reply.code(200).send({ success: true, data: snakeKeys(data) });
    } catch (e) {
      return fail(req, reply, e);
    }
  });

  fastify.post('/auth/sign-out', async (req, reply) => {
    try {
      const { principal, actor } = await deps.contexts.build(req, reply);
      if (!principal.session) throw new AppError('BAD_USER_INPUT', 'This request carries no session to end (an API key is revoked instead)');
      await accounts.signOut(orm.em.fork(), principal, actor);
      return reply.header('set-cookie', sessions.cookie.clear()).code(204).send();
    } catch (e) {
      return fail(req, reply, e);
    }
  });

  fastify.post('/auth/change-password', async (req, reply) => {
    try {
      const { principal, actor } = await deps.contexts.build(req, reply);
      const input = body(req);
      await accounts.changePassword(orm.em.fork(), principal, actor, { currentPassword: input.current_password, newPassword: input.new_password }, req.ip);
      return reply.header('cache-control', 'no-store').code(204).send();
    } catch (e) {
      return fail(req, reply, e);
    }
  });

  fastify.post('/auth/reset-password', async (req, reply) => {
    try {
      sessions.origins.assertNotForeign(request(req));
      const input = body(req);
      await accounts.resetPassword(orm.em.fork(), { token: input.token, password: input.password });
      return reply.header('cache-control', 'no-store').code(204).send();
    } catch (e) {
      return fail(req, reply, e);
    }
  });
}
