import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import type { Database } from './db/database';
import type { Services } from './context/services';
import type { Engine } from './modules/engine/engine';
import type { KeyVerifier } from './modules/auth/key-verifier';
import type { LastUsedTracker } from './modules/auth/last-used';
import type { RequestRateLimiter } from './modules/auth/rate-limit';
import type { KeyChangeListener } from './modules/auth/key-events';
import { HttpDrain } from './http-drain';
import { createFastify } from './http/fastify';
import { registerErrorHandlers } from './http/errors';
import { registerHealthRoutes } from './http/health';
import { registerGraphQLRoute } from './http/graphql-route';
import { registerDashboard } from './dashboard-static';
import { registerConfirmRoute } from './modules/notifications/confirm-route';
import { registerPagerDutyWebhook } from './modules/notifications/channels/pagerduty-webhook';
import { registerAckRoute } from './modules/escalation/ack-route';
import { registerAuthRoutes } from './modules/accounts/auth-routes';
import { registerMfaRoutes } from './modules/mfa/mfa-routes';
import { registerInvitationRoutes } from './modules/invitations/invitation-routes';
import { registerSsoRoutes } from './modules/sso/sso-routes';
import { openServices } from './wiring/open-services';
import type { ApiServices } from './wiring/api';
import { createApollo, documentLimits } from './graphql/apollo';
import { LiveServer } from './modules/live/live-server';
import type { RequestContext } from './context/request-context';
import { buildAppSchema } from './graphql/schema';
import { KnownQueries } from './graphql/known-queries';
import { registerRestRoutes } from './rest/plugin';
import type { PublicUrl } from './modules/common/public-url';
import { registerPingRoutes } from './modules/heartbeats/ping-route';
import { registerPublicStatusRoutes } from './modules/status-pages/public/public-routes';
import { registerSubscribeRoutes } from './modules/status-pages/public/subscribe-routes';

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
  /** The WebSocket subscriptions server (tests read its connection count). */
  live: LiveServer<RequestContext>;
  /** The query texts `/graphql` answers without Apollo's pipeline (ADR 0076; tests compare both paths). */
  knownQueries: KnownQueries;
  /** The key made on first start with an empty database, to be shown once; undefined otherwise. */
  bootstrapKey?: string;
  /**
   * The link made on first start with an empty database that makes the first owner, shown once; undefined otherwise.
   * It names the address the server listens at once it does (PORT=0: the port it was given).
   */
  readonly setupLink?: string;
  /** Where links point: PUBLIC_URL, or the server's address; `server.ts` tells it the address it binds. */
  publicUrl: PublicUrl;
  /** What `close()` is doing now (`http`, `database`, …): said when a shutdown passes its deadline. */
  readonly closingStep: string | undefined;
  close(): Promise<void>;
}

/** Builds the whole API: the services (src/wiring/), then schema, Apollo, Fastify, REST mirror. `server.ts` only listens. */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  // Fastify first: its logger (keys redacted, request ids) is the one the services log through.
  const fastify = createFastify(config, opts.logStream);
  const api = await openServices(config, { role: 'api', log: fastify.log, now: opts.now ?? (() => new Date()), database: opts.database, secretsKey: opts.secretsKey });
  return serveApi(config, fastify, api);
}

/** The HTTP surface over services already built: GraphQL, the REST mirror, the dashboard, health; then the worker role. */
async function serveApi(config: Config, fastify: FastifyInstance, api: ApiServices): Promise<App> {
  const log = fastify.log;
  const drain = new HttpDrain(fastify);
  const { database, engine, services, contexts } = api;

  const schema = await api.started(buildAppSchema());
  const knownQueries = new KnownQueries(schema.schema, schema.index, documentLimits(config), { jit: config.GRAPHQL_JIT, maxResponseBytes: config.MAX_RESPONSE_BYTES });
  const apollo = createApollo(config, log, schema, knownQueries);
  await api.started(apollo.start());

  // Subscriptions: WebSocket upgrades of /graphql, authenticated by the same context builder (modules/live/).
  const live = new LiveServer<RequestContext>({
    schema: schema.schema,
    index: schema.index,
    connections: api.live.connections,
    authenticate: async (req) => (await contexts.build(req)).principal,
    recheck: (principal) => api.live.recheck(principal),
    context: api.live.context,
    log,
    settings: {
      maxSubscriptions: config.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxPerKey: config.LIVE_MAX_CONNECTIONS_PER_KEY,
      maxPerAddress: config.LIVE_MAX_CONNECTIONS_PER_ADDRESS,
      keepAliveMs: config.LIVE_KEEPALIVE_MS,
      idleMs: config.LIVE_IDLE_TIMEOUT_MS,
      sendBufferBytes: config.LIVE_SEND_BUFFER_BYTES,
      maxExpanded: Math.max(config.GRAPHQL_MAX_COST, 500_000),
      limits: documentLimits(config),
    },
  });
  live.attach(fastify);

  registerErrorHandlers(fastify, contexts, log);
  registerGraphQLRoute(fastify, apollo, contexts, live, knownQueries);
  registerRestRoutes(fastify, { schema, config, log }, contexts);
  // Before the dashboard: a custom domain's `GET /` is its status page, not the dashboard's redirect.
  registerPublicStatusRoutes(fastify, services.publicStatus, { perMinute: config.STATUS_PAGE_RATE_LIMIT_PER_MINUTE });
  registerSubscribeRoutes(fastify, database.orm, services.subscribers);
  registerDashboard(fastify);
  registerHealthRoutes(fastify, drain, database);
  registerConfirmRoute(fastify, database, services.notifications);
  registerPagerDutyWebhook(fastify, database, api.secrets, services.alerts);
  registerAckRoute(fastify, database, services.acks);
  registerPingRoutes(fastify, services.heartbeats, config.HEARTBEAT_PINGS_PER_MINUTE);
  registerAuthRoutes(fastify, { orm: database.orm, accounts: services.accounts, sessions: api.sessions, contexts, log });
  registerMfaRoutes(fastify, { orm: database.orm, mfa: services.mfa, contexts, log });
  registerSsoRoutes(fastify, { orm: database.orm, sso: services.ssoSignIn, cookie: api.sessions.cookie, publicUrl: config.PUBLIC_URL, log });
  registerInvitationRoutes(fastify, { orm: database.orm, invitations: services.invitations, recovery: services.recovery, sessions: api.sessions, log });

  await api.started(engine.startWorker(services.runs, (em) => api.retention.maintain(em)));

  let closed = false;
  let closingStep: string | undefined;
  const step = (name: string) => {
    closingStep = name;
    log.debug(`closing: ${name}`);
  };
  return {
    fastify,
    database,
    verifier: api.verifier,
    services,
    lastUsed: api.lastUsed,
    rateLimiter: api.rateLimiter,
    engine,
    keyListener: api.keyListener,
    live,
    knownQueries,
    bootstrapKey: api.bootstrapKey,
    get setupLink() {
      return api.setupLink && api.publicUrl.current(api.setupLink);
    },
    publicUrl: api.publicUrl,
    get closingStep() {
      return closingStep;
    },
    async close() {
      if (closed) return;
      closed = true;
      step('live');
      await live.close(); // sockets held open for hours must not hold the drain
      step('http');
      await drain.close(config.SHUTDOWN_TIMEOUT_MS); // stops accepting, lets in-flight requests finish
      step('apollo');
      await apollo.stop();
      step('engine');
      await engine.stop(config.SHUTDOWN_TIMEOUT_MS);
      await api.close(step);
    },
  };
}
