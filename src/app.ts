import 'reflect-metadata';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { Config } from './config';
import type { Database } from './db/database';
import { AppError, MESSAGES } from './errors';
import { isDatabaseDown } from './db/faults';
import { isClientAbort } from './client-abort';
import { HttpDrain } from './http-drain';
import { parseQueryString } from './query-string';
import { capConnections, httpServerOptions } from './http-limits';
import { registerDashboard } from './dashboard-static';
import { buildAppSchema } from './graphql/schema';
import { errorStatusPlugin, makeFormatError, toGraphQLError } from './graphql/errors';
import { scopeCheckPlugin } from './graphql/scope-guard';
import { documentGuard } from './graphql/document-guard';
import { ContextBuilder, type RequestContext } from './modules/auth/context';
import { KeyVerifier } from './modules/auth/key-verifier';
import { redactKeys } from './modules/auth/key-format';
import { FailureLimiter } from './modules/auth/failure-limiter';
import { LastUsedTracker } from './modules/auth/last-used';
import { RequestRateLimiter } from './modules/auth/rate-limit';
import { ApiKeyService } from './modules/api-keys/api-key.service';
import { bootstrapFirstKey } from './modules/api-keys/bootstrap';
import { registerRestRoutes, sendAppError, sendRestError } from './rest/plugin';
import { openCore, type Services } from './services';
import type { Engine } from './modules/engine/engine';
import { KeyChangeListener } from './modules/auth/key-events';
import { BcryptPool } from './modules/auth/bcrypt-pool';
import { apiKeyDeps } from './modules/api-keys/api-key.deps';

export interface AppOptions {
  /** The clock every expiry decision reads; tests pass their own to check expiry to the millisecond. */
  now?: () => Date;
  /** An already open database (tests share one per file); otherwise opened from the config. */
  database?: Database;
  /** Where logs go instead of stdout (tests capture them to prove no secret is ever logged). */
  logStream?: NodeJS.WritableStream;
  /**
   * The key that encrypts credential headers at rest, instead of SECRETS_KEY or the embedded database's key file
   * (tests: their databases live in memory, with no DATA_DIR to keep a key file in).
   */
  secretsKey?: Buffer;
}

export interface App {
  fastify: FastifyInstance;
  database: Database;
  verifier: KeyVerifier;
  services: Services;
  lastUsed: LastUsedTracker;
  rateLimiter: RequestRateLimiter;
  engine: Engine;
  keyListener?: KeyChangeListener;
  /** The key made on first start with an empty database, to be shown once; undefined otherwise. */
  bootstrapKey?: string;
  /** What `close()` is doing now (`http`, `database`, …): said when a shutdown passes its deadline. */
  readonly closingStep: string | undefined;
  close(): Promise<void>;
}

