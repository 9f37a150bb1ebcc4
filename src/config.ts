import { z } from 'zod';
import { availableParallelism } from 'node:os';
import { isIP } from 'node:net';
import { parseTrustProxy } from './modules/common/trust-proxy';
import { PLAN_NAMES } from './modules/common/plan-names';

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A 32-byte AES-256 key written as base64 (`openssl rand -base64 32`) or 64 hex characters (`openssl rand -hex 32`). */
export function parseSecretsKey(text: string): Buffer | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(s)) {
    const key = Buffer.from(s, 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

/** Every setting tracer reads from the environment. Documented in docs/reference/configuration.md. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * Encrypts credential header values at rest (AES-256-GCM). Required with DATABASE_URL; on the embedded database a
   * key file in DATA_DIR is made once when unset (src/modules/checks/secrets-key.ts).
   */
  SECRETS_KEY: z
    .string()
    .refine((v) => parseSecretsKey(v) !== null, 'must be 32 bytes as base64 (44 characters) or 64 hex characters')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** How long a request waits for a database connection before answering 503, in milliseconds. */
  DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Fastify's per-request lines ("incoming request", "request completed") at info; otherwise at debug. */
  LOG_REQUESTS: bool(false),
  /** JSON lines, readable lines, or (auto) readable when stdout is a terminal and JSON otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /**
   * On first start with an empty database, create a full-access key and print it once. Default: on for the embedded
   * database (the quickstart), off with DATABASE_URL (stdout there is a log stream; make keys with `npm run keys`).
   */
  BOOTSTRAP_KEY: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
  /**
   * On first start with an empty database, print a single-use link (valid 24 hours) that makes the first OWNER of
   * "Default Organization". Default: on for the embedded database, off with DATABASE_URL (stdout there is a log
   * stream; make the first owner with `npm run members -- add`).
   */
  SETUP_LINK: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
  MIGRATE_ON_START: bool(true),
  /** How often batched `lastUsedAt` updates are written, in milliseconds. */
  LAST_USED_FLUSH_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /**
   * Failed authentications that cost work (a lookup of an unknown keyId, a bcrypt compare of a wrong secret) per
   * minute from one address (IPv6: one /64), or wrong secrets for one keyId from one address, before 429.
   */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /** Worker threads for bcrypt (hashing new keys, checking a key's first use). */
  BCRYPT_THREADS: z.coerce.number().int().min(1).max(64).default(Math.max(1, Math.min(4, availableParallelism() - 1))),
  /** bcrypt tasks that may wait for a thread; beyond it 503 with Retry-After instead of an unbounded backlog. */
  BCRYPT_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(256),
  /**
   * argon2 computations (sign-in, setting a password) that may wait for one of the two slots; beyond it 503 with
   * Retry-After, before any hash: people's passwords are checked before anyone is authenticated.
   */
  PASSWORD_HASH_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(64),
  /** Active keys one organization may have; one more is CONFLICT. */
  MAX_KEYS_PER_ORGANIZATION: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Notification channels one organization may have. */
  MAX_CHANNELS_PER_ORGANIZATION: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Maintenance windows (current or future: not yet ended) one organization may have; one more is CONFLICT. */
  MAX_MAINTENANCE_WINDOWS_PER_ORGANIZATION: z.coerce.number().int().min(1).max(100_000).default(100),
  MAX_STATUS_PAGES_PER_ORGANIZATION: z.coerce.number().int().min(1).max(1000).default(20),
  STATUS_PAGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(600),
  STATUS_PAGE_SUBSCRIPTIONS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(100),
  MAX_SUBSCRIBERS_PER_STATUS_PAGE: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  STATUS_PAGE_CACHE_MS: z.coerce.number().int().min(0).max(5000).default(5000),
  /** How long a cached key row is trusted before it is read again, in milliseconds (the bound on a lost NOTIFY). */
  KEY_CACHE_MAX_AGE_MS: z.coerce.number().int().min(0).max(60_000).default(30_000),
  /** How often the key-change listener proves its connection alive, and how long the proof may take (ms). */
  KEY_LISTENER_HEARTBEAT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  KEY_LISTENER_DEADLINE_MS: z.coerce.number().int().min(50).max(60_000).default(3000),
  /** GraphQL subscriptions over WebSocket (/graphql, graphql-transport-ws): docs/how-to/live-updates.md. */
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).max(1000).default(20),
  LIVE_MAX_CONNECTIONS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(20),
  LIVE_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(100),
  /** How often the server pings each socket; a socket that has not answered the previous ping is closed (ms). */
  LIVE_KEEPALIVE_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** A connection with no subscription for this long is closed (ms). */
  LIVE_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(86_400_000).default(300_000),
  /** Bytes a socket may have waiting to be sent; past it the client is too slow and is closed with 4408. */
  LIVE_SEND_BUFFER_BYTES: z.coerce.number().int().min(1).max(256 * 1024 * 1024).default(1024 * 1024),
  /** Which proxies to believe about the client address (Fastify's trustProxy): false, true, a hop count, or CIDRs. */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed === null) ctx.addIssue({ code: 'custom', message: 'must be false, true, a hop count, or a comma-separated list of addresses and CIDR ranges' });
      return parsed ?? false;
    }),
  /** Requests per minute one key may make (all instances together on PostgreSQL); beyond it 429 RATE_LIMITED. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(600),
  /** How often instances sharing PostgreSQL add up their request counts, in milliseconds. */
  RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(20).max(60_000).default(250),
  /** On SIGTERM, how long in-flight requests may take to finish before their connections are cut, in milliseconds. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** On SIGTERM, the whole shutdown's limit: past it the process exits 1, whatever is still stuck (a frozen database). */
  SHUTDOWN_DEADLINE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(25_000),
  /** Slow clients: how long a client may take to send a whole request, and its headers, in milliseconds. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** How long an idle keep-alive connection is kept after its last answer, in milliseconds. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(72_000),
  /** Open client connections beyond which new ones are closed at once. */
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** GraphQL document limits, checked before execution (400 with their own codes). */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
  GRAPHQL_MAX_ROOT_FIELDS: z.coerce.number().int().min(1).max(1000).default(15),
  /**
   * Fields an operation may resolve: each counted once per item of the pages and lists above it (lists at their
   * largest allowed size, a series at its buckets). The client's heaviest operation at the largest page the REST
   * mirror may ask for (100 journeys with every step's headers: the journeys overview) counts ~611,000.
   */
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(1_000_000).default(700_000),
  /** The largest answer (JSON bytes) a GraphQL operation or REST route may send; beyond it RESPONSE_TOO_LARGE. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /**
   * The Apollo Sandbox page at GET /graphql for a browser (it loads a pinned script from Apollo's CDN, so it needs
   * internet access). false: no page; such a GET is answered 400 like any GraphQL GET without a query.
   */
  SANDBOX: bool(true),
  /** Execute operations compiled by graphql-jit (false: graphql-js's interpreter, as Apollo does by default). */
  GRAPHQL_JIT: bool(true),
  /** Let checks reach private, loopback and link-local addresses (tests, self-hosted internal monitoring). */
  ALLOW_PRIVATE_TARGETS: bool(false),
  /**
   * Characters a run (a journey: each step) may compare while masking echoed credentials in what it records; a
   * value that would need more is recorded as `[masked]` whole. The bound on that work, whatever the headers and body.
   */
  REDACTION_MAX_COMPARED: z.coerce.number().int().min(0).max(1_000_000_000).default(5_000_000),
  /** Run checks in this process (`npm start`: API and worker; `WORKER=false npm start`: API only). */
  WORKER: bool(true),
  /** Where this process's worker runs checks: it takes only this location's jobs. */
  LOCATION: z.string().regex(/^[a-z0-9][a-z0-9-]{0,38}$/, 'must be lower-case letters, digits and hyphens (at most 39)').default('local'),
  /** The CPU priority (nice, 0–19) a worker-only process (`npm run worker`) gives itself, below the API's. */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Checks one worker process runs at the same time. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /**
   * The largest fraction of a location's check slots (WORKER_CONCURRENCY × its live workers) one organization may
   * hold at once, whatever its plan's maxConcurrentChecksPerLocation (at least one slot). It bounds one organization;
   * free slots for the others are WORKER_RESERVED_SHARE's (two organizations at 0.5 would hold them all).
   */
  WORKER_ORG_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  /**
   * The fraction of a location's check slots (at least one slot) kept for organizations holding none of them: an
   * organization already running a check there takes no slot that would leave fewer free, so a newly due
   * organization starts at once while fewer organizations than reserved slots arrive together (fair-share.ts).
   */
  WORKER_RESERVED_SHARE: z.coerce.number().min(0).lt(1).default(0.2),
  /** The longest one journey run may take, all its steps together, in milliseconds; beyond it the run FAILED. */
  JOURNEY_MAX_DURATION_MS: z.coerce.number().int().min(1000).max(600_000).default(120_000),
  /** A worker also enqueues due slots (any number of processes may: each slot is enqueued once per location). */
  SCHEDULING: bool(true),
  /** How often due slots are enqueued, in milliseconds. */
  SCHEDULE_TICK_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** How long an idle worker waits before asking the queue again, in milliseconds (manual runs wake it at once). */
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** How often a worker announces itself; it counts as live for three of these, in milliseconds. */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(5000),
  /** Seconds added to a check's whole timeout to make its lease: a dead worker's job runs again after it. */
  LEASE_MARGIN_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Days raw runs are kept on the UNLIMITED plan (the other plans have their own: billing.limits.runRetentionDays). */
  RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** How often the maintenance job (retention, run partitions) is due, in minutes; one worker runs each. */
  MAINTENANCE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  /** How often the queue fails jobs whose lease ran out (dead workers) and does its housekeeping, in seconds. */
  QUEUE_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(2),
  /**
   * The plan of organizations created from now on (first start, `keys create --org <new name>` without `--plan`).
   * UNLIMITED: a self-hosted installation does not limit itself; a hosted deployment sets FREE.
   */
  DEFAULT_PLAN: z
    .string()
    .default('UNLIMITED')
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(PLAN_NAMES)),
  /**
   * Notification retries: the wait before each attempt after the first, in milliseconds; after the last, FAILED.
   * Default 5 s, 30 s, 2 min, 10 min, 1 h (six attempts in all).
   */
  NOTIFY_RETRY_SCHEDULE_MS: z
    .string()
    .default('5000,30000,120000,600000,3600000')
    .transform((v, ctx) => {
      const steps = v.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
      if (steps.length > 20 || steps.some((n) => !Number.isInteger(n) || n < 0 || n > 86_400_000))
        ctx.addIssue({ code: 'custom', message: 'must be at most 20 comma-separated whole numbers of milliseconds (0 to 86400000)' });
      return steps;
    }),
  /** One notification attempt's whole limit (connect, send, answer), in milliseconds. */
  NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Notifications one worker process sends at the same time. */
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
  /**
   * Attempts one organization, and one channel, may have in flight in one worker process: a receiver that never
   * answers holds a slot for NOTIFY_TIMEOUT_MS, and one organization's flood must not hold every slot.
   */
  NOTIFY_MAX_IN_FLIGHT_PER_ORGANIZATION: z.coerce.number().int().min(1).max(1000).default(5),
  NOTIFY_MAX_IN_FLIGHT_PER_CHANNEL: z.coerce.number().int().min(1).max(1000).default(2),
  /** Consecutive dead answers (no answer, timeout, 5xx, 429) after which a channel's deliveries are put off… */
  NOTIFY_CIRCUIT_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** …for this long (ms), after which one probe attempt decides: an answer closes the circuit, a failure reopens it. */
  NOTIFY_CIRCUIT_COOLDOWN_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** Test sends (and EMAIL confirmation emails) one channel may get a minute; beyond, 429 RATE_LIMITED with Retry-After. */
  NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(3),
  /**
   * Confirmation emails one address may get an hour, whichever organizations ask (creating or deleting channels
   * gives no new budget); beyond, creating or re-addressing an EMAIL channel is 429 RATE_LIMITED with Retry-After.
   */
  NOTIFY_CONFIRMATIONS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(3),
  /** Confirmation emails one organization may send an hour, to any addresses; beyond, 429 RATE_LIMITED likewise. */
  NOTIFY_CONFIRMATIONS_PER_ORGANIZATION_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
  /** A session unused this long ends (minutes); `lastSeenAt` is written at most once a minute. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(525_600).default(720),
  /** A session ends this many days after sign-in, however active. */
  SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * How often a worker looks for API keys expiring in 7 days or 1 day (each notice goes once) and for deliveries
   * whose job was lost (notifications/lost-delivery-sweep.ts), in milliseconds.
   */
  NOTIFY_SWEEP_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** SMTP server for EMAIL channels (`smtp://user:pass@host:587`, `smtps://…`); unset: EMAIL channels are refused. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** PAGERDUTY channels: the Events API v2 enqueue URL (a local receiver in tests). */
  PAGERDUTY_EVENTS_URL: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').default('https://events.pagerduty.com/v2/enqueue'),
  /** OPSGENIE channels of region US, and of region EU: the Alert API's base URL. */
  OPSGENIE_API_URL: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').default('https://api.opsgenie.com'),
  OPSGENIE_EU_API_URL: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').default('https://api.eu.opsgenie.com'),
  /** TELEGRAM channels: the Bot API's base URL (`/bot<token>/sendMessage` is added). */
  TELEGRAM_API_URL: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').default('https://api.telegram.org'),
  /** The From of notification emails. */
  SMTP_FROM: z.string().min(3).default('tracer <tracer@localhost>'),
  /**
   * How long an escalation policy's minute lasts, in milliseconds (`afterMinutes`, `repeatAfterMinutes`). 60000;
   * a test knob: tests shorten it to run a policy in seconds. Not for production.
   */
  ESCALATION_MINUTE_MS: z.coerce.number().int().min(10).max(60_000).default(60_000),
  /** How often a worker looks for escalation steps that are due (they are sent within this of their time). */
  ESCALATION_TICK_MS: z.coerce.number().int().min(50).max(5_000).default(1000),
  /** Pings one heartbeat's URL may make per minute (`/ping/:token…`); more answer 429. */
  HEARTBEAT_PINGS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /**
   * The DNS server domain proofs ask for `_tracer-challenge.<domain>` TXT records (`verifySsoDomain`,
   * `verifyStatusPageDomain` and the worker's daily re-check): an IP address with an optional port (`192.0.2.53`,
   * `192.0.2.53:5353`, `[2001:db8::53]:53`); unset, SSO_DNS_RESOLVER, else the system's resolvers.
   */
  DOMAIN_DNS_RESOLVER: z
    .string()
    .refine(isResolverAddress, 'must be an IP address with an optional port, such as 192.0.2.53:53 or [2001:db8::53]:53')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /**
   * How often a worker looks for verified domains (SSO domains, status pages' custom domains) due for their daily
   * re-check of the TXT record; a record missing for 7 days makes the domain PENDING again.
   */
  DOMAIN_RECHECK_TICK_MS: z.coerce.number().int().min(50).max(86_400_000).default(600_000),
  /** The older name of DOMAIN_DNS_RESOLVER (it was for SSO domains alone); read when DOMAIN_DNS_RESOLVER is unset. */
  SSO_DNS_RESOLVER: z
    .string()
    .refine(isResolverAddress, 'must be an IP address with an optional port, such as 192.0.2.53:53 or [2001:db8::53]:53')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /**
   * The address people open the dashboard at, for links in notifications and heartbeat ping URLs; default
   * http://HOST:PORT, with PORT=0 the port the server is given (modules/common/public-url.ts).
   */
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^/]+/, 'must be an http(s) URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

