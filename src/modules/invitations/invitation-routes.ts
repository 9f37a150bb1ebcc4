import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import { envelopeOf, reportFault } from '../../errors/envelope';
import { sendRestError } from '../../errors/rest';
import { snakeKeys } from '../../key-case';
import { MemberView } from '../members/member.types';
import type { SessionGate } from '../accounts/session-gate';
import type { PasswordRecovery } from '../accounts/password-recovery';
import type { InvitationService, Joined } from './invitation.service';

export interface InvitationRouteDeps {
  orm: MikroORM;
  invitations: InvitationService;
  recovery: PasswordRecovery;
  sessions: SessionGate;
  log: FastifyBaseLogger;
}

const body = (req: FastifyRequest): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

/**
 * The links people receive, in the REST envelope (docs/reference/rest-routes.md#people):
 * - `POST /auth/accept-invite {token, name, password}` → 200, signed in as the invitation's role (as sign-in answers);
 * - `POST /auth/setup {token, name, email, password}` → 200, the first OWNER, signed in;
 * - `POST /auth/forgot-password {email}` → 202 whatever the address; the link goes by email.
 * None carries a cookie yet, so each is refused only when a browser names another origin (as sign-in is).
 */
export function registerInvitationRoutes(fastify: FastifyInstance, deps: InvitationRouteDeps): void {
  const { orm, invitations, sessions } = deps;
  const fail = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
    const error = e instanceof AppError ? e : envelopeOf(e);
    if (error.status >= 500) reportFault(deps.log, e, req.id);
    return sendRestError(reply, error);
  };
  const notForeign = (req: FastifyRequest) => sessions.origins.assertNotForeign({ method: req.method, headers: req.headers, protocol: req.protocol });
  const visitor = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });
  const signedIn = (reply: FastifyReply, { token, member, organization }: Joined) => {
    reply.header('set-cookie', sessions.cookie.set(token)).header('cache-control', 'no-store');
    const data = { member: { ...MemberView.from(member) }, organization: { id: organization.id, name: organization.name, createdAt: organization.createdAt } };
    return reply.code(200).send({ success: true, data: snakeKeys(data) });
  };

  fastify.post('/auth/accept-invite', async (req, reply) => {
    try {
      notForeign(req);
      const input = body(req);
      return signedIn(reply, await invitations.accept(orm.em.fork(), { token: input.token, name: input.name, password: input.password }, visitor(req)));
    } catch (e) {
      return fail(req, reply, e);
    }
  });

  fastify.post('/auth/setup', async (req, reply) => {
    try {
      notForeign(req);
      const input = body(req);
      return signedIn(reply, await invitations.setup(orm.em.fork(), { token: input.token, name: input.name, email: input.email, password: input.password }, visitor(req)));
    } catch (e) {
      return fail(req, reply, e);
    }
  });

  fastify.post('/auth/forgot-password', async (req, reply) => {
    try {
      notForeign(req);
      // Not awaited: the answer leaves before the lookup, so it takes the same time whether the address is known.
      void deps.recovery.request(orm.em.fork(), { email: body(req).email }, req.ip);
      return reply.header('cache-control', 'no-store').code(202).send({ success: true, data: null });
    } catch (e) {
      return fail(req, reply, e);
    }
  });
}