/** Builds the whole API: database, schema, Apollo, Fastify, REST mirror. `server.ts` only listens. */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const now = opts.now ?? (() => new Date());
  const fastify = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.key', 'key'], censor: '[redacted]' },
      serializers: {
        // Fastify's own request fields, with keys scrubbed from the URL: people paste keys into query strings
        // (`?api_key=izli_sk_live_…`), and a log must never carry one.
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: typeof req.url === 'string' ? redactKeys(req.url) : req.url, // any `req` a log line carries, not only Fastify's
          version: req.headers?.['accept-version'] as string | undefined,
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      ...(opts.logStream ? { stream: opts.logStream } : {}),
    },
    bodyLimit: 1_048_576,
    trustProxy: config.TRUST_PROXY,
    routerOptions: { querystringParser: parseQueryString },
    ...httpServerOptions(config),
  });
  capConnections(fastify.server, config.HTTP_MAX_CONNECTIONS);
  const log = fastify.log;
  const drain = new HttpDrain(fastify);
  // curl and CI scripts often send `Content-Type: application/json` on every request, DELETE included: an empty
  // body is no body, not a 400. Anything else goes through Fastify's own parser (prototype-poisoning checks kept).
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : jsonParser(req, body as string, done),
  );
  const core = await openCore(config, { log, now, database: opts.database, secretsKey: opts.secretsKey });
  const { database, engine } = core;
  const { orm } = database;

  const lastUsed = new LastUsedTracker(orm, log, config.LAST_USED_FLUSH_MS);
  const bcrypt = new BcryptPool({ threads: config.BCRYPT_THREADS, maxQueue: config.BCRYPT_QUEUE_MAX });
  const verifier = new KeyVerifier(orm, lastUsed, log, now, new FailureLimiter(config.AUTH_FAILURE_LIMIT, () => now().getTime()), bcrypt, {
    cacheMaxAgeMs: config.KEY_CACHE_MAX_AGE_MS,
  });
  let keyListener: KeyChangeListener | undefined;
  let rateLimiter: RequestRateLimiter | undefined;
  /** A start that fails half-way leaves nothing running: no queue timers, no pools, no worker row. */
  const started = <T>(step: Promise<T>): Promise<T> =>
    step.catch(async (e) => {
      await engine.stop(0).catch(() => {});
      await keyListener?.stop().catch(() => {});
      await rateLimiter?.close().catch(() => {});
      await lastUsed.close().catch(() => {});
      await bcrypt.close().catch(() => {});
      if (!opts.database) await database.close().catch(() => {});
      throw e;
    });
  const services: Services = {
    ...core.services,
    apiKeys: new ApiKeyService({
      ...apiKeyDeps(config, database, bcrypt),
      now,
      forget: (id) => verifier.forget(id), // this instance refuses the key before the change is answered
      pendingUse: (id) => lastUsed.peek(id),
    }),
  };
  const bootstrapKey = config.BOOTSTRAP_KEY ? await started(bootstrapFirstKey(orm.em.fork(), services)) : undefined;
  // Embedded: one process, counts in memory. PostgreSQL: shared between instances through request_counts.
  rateLimiter = new RequestRateLimiter(
    config.RATE_LIMIT_PER_MINUTE,
    () => now().getTime(),
    database.kind === 'postgresql' ? { orm, log, syncMs: config.RATE_LIMIT_SYNC_MS } : undefined,
  );
  const contexts = new ContextBuilder(verifier, orm, services, rateLimiter);
  // Several instances can share PostgreSQL: keep their key caches right with LISTEN/NOTIFY. The embedded database
  // has exactly one process (it is locked), so its local invalidation is enough.
  keyListener =
    database.kind === 'postgresql'
      ? new KeyChangeListener(database.url, verifier, log, { heartbeatMs: config.KEY_LISTENER_HEARTBEAT_MS, deadlineMs: config.KEY_LISTENER_DEADLINE_MS })
      : undefined;
  if (keyListener) await started(keyListener.start());

  const { schema, index } = await buildAppSchema();
  // Runs inside Apollo's pipeline, so after the context builder (an anonymous caller learns nothing).
  const documents = documentGuard(config.GRAPHQL_MAX_COST * 10);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError: makeFormatError(log),
    includeStacktraceInErrorResponses: false,
    introspection: true, // still behind a valid key: the context builder runs first
    allowBatchedHttpRequests: false,
    validationRules: [documents.refusalRule],
    logger: log,
    // server.ts owns SIGINT/SIGTERM: close() stops Fastify (in-flight requests finish), then Apollo, then the rest.
    // Apollo's own handler would race it and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      documents.plugin,
      scopeCheckPlugin(index, {
        depth: config.GRAPHQL_MAX_DEPTH,
        aliases: config.GRAPHQL_MAX_ALIASES,
        rootFields: config.GRAPHQL_MAX_ROOT_FIELDS,
        cost: config.GRAPHQL_MAX_COST,
      }),
      errorStatusPlugin,
      // Responses are per key and never cacheable: the cache-control plugin's per-field hook would be pure cost.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginLandingPageLocalDefault({
        embed: { runTelemetry: false, initialState: { sharedHeaders: { Authorization: 'Bearer izli_sk_live_…' } } },
        document: 'query Me {\n  me {\n    organization { id name }\n    key { name permissions expiresAt }\n  }\n}\n',
        includeCookies: false,
        footer: false,
      }),
    ],
  });
  await started(apollo.start());

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
      if (status >= 500) log.error({ err: `${err.name}: ${err.message}` }, down ? 'database unavailable' : 'unhandled error');
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

  fastify.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: fastifyApolloHandler(apollo, {
      context: async (req, reply) => {
        try {
          return await contexts.build(req, reply);
        } catch (e) {
          throw e instanceof AppError ? toGraphQLError(e) : e;
        }
      },
    }),
  });
  registerRestRoutes(fastify, apollo, contexts);

  registerDashboard(fastify);
  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_req, reply) => {
    if (drain.isClosing) return reply.code(503).send({ status: 'shutting down', database: database.kind });
    try {
      await orm.em.getConnection().execute('select 1');
      return { status: 'ok', database: database.kind };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: database.kind });
    }
  });

  await started(engine.startWorker(services.runs, (em) => core.retention.maintain(em)));

  let closed = false;
  let closingStep: string | undefined;
  const step = (name: string) => {
    closingStep = name;
    log.debug(`closing: ${name}`);
  };
  return {
    fastify,
    database,
    verifier,
    services,
    lastUsed,
    rateLimiter,
    engine,
    keyListener,
    bootstrapKey,
    get closingStep() {
      return closingStep;
    },
    async close() {
      if (closed) return;
      closed = true;
      step('http');
      await drain.close(config.SHUTDOWN_TIMEOUT_MS); // stops accepting, lets in-flight requests finish
      step('apollo');
      await apollo.stop();
      step('engine');
      await engine.stop(config.SHUTDOWN_TIMEOUT_MS);
      step('key listener');
      await keyListener?.stop();
      step('lastUsed');
      await lastUsed.close();
      step('rate limiter');
      await rateLimiter.close();
      await bcrypt.close();
      step('database');
      if (!opts.database) await database.close();
    },
  };
}
