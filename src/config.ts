import { z } from 'zod';

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
  /** Failed authentications per minute from one address, or with wrong secrets for one keyId, before 429. */
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(20),
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
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(1_000_000).default(50_000),
  /** Let checks reach private, loopback and link-local addresses (tests, self-hosted internal monitoring). */
  ALLOW_PRIVATE_TARGETS: bool(false),
  /** Run due monitors and journeys in this process. */
  SCHEDULER: bool(true),
  SCHEDULER_TICK_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Checks one scheduler instance runs at the same time. */
  SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
});

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

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {}

/** Parses the environment once; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = consistent.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
