/** Errors that mean "the database cannot be reached", as opposed to a bad query: they answer 503, never 401. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57014', // query_canceled: statement_timeout, the database is too slow to answer in time
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

/**
 * What `pg` and knex say without a code: a connection that ended or timed out while connecting, no connection
 * free in time, a query that went unanswered (query_timeout: the path to the database stopped carrying), a
 * connection already broken. And knex's "Transaction query already complete": when a transaction's BEGIN fails
 * (it timed out, the connection broke), knex refuses every later statement of it with this error and MikroORM
 * rethrows that instead of the cause. A failed statement inside a transaction does not complete it; a failed
 * COMMIT is reported as itself. So it follows a BEGIN the database did not answer.
 */
const DOWN_MESSAGES =
  /Connection terminated|timeout expired|Knex: Timeout acquiring a connection|connect ECONNREFUSED|Query read timeout|not queryable|Transaction query already complete/;

export function isDatabaseDown(e: unknown): boolean {
  for (let cur = e as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; cur && depth < 5; depth++) {
    if (cur.code && CONNECTION_CODES.has(cur.code)) return true;
    if (typeof cur.message === 'string' && DOWN_MESSAGES.test(cur.message))
      return true;
    cur = cur.cause as typeof cur;
  }
  return false;
}
