import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, REQUEST_ID_HEADER, type ErrorEnvelope } from '../errors';
import { envelopeOf, reportFault } from '../errors/envelope';
import { graphqlErrorBody } from '../errors/graphql';
import { sendRestError } from '../errors/rest';
import { isClientAbort } from '../client-abort';

/** Anything that authenticates a request (the context builder): the not-found handler's default deny. */
interface Authenticator {
  build(req: { headers: { authorization?: string }; ip: string }, reply: { header(name: string, value: string): unknown }): Promise<unknown>;
}

/**
 * The error handler (one envelope, rendered per surface: REST's `{ success: false }` under /v1, GraphQL's
 * `errors[]` elsewhere; never a stack) and the not-found handler (under /v1, a 401 without a valid key, so routes
 * cannot be probed).
 */
export function registerErrorHandlers(fastify: FastifyInstance, contexts: Authenticator, log: FastifyBaseLogger): void {
  const send = (err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    const e = err instanceof AppError ? err : (frameworkRefusal(err) ?? envelopeOf(err));
    if (e.status >= 500) reportFault(log, err, req.id);
    if (req.url.startsWith('/v1')) return sendRestError(reply, e);
    for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
    return reply.code(e.status).send(graphqlErrorBody(e, req.id));
  };
  /** Default deny under /v1: without a valid key the answer is the 401, whatever else is wrong with the request. */
  const authenticated = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    try {
      await contexts.build(req, reply);
      return true;
    } catch (e) {
      if (e instanceof AppError) sendRestError(reply, e);
      else send(e as Error, req, reply);
      return false;
    }
  };
  fastify.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (isClientAbort(err, req.raw)) {
      log.debug({ reqId: req.id, err: `${err.name}: ${err.message}` }, 'client closed the connection before its request was received');
      return reply.code(400).send(); // to a closed socket: nothing arrives, Fastify just finishes the request
    }
    return send(err, req, reply);
  });
  fastify.setNotFoundHandler(async (req, reply) => {
    if (!req.url.startsWith('/v1')) return reply.code(404).send({ error: 'Not Found', requestId: req.id });
    // Default deny: without a valid key even a route that does not exist answers 401, so routes cannot be probed.
    if (!(await authenticated(req, reply))) return reply;
    return sendRestError(reply, new AppError('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`));
  });
  // What the router refuses before any hook runs (a URL that does not decode, a path parameter over its length):
  // Fastify would answer its own body, without the envelope, the request's id or the 401 a keyless /v1 request gets.
  FRAMEWORK_ERRORS.set(fastify, async (err, req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id); // onRequest hooks do not run for these
    if (req.url.startsWith('/v1') && !(await authenticated(req, reply))) return;
    send(err, req, reply);
  });
}

type FrameworkErrorHandler = (err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => Promise<void>;
const FRAMEWORK_ERRORS = new WeakMap<FastifyInstance, FrameworkErrorHandler>();

/**
 * Fastify's `frameworkErrors` option, given when the instance is created, before the error handlers exist: it
 * hands the router's refusals to the handler registerErrorHandlers set for that instance.
 */
export function routerRefusals(fastify: () => FastifyInstance): FrameworkErrorHandler {
  return async (err, req, reply) => {
    const handle = FRAMEWORK_ERRORS.get(fastify());
    if (handle) return handle(err, req, reply);
    reply.header(REQUEST_ID_HEADER, req.id).code(err.statusCode ?? 400).send({ error: err.message, requestId: req.id });
  };
}

/**
 * The HTTP framework refusing a request before any route ran (a body that is not JSON, too large, of a type no
 * parser takes): the client's mistake, with the framework's own status and message.
 */
function frameworkRefusal(err: Error & { statusCode?: number }): ErrorEnvelope | undefined {
  const status = err.statusCode;
  if (!status || status < 400 || status >= 500) return undefined;
  return { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: err.message, details: {}, status, headers: {} };
}
