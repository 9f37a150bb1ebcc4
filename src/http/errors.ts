import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { AppError, MESSAGES } from '../errors';
import { describeFault, isDatabaseDown } from '../db/faults';
import { isClientAbort } from '../client-abort';
import { sendAppError, sendRestError } from '../rest/plugin';

/** Anything that authenticates a request (the context builder): the not-found handler's default deny. */
interface Authenticator {
  build(req: { headers: { authorization?: string }; ip: string }, reply: { header(name: string, value: string): unknown }): Promise<unknown>;
}

/**
 * The error handler (one envelope per surface: GraphQL's `errors[]`, REST's `{ success: false }`; never a stack)
 * and the not-found handler (under /v1, a 401 without a valid key, so routes cannot be probed).
 */
export function registerErrorHandlers(fastify: FastifyInstance, contexts: Authenticator, log: FastifyBaseLogger): void {
  fastify.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    // An AppError keeps its code, message, details and headers; anything else is the framework's (a bad body) or a fault.
    let e: { code: string; message: string; status: number; details: Record<string, unknown>; headers: Record<string, string> };
    if (err instanceof AppError) e = err;
    else if (isClientAbort(err, req.raw)) {
      log.debug({ err: `${err.name}: ${err.message}` }, 'client closed the connection before its request was received');
      return reply.code(400).send(); // to a closed socket: nothing arrives, Fastify just finishes the request
    } else {
      const down = isDatabaseDown(err);
      const status = down ? 503 : err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status >= 500) log.error({ err: describeFault(err) }, down ? 'database unavailable' : 'unhandled error');
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : down ? 'SERVICE_UNAVAILABLE' : status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
      const message = down ? MESSAGES.SERVICE_UNAVAILABLE : status === 500 ? MESSAGES.INTERNAL_SERVER_ERROR : err.message;
      e = { code, message, status, details: {}, headers: {} };
    }
    for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    if (req.url.startsWith('/v1')) return sendRestError(reply, e.code, e.message, e.details, e.status);
    return reply.code(e.status).send({ errors: [{ message: e.message, extensions: { code: e.code, ...e.details } }] });
  });
  fastify.setNotFoundHandler(async (req, reply) => {
    if (!req.url.startsWith('/v1')) return reply.code(404).send({ error: 'Not Found' });
    // Default deny: without a valid key even a route that does not exist answers 401, so routes cannot be probed.
    try {
      await contexts.build(req, reply);
    } catch (e) {
      if (e instanceof AppError) return sendAppError(reply, e);
      throw e;
    }
    return sendRestError(reply, 'NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`);
  });
}
