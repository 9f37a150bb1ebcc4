import type PgBoss from 'pg-boss';
import type { EntityManager } from '@mikro-orm/postgresql';

/** pg-boss keeps its tables in a schema of its own in the same database. */
export const QUEUE_SCHEMA = 'pgboss';

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