/** `address[:port]` of a DNS server: IPv4, or IPv6 in brackets, and a port from 1 to 65535 (DOMAIN_DNS_RESOLVER). */
function isResolverAddress(value: string): boolean {
  const m = /^(?:([0-9.]+)|\[([0-9a-fA-F:.]+)\])(?::(\d{1,5}))?$/.exec(value);
  if (!m) return false;
  const port = m[3] === undefined ? 53 : Number(m[3]);
  return (m[1] !== undefined ? isIP(m[1]) === 4 : isIP(m[2]) === 6) && port >= 1 && port <= 65535;
}

/** Settings that only make sense together; each message names the variable to change. */
const consistent = schema
  .refine((c) => c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS, {
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
    message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
  })
  .refine((c) => c.SHUTDOWN_DEADLINE_MS > c.SHUTDOWN_TIMEOUT_MS, {
    path: ['SHUTDOWN_DEADLINE_MS'],
    message: 'must exceed SHUTDOWN_TIMEOUT_MS (in-flight requests get that long, then the rest is closed)',
  });

type Parsed = z.infer<typeof schema>;
export type Config = Readonly<Omit<Parsed, 'BOOTSTRAP_KEY' | 'SETUP_LINK'> & { BOOTSTRAP_KEY: boolean; SETUP_LINK: boolean }>;

export class ConfigError extends Error {}

/** Parses the environment once; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // SCHEDULER (the in-process scheduler this engine replaced) still turns scheduling off.
  if (env.SCHEDULING === undefined && env.SCHEDULER !== undefined) env = { ...env, SCHEDULING: env.SCHEDULER };
  const result = consistent.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const data = result.data;
  return Object.freeze({ ...data, BOOTSTRAP_KEY: data.BOOTSTRAP_KEY ?? !data.DATABASE_URL, SETUP_LINK: data.SETUP_LINK ?? !data.DATABASE_URL });
}
