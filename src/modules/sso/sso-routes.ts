import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors';
import { envelopeOf, reportFault } from '../../errors/envelope';
import { sendRestError } from '../../errors/rest';
import type { SessionCookie } from '../accounts/session-cookie';
import { SSO_ATTEMPT_MS, type SsoSignIn } from './sso-sign-in';

export interface SsoRouteDeps {
  orm: MikroORM;
  sso: SsoSignIn;
  /** The session cookie the callback sets, as sign-in does. */
  cookie: SessionCookie;
  /** PUBLIC_URL: the callback URL registered at the provider is `<PUBLIC_URL>/auth/sso/callback`. */
  publicUrl: string | undefined;
  log: FastifyBaseLogger;
}

/** Where the browser lands: the dashboard, signed in; or its sign-in page told why not (`?sso_error=CODE`). */
const DASHBOARD = '/dashboard/';

/**
 * Single sign-on, for a browser (docs/reference/single-sign-on.md):
 * - `GET /auth/sso/start?email=…` → 302 to the provider of the email's domain, with state, nonce and PKCE; the
 *   state also goes into a short-lived cookie of this browser (`tracer_sso`, HttpOnly, SameSite=Lax, path /auth/sso);
 * - `GET /auth/sso/callback?code=…&state=…` → 302 to the dashboard with the session cookie set.
 * Anything refused → 302 to `/dashboard/?sso_error=<CODE>` (the error vocabulary's code). The callback is a GET,
 * as OpenID Connect makes it; what stops another site from making a browser finish a sign-in it did not begin is
 * the state, which must be the one in this browser's cookie, and works once.
 */
export function registerSsoRoutes(fastify: FastifyInstance, deps: SsoRouteDeps): void {
  const { orm, sso } = deps;
  const secure = deps.publicUrl !== undefined && new URL(deps.publicUrl).protocol === 'https:';
  const stateCookie = secure ? '__Secure-tracer_sso' : 'tracer_sso';
  const attributes = `; Path=/auth/sso; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const callbackUrl = (req: FastifyRequest) => `${(deps.publicUrl ?? `${req.protocol}://${req.headers.host}`).replace(/\/+$/, '')}/auth/sso/callback`;
  const failed = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
    const error = e instanceof AppError ? e : envelopeOf(e);
    if (error.status >= 500) reportFault(deps.log, e, req.id);
    return reply
      .header('set-cookie', `${stateCookie}=${attributes}; Max-Age=0`)
      .header('cache-control', 'no-store')
      .redirect(`${DASHBOARD}?sso_error=${encodeURIComponent(error.code)}`, 302);
  };

  fastify.get('/auth/sso/start', async (req, reply) => {
    try {
      const email = (req.query as Record<string, unknown>).email;
      const { url, state } = await sso.start(orm.em.fork(), email, callbackUrl(req), req.ip);
      return reply
        .header('set-cookie', `${stateCookie}=${state}${attributes}; Max-Age=${SSO_ATTEMPT_MS / 1000}`)
        .header('cache-control', 'no-store')
        .redirect(url, 302);
    } catch (e) {
      return failed(req, reply, e);
    }
  });

  // `{ sso: true }` when the email's domain has a connection: the sign-in page shows "Continue with SSO" only then.
  fastify.get('/auth/sso/available', async (req, reply) => {
    try {
      const sso = await deps.sso.available(orm.em.fork(), (req.query as Record<string, unknown>).email, req.ip);
      return reply.header('cache-control', 'no-store').send({ success: true, data: { sso } });
    } catch (e) {
      const error = envelopeOf(e);
      if (error.status >= 500) reportFault(deps.log, e, req.id);
      return sendRestError(reply, error);
    }
  });

  fastify.get('/auth/sso/callback', async (req, reply) => {
    try {
      const query = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
      const { token } = await sso.finish(orm.em.fork(), query, readCookie(req.headers.cookie, stateCookie), { ip: req.ip, userAgent: req.headers['user-agent'] });
      return reply
        .header('set-cookie', [deps.cookie.set(token), `${stateCookie}=${attributes}; Max-Age=0`])
        .header('cache-control', 'no-store')
        .redirect(DASHBOARD, 302);
    } catch (e) {
      return failed(req, reply, e);
    }
  });
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}
