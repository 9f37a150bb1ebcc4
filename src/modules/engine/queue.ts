import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/database';
import type { CheckKindName } from '../check-kinds/registry';

/** pg-boss keeps its tables in a schema of its own in the same database. */
export const QUEUE_SCHEMA = 'pgboss';

/** Counts a location's jobs in flight per organization (engine/fair-share.ts); pg-boss's job table has no such index. */
const ACTIVE_BY_ORG_INDEX = `create index if not exists job_active_by_org on ${QUEUE_SCHEMA}.job (name, ((data->>'organizationId'))) where state = 'active'`;

/** The work of one run: which check, where, for which slot, and the id its run row will have. */
export interface CheckJob {
  kind: CheckKindName;
  checkId: string;
  organizationId: string;
  location: string;
  /** The slot (ISO 8601); null for a manual run. */
  scheduledAt: string | null;
  /** The run row's id, chosen at enqueue time so a manual run can wait for exactly its run. */
  runId: string;
  trigger: 'SCHEDULED' | 'MANUAL';
  /**
   * When a manual run was asked for (ISO 8601): the run's partition key (`slot_at`), fixed by the job so that a
   * retried job writes the same key and is refused as a duplicate. Absent on scheduled runs (their slot is the key).
   */
  requestedAt?: string;
  /** The run was admitted against the quota already (manual runs are, by the API, so their caller hears a 402). */
  admitted?: boolean;
  /** The key that asked for a manual run (runMonitor, runJourney, triggerChecks): its id, stored on the run. */
  triggeredBy?: string | null;
}

/** One queue per location: a worker takes only its own location's jobs. */
export const queueName = (location: string) => `checks-${location}`;

/** Location names: lower-case letters, digits and hyphens (they are part of a queue name and of URLs). */
export const LOCATION_NAME = /^[a-z0-9][a-z0-9-]{0,38}$/;

/**
 * A job id derived from (check, location, slot): enqueuing the same slot twice, from any number of schedulers,
 * inserts one job (pg-boss inserts with ON CONFLICT DO NOTHING). A UUID in form, as pg-boss stores ids.
 */
export function slotJobId(checkId: string, location: string, scheduledAt: string): string {
  const h = createHash('sha256').update(`${checkId}|${location}|${scheduledAt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * pg-boss speaking through MikroORM's connection (and, given a transaction's EntityManager, inside that
 * transaction). The embedded database takes exactly one connection, so the queue must share it; on PostgreSQL
 * the scheduler uses it to enqueue in the same transaction that claims the slot. pg-boss writes `$1` placeholders,
 * knex `?`: they are rewritten in order (pg-boss's SQL has no `?` of its own); statements without values (its
 * migrations, with `$$` bodies) pass untouched.
 */
export function ormDb(em: EntityManager): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const ctx = em.getTransactionContext();
      if (!values.length) {
        const res = await em.getConnection().execute(text, [], 'all', ctx);
        return { rows: Array.isArray(res) ? res : [] };
      }
      const bindings: unknown[] = [];
      const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
        bindings.push(pgArray(values[Number(n) - 1]));
        return '?';
      });
      const res = await em.getConnection().execute(sql, bindings as never[], 'all', ctx);
      return { rows: Array.isArray(res) ? res : [] };
    },
  };
}

/**
 * knex expands an array binding into a list of values (`in (?)` style); pg-boss means a PostgreSQL array
 * (`$2::uuid[]`), so arrays go as array literals, each element quoted.
 */
function pgArray(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return `{${value.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/(["\\])/g, '\\$1')}"`)).join(',')}}`;
}

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
  // Counts a location's jobs in flight per organization (engine/fair-share.ts). On the partitioned job table, so
  // every queue's partition has it, those pg-boss attaches later included. Processes starting together may race
  // to create it: the loser finds it made.
  await boss
    .getDb()
    .executeSql(ACTIVE_BY_ORG_INDEX, [])
    .catch(async (e: Error) => {
      const made = await boss.getDb().executeSql(`select 1 from pg_indexes where schemaname = '${QUEUE_SCHEMA}' and indexname = 'job_active_by_org'`, []);
      if (!made.rows.length) throw e;
    });
  return boss;
}

/** Creates the location's queue once (pg-boss makes a partition per queue). */
export function ensureQueue(boss: PgBoss, location: string, known: Set<string>): Promise<string> {
  return ensureNamedQueue(boss, queueName(location), known);
}

/** Creates a queue once by name (the checks' of a location, the notifications'). */
export async function ensureNamedQueue(boss: PgBoss, name: string, known: Set<string>): Promise<string> {
  if (known.has(name)) return name;
  // Processes starting together create the same queue at once; pg-boss's create_queue (a row and a partition
  // table) can then deadlock or collide, and the loser tries again and finds the winner's queue.
  for (let attempt = 1; !(await boss.getQueue(name)); attempt++) {
    try {
      await boss.createQueue(name, { name, retryLimit: 5, retryDelay: 1, retryBackoff: true });
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
  known.add(name);
  return name;
}
