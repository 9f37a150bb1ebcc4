import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Migrator } from '@mikro-orm/migrations';
import { loadMigrations, MIGRATION_NAMES } from '../../migrations';
import { ormConfig } from './mikro-orm.config';
import { startEmbedded, type EmbeddedDatabase } from './embedded';

export interface DatabaseOptions {
  /** PostgreSQL URL; undefined → embedded PGlite. */
  url?: string;
  /** Where the embedded database keeps its files; undefined with no url → in memory. */
  dataDir?: string;
  migrate?: boolean;
  onQuery?: (sql: string) => void;
  /** Connection acquire/connect timeout in milliseconds (see ormConfig). */
  timeoutMs?: number;
  /**
   * How long one query may take, in milliseconds: the server's statement_timeout (PostgreSQL), and a little more
   * on the client for a database that cannot answer at all (see ormConfig). Undefined: no limit. Opening the
   * database and its migrations always run without it.
   */
  queryTimeoutMs?: number;
  /** Where driver warnings go. */
  warn?: (message: string) => void;
  /** A saved PGlite data directory to start the in-memory database from (tests). */
  loadDataDir?: Blob;
}

export interface Database {
  orm: MikroORM;
  kind: 'postgresql' | 'embedded';
  /** The connection URL (for the embedded database a name only: its connections are made in process). */
  url: string;
  close(): Promise<void>;
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite, and applies pending migrations unless told not to. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  if (!opts.url) embedded = await startEmbedded(opts.dataDir, { loadDataDir: opts.loadDataDir });
  try {
    const url = opts.url ?? embedded!.url;
    const base = { clientUrl: url, poolMax: embedded ? 1 : 10, onQuery: opts.onQuery, timeoutMs: opts.timeoutMs, warn: opts.warn, stream: embedded?.connect };
    // Opening and migrating run without the query limits (a migration may take longer than a request's query;
    // connecting has its own timeout); the pool then reconnects with them, for everything the app runs.
    const orm = await MikroORM.init(ormConfig(base));
    if (opts.migrate !== false && (await hasPendingMigrations(orm))) await migrateOnce(orm, embedded ? undefined : url);
    const limits = queryLimits(opts.queryTimeoutMs, !!embedded);
    if (limits.queryTimeoutMs) await orm.reconnect({ driverOptions: ormConfig({ ...base, ...limits }).driverOptions });
    return {
      orm,
      kind: embedded ? 'embedded' : 'postgresql',
      url,
      async close() {
        await orm.close(true);
        await embedded?.close();
      },
    };
  } catch (e) {
    await embedded?.close();
    throw e;
  }
}

/** The server cancels a statement at `ms`; the client gives up a little later, when no answer can come at all. */
function queryLimits(ms: number | undefined, embedded: boolean): { queryTimeoutMs?: number; statementTimeoutMs?: number } {
  if (!ms) return {};
  return { queryTimeoutMs: ms + CLIENT_MARGIN_MS, statementTimeoutMs: embedded ? undefined : ms };
}

/** Lets a live server's own cancellation (an error on a usable connection) arrive before the client's timer. */
const CLIENT_MARGIN_MS = 500;

/**
 * Applies pending migrations. Several processes starting together on one PostgreSQL database (an API instance and
 * its workers) would run the same migration at once and fail each other (a deadlock, a duplicate table): the
 * first takes a session advisory lock on a connection of its own, the others wait for it and then find nothing
 * pending. The embedded database has one process.
 */
async function migrateOnce(orm: MikroORM, url: string | undefined): Promise<void> {
  if (!url) return void (await (await migratorOf(orm)).up());
  const lock = new Client({ connectionString: url, application_name: 'tracer-migrate' });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    if (await hasPendingMigrations(orm)) await (await migratorOf(orm)).up();
  } finally {
    await lock.end().catch(() => {}); // ending the session releases the lock
  }
}

/** The advisory lock key that serialises migrations ("tracer migrate" as a number). */
const MIGRATION_LOCK = 7_415_263_001;

/**
 * The migrator, with the committed migrations loaded. Loading them (and @mikro-orm/migrations with umzug) costs
 * ~0.25 s of a ~2 s start, so `openDatabase` first asks the database whether anything is pending.
 */
export async function migratorOf(orm: MikroORM): Promise<Migrator> {
  const options = orm.config.get('migrations');
  if (!options.migrationsList?.length) options.migrationsList = await loadMigrations();
  return orm.getMigrator() as Migrator;
}

/** One query: true unless every committed migration is recorded as executed (or the table is missing). */
export async function hasPendingMigrations(orm: MikroORM): Promise<boolean> {
  const table = orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
  try {
    const rows = await orm.em.getConnection().execute<{ name: string }[]>(`select name from "${table}"`);
    const done = new Set(rows.map((r) => r.name.replace(/\.[jt]s$/, '')));
    return MIGRATION_NAMES.some((name) => !done.has(name));
  } catch {
    return true; // no table yet: a new database
  }
}
