import PgBoss from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database';
import { ensureNamedQueue, ormDb, QUEUE_SCHEMA } from '../queue/pg-boss-db';

/** Indexes of tracer's own on pg-boss's job table (it has none by a job's data), by name. */
const JOB_INDEXES = {
  // Counts a location's jobs in flight per organization (engine/fair-share.ts).
  job_active_by_org: `create index if not exists job_active_by_org on ${QUEUE_SCHEMA}.job (name, ((data->>'organizationId'))) where state = 'active'`,
  // A delivery's live jobs (created, retry, active): the lost-delivery sweep looks for deliveries with none
  // (notifications/lost-delivery-sweep.ts). Check jobs carry no deliveryId and are not in it.
  job_live_by_delivery: `create index if not exists job_live_by_delivery on ${QUEUE_SCHEMA}.job (((data->>'deliveryId'))) where state < 'completed' and (data->>'deliveryId') is not null`,
};

/** One queue per location: a worker takes only its own location's jobs. */
export const queueName = (location: string) => `checks-${location}`;

/** Location names: lower-case letters, digits and hyphens (they are part of a queue name and of URLs). */
export const LOCATION_NAME = /^[a-z0-9][a-z0-9-]{0,38}$/;

export interface QueueOptions {
  /** How often pg-boss looks for expired jobs (dead workers) and does its housekeeping, in seconds. */
  maintenanceSeconds: number;
  /** Bounds every statement of the queue's own pool (PostgreSQL), as DATABASE_TIMEOUT_MS bounds the app's. */
  timeoutMs: number;
}

/** Opens pg-boss on the app's database (its own small pool on PostgreSQL; the app's one connection when embedded). */
export async function openQueue(database: Database, log: FastifyBaseLogger, opts: QueueOptions): Promise<PgBoss> {
  const common = {
    schema: QUEUE_SCHEMA,
    schedule: false, // cron is not used: the scheduler enqueues slots itself
    supervise: true,
    maintenanceIntervalSeconds: opts.maintenanceSeconds,
    archiveCompletedAfterSeconds: 3600,
    deleteAfterDays: 2,
  };
  const boss =
    database.kind === 'embedded'
      ? new PgBoss({ ...common, db: ormDb(database.orm.em) })
      : new PgBoss({
          ...common,
          connectionString: database.url,
          max: 4,
          application_name: 'tracer-queue',
          // pg-boss hands these to its pg.Pool: a frozen path fails a statement instead of hanging a worker for
          // ever, and a failed client is discarded, not reused.
          ...({ query_timeout: opts.timeoutMs + 500, statement_timeout: opts.timeoutMs, connectionTimeoutMillis: opts.timeoutMs, keepAlive: true } as object),
        });
  boss.on('error', (err: Error) => log.warn({ err: err.message }, 'job queue error'));
  await boss.start();
  // On the partitioned job table, so every queue's partition has them, those pg-boss attaches later included.
  // Processes starting together may race to create one: the loser finds it made.
  for (const [name, ddl] of Object.entries(JOB_INDEXES))
    await boss
      .getDb()
      .executeSql(ddl, [])
      .catch(async (e: Error) => {
        const made = await boss.getDb().executeSql(`select 1 from pg_indexes where schemaname = '${QUEUE_SCHEMA}' and indexname = '${name}'`, []);
        if (!made.rows.length) throw e;
      });
  return boss;
}

/** Creates the location's queue once (pg-boss makes a partition per queue). */
export function ensureQueue(boss: PgBoss, location: string, known: Set<string>): Promise<string> {
  return ensureNamedQueue(boss, queueName(location), known);
}
