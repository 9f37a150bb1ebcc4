import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import { envelopeOf, reportFault } from '../../errors/envelope';
import { sendRestError } from '../../errors/rest';
import { snakeKeys } from '../../key-case';
import type { ContextBuilder } from '../auth/context';
import type { Principal } from '../auth/principal';
import type { Actor } from '../audit/audit';
import type { MfaService } from './mfa.service';

export interface MfaRouteDeps {
  orm: MikroORM;
  mfa: MfaService;
  /** The one context builder: these routes take the session (and its same-origin check) like every request. */
  contexts: Pick<ContextBuilder<{ principal: Principal; actor: Actor }>, 'build'>;
  log: FastifyBaseLogger;
}

const body = (req: FastifyRequest): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});

/**
 * Two-factor, for the signed-in member (docs/reference/rest-routes.md#two-factor), in the REST envelope:
 * - `POST /auth/mfa/totp/setup` → 200 `{uri, secret}`: a new authenticator secret (the otpauth URI, and the secret
 *   for typing it in), shown once;
 * - `POST /auth/mfa/totp/confirm {otp}` → 200 `{recovery_codes}`: turns it on; the 10 codes are shown this once;
 * - `POST /auth/mfa/totp/disable {otp}` → 204: turns it off with a current code or a recovery code.
 * A session whose organization requires two-factor may call these while it has none (scope-guard.ts refuses the rest).
 */
export function registerMfaRoutes(fastify: FastifyInstance, deps: MfaRouteDeps): void {
  const { mfa, orm } = deps;
  const route = (path: string, handle: (ctx: { principal: Principal; actor: Actor }, input: Record<string, unknown>, reply: FastifyReply) => Promise<unknown>) =>
    fastify.post(path, async (req, reply) => {
      try {
        const ctx = await deps.contexts.build(req, reply);
        reply.header('cache-control', 'no-store');
        return await handle(ctx, body(req), reply);
      } catch (e) {
        const error = e instanceof AppError ? e : envelopeOf(e);
        if (error.status >= 500) reportFault(deps.log, e, req.id);
        return sendRestError(reply, error);
      }
    });

  route('/auth/mfa/totp/setup', async ({ principal }, _input, reply) => {
    const { uri, secret } = await mfa.setup(orm.em.fork(), principal);
    return reply.code(200).send({ success: true, data: { uri, secret } });
  });

  route('/auth/mfa/totp/confirm', async ({ principal, actor }, input, reply) => {
    const { recoveryCodes } = await mfa.confirm(orm.em.fork(), principal, actor, input.otp);
    return reply.code(200).send({ success: true, data: snakeKeys({ recoveryCodes }) });
  });

  route('/auth/mfa/totp/disable', async ({ principal, actor }, input, reply) => {
    await mfa.disable(orm.em.fork(), principal, actor, input.otp);
    return reply.code(204).send();
  });
}
