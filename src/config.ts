import { z } from 'zod';
import { availableParallelism } from 'node:os';
import { parseTrustProxy } from './modules/auth/client-address';
import { PLAN_NAMES } from './modules/billing/plans';

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every setting tracer reads from the environment. Documented in the README's configuration table. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().min(1).default('./data'),
  /** How long a request waits for a database connection before answering 503, in milliseconds. */
  DATABASE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BOOTSTRAP_KEY: bool(true),
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
  /** Active keys one organization may have; one more is CONFLICT. */
  MAX_KEYS_PER_ORGANIZATION: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** How long a cached key row is trusted before it is read again, in milliseconds (the bound on a lost NOTIFY). */
  KEY_CACHE_MAX_AGE_MS: z.coerce.number().int().min(0).max(60_000).default(30_000),
  /** How often the key-change listener proves its connection alive, and how long the proof may take (ms). */
  KEY_LISTENER_HEARTBEAT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  KEY_LISTENER_DEADLINE_MS: z.coerce.number().int().min(50).max(60_000).default(3000),
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
  /** GraphQL document limits, checked before execution (400 with their own codes). */
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
  GRAPHQL_MAX_ROOT_FIELDS: z.coerce.number().int().min(1).max(1000).default(15),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  /** Let checks reach private, loopback and link-local addresses (tests, self-hosted internal monitoring). */
  ALLOW_PRIVATE_TARGETS: bool(false),
  /** Run due monitors and journeys in this process. */
  SCHEDULER: bool(true),
  SCHEDULER_TICK_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Checks one scheduler instance runs at the same time. */
  SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** The plan of organizations created from now on (first start, `keys create --org <new name>`); UNLIMITED self-hosted. */
  DEFAULT_PLAN: z
    .string()
    .default('FREE')
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(PLAN_NAMES)),
});

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {}

/** Parses the environment once; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
