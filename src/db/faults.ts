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

/**
 * An error as one log line without the data it was about. knex puts the statement in a driver error's message with
 * every value inlined (`insert into "monitors" (…) values ('mon_…', 'the name', …) - <reason>`), PostgreSQL's
 * reasons can quote a value (`invalid input syntax for type integer: "abc"`), and PGlite adds the detail lines
 * (`detail: Failing row contains (…)`, every column's value). So string literals become `?` first (a value may hold
 * a line break or " - "), only the first line is kept, and then the statement's numbers and the reason's quoted
 * parts become `?`: the error's name, its code (SQLSTATE or errno name), the statement's shape and the reason stay.
 * Other errors' messages are treated as reasons. Neither stacks nor driver properties (`detail`) are logged.
 */
export function describeFault(e: unknown): string {
  if (!(e instanceof Error)) return `thrown ${typeof e}`;
  const code = (e as { code?: unknown }).code;
  const named = typeof code === 'string' && /^[0-9A-Z_]{1,24}$/.test(code) ? `${e.name} [${code}]` : e.name;
  let text = e.message.replace(STRING_LITERAL, '?');
  const eol = text.indexOf('\n');
  if (eol >= 0) text = text.slice(0, eol);
  const cut = text.lastIndexOf(' - ');
  text =
    cut > 0 && SQL_START.test(text)
      ? `${text.slice(0, cut).replace(NUMBER, '?')} - ${text.slice(cut + 3).replace(QUOTED, '?')}`
      : text.replace(QUOTED, '?');
  return `${named}: ${text.length > MAX_LOGGED ? `${text.slice(0, MAX_LOGGED)}…` : text}`;
}

const MAX_LOGGED = 1000;
const SQL_START = /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|set|create|alter|drop|lock|truncate)\b/i;
/** A quoted string, with PostgreSQL's prefixes (E'…', B'…'); an unterminated one runs to the end. */
const STRING_LITERAL = /[EeBbXxUu]?'(?:[^']|'')*(?:'|$)/g;
/** Also identifiers and backquoted names: in a reason they can be values (`for type integer: "abc"`). */
const QUOTED = /[EeBbXxUu]?'(?:[^']|'')*(?:'|$)|"(?:[^"]|"")*(?:"|$)|`[^`]*(?:`|$)/g;
/** A number in a statement (identifiers such as `"m0"` are quoted and stay). */
const NUMBER = /(?<![\w"$])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w"])/g;
