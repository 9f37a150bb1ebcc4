/** Errors that mean "the database cannot be reached", as opposed to a bad query: they answer 503, never 401. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

export function isDatabaseDown(e: unknown): boolean {
  for (let cur = e as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; cur && depth < 5; depth++) {
    if (cur.code && CONNECTION_CODES.has(cur.code)) return true;
    if (typeof cur.message === 'string' && /Connection terminated|Knex: Timeout acquiring a connection|connect ECONNREFUSED/.test(cur.message))
      return true;
    cur = cur.cause as typeof cur;
  }
  return false;
}
