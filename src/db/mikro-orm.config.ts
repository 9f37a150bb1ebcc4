import {
  defineConfig,
  DefaultLogger,
  type LogContext,
  type LoggerNamespace,
  type LoggerOptions,
  type Options,
  ReflectMetadataProvider,
} from '@mikro-orm/postgresql';
import * as path from 'node:path';
import { ENTITIES } from './entities';

// src/db (ts, under vitest) or dist/src/db (compiled): either way the committed migrations are at the root.
const MIGRATIONS_DIR = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..', 'migrations');

export interface OrmOptions {
  clientUrl: string;
  /** PGlite serves one connection at a time (docs/explanation/architecture.md): the embedded database uses max 1. */
  poolMax?: number;
  debug?: boolean;
  /** Counts SQL statements; tests use it to prove "no database access" and "constant queries per list". */
  onQuery?: (sql: string) => void;
  /**
   * How long a query may wait for a connection, and a new connection may take, in milliseconds: with the database
   * down a request fails (503) within this time instead of hanging. Default 5000.
   */
  timeoutMs?: number;
  /**
   * How long a query may go unanswered on its connection, in milliseconds (the `pg` driver's query_timeout); then
   * it fails, and the pool discards its connection (the `validate` below). For a path that stopped carrying (a NAT
   * that forgot the connection, a partition: no FIN, no RST) this is the only thing that ends the wait.
   * Undefined: no limit (the CLI, opening the database and migrating, which may legitimately run long).
   */
  queryTimeoutMs?: number;
  /**
   * The server's `statement_timeout`, in milliseconds: a slow but reachable database cancels the statement itself
   * and the connection stays usable. PostgreSQL only: PGlite ignores it (its `show statement_timeout` stays 0).
   */
  statementTimeoutMs?: number;
  /** Where the driver's own warnings go (the app's logger); by default stderr. */
  warn?: (message: string) => void;
  /** Makes each connection's stream instead of a TCP socket to `clientUrl` (the embedded database, in process). */
  stream?: () => import('node:stream').Duplex;
}

/** TCP keepalive on database connections after this much idleness: NATs and firewalls keep their state. */
const KEEPALIVE_DELAY_MS = 10_000;

/** The one MikroORM configuration, shared by the server, the CLI, the scripts and the tests. */
export function ormConfig(opts: OrmOptions): Options {
  return defineConfig({
    clientUrl: opts.clientUrl,
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    // No `extensions: [Migrator]`: MikroORM loads @mikro-orm/migrations on the first getMigrator(), which only
    // happens when a migration is pending (database.ts `migratorOf`).
    pool: {
      min: 0,
      max: opts.poolMax ?? 10,
      // knex/tarn options beyond MikroORM's PoolConfig type: fail fast when the database is away, and never hand
      // out a connection still waiting for an answer (a query that timed out leaves it so: pg keeps waiting).
      ...({
        acquireTimeoutMillis: opts.timeoutMs ?? 5000,
        createTimeoutMillis: opts.timeoutMs ?? 5000,
        validate: (connection: { readyForQuery?: boolean }) => connection.readyForQuery === true,
      } as object),
    },
    driverOptions: {
      connection: {
        connectionTimeoutMillis: opts.timeoutMs ?? 5000,
        ...(opts.stream ? { stream: opts.stream } : {}),
        keepAlive: true,
        keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
        ...(opts.queryTimeoutMs ? { query_timeout: opts.queryTimeoutMs } : {}),
        ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
      },
      // knex prints connection warnings with console.warn otherwise, around the app's logger.
      log: { warn: warnWith(opts.warn), error: warnWith(opts.warn), deprecate: () => {}, debug: () => {} },
    },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: opts.debug ?? false,
    migrations: {
      migrationsList: [], // filled by migratorOf() before the migrator is first made
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
    loggerFactory: (options) => new CountingLogger(options, opts.onQuery),
  });
}

const warnWith = (sink?: (message: string) => void) => (message: unknown) => {
  const text = typeof message === 'string' ? message : message instanceof Error ? `${message.name}: ${message.message}` : String(message);
  if (sink) sink(text);
  else process.stderr.write(`${text}\n`);
};

class CountingLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly onQuery?: (sql: string) => void,
  ) {
    super({ ...options, debugMode: ['query'] });
  }
  override isEnabled(namespace: LoggerNamespace, context?: LogContext): boolean {
    return namespace === 'query' && !!this.onQuery ? true : super.isEnabled(namespace, context);
  }
  override log(namespace: LoggerNamespace, message: string, context?: LogContext): void {
    if (namespace === 'query' && this.onQuery) {
      this.onQuery(message);
      return;
    }
    super.log(namespace, message, context);
  }
}
