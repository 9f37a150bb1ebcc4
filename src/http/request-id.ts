import { randomUUID } from 'node:crypto';
import type { FastifyInstance, RawRequestDefaultExpression } from 'fastify';
import { REQUEST_ID_HEADER } from '../errors';

// Letters, digits and `._-`, at most 64: enough for a UUID or a proxy's id, and nothing that could forge a log
// line or a header when it is echoed.
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's `genReqId`: the id every log line of the request carries (`reqId`) and every error body names. An
 * incoming `X-Request-Id` that is a safe short token is kept, so a proxy's or a client's id follows the request
 * here; anything else gets a random one. Random, not Fastify's counter: the id is shown to clients, and a counter
 * repeats after every restart and in every instance, and tells anyone how busy the server is.
 */
export function requestId(req: RawRequestDefaultExpression): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : `req-${randomUUID()}`;
}

/** Every answer names its request in `X-Request-Id`, errors or not, so a client can quote it. */
export function answerWithRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    done();
  });
}
