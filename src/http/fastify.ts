import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { redactUrl } from './redact-url';
import { parseQueryString } from '../query-string';
import { capConnections, cutSlowClients, httpServerOptions } from '../http-limits';
import { requestLogger } from './request-logger';
import { answerWithRequestId, requestId } from './request-id';
import { logDestination, requestLines } from './log-output';
import { routerRefusals } from './errors';

/** The Fastify instance: logger with keys redacted, body and connection limits, JSON bodies that may be empty. */
export function createFastify(config: Config, logStream?: NodeJS.WritableStream): FastifyInstance {
  const stream = logDestination(config, logStream);
  const fastify: FastifyInstance = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.key', 'key'], censor: '[redacted]' },
      serializers: {
        // Fastify's own request fields, with keys and link tokens scrubbed from the URL: people paste keys into
        // query strings (`?api_key=izli_sk_live_…`), links carry `?token=…`, and a log must never carry either.
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: typeof req.url === 'string' ? redactUrl(req.url) : req.url, // any `req` a log line carries, not only Fastify's
          version: req.headers?.['accept-version'] as string | undefined,
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      ...(stream ? { stream } : {}),
    },
    childLoggerFactory: requestLogger,
    genReqId: requestId,
    requestIdHeader: false, // requestId() reads X-Request-Id itself, and keeps it only when it is safe
    logController: requestLines(config),
    bodyLimit: 1_048_576,
    trustProxy: config.TRUST_PROXY,
    routerOptions: { querystringParser: parseQueryString },
    frameworkErrors: routerRefusals(() => fastify),
    ...httpServerOptions(config),
  });
  answerWithRequestId(fastify);
  capConnections(fastify.server, config.HTTP_MAX_CONNECTIONS);
  cutSlowClients(fastify.server, { headersMs: config.HTTP_HEADERS_TIMEOUT_MS, requestMs: config.HTTP_REQUEST_TIMEOUT_MS });
  // curl and CI scripts often send `Content-Type: application/json` on every request, DELETE included: an empty
  // body is no body, not a 400. Anything else goes through Fastify's own parser (prototype-poisoning checks kept).
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : jsonParser(req, body as string, done),
  );
  return fastify;
}
