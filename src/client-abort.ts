import type { IncomingMessage } from 'node:http';

/** The errors a request's own stream reports when its client goes away (Node: `Error: aborted`, ECONNRESET). */
const STREAM_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * True when the client hung up before its request was fully received (closed or reset the connection mid-body).
 * Its error carries ECONNRESET like a database connection reset does, but it says nothing about the database:
 * nobody is left to answer, so it is a debug line, not a "database unavailable" error.
 */
export function isClientAbort(err: { code?: string; message?: string }, raw: IncomingMessage): boolean {
  return raw.destroyed && !raw.complete && ((!!err.code && STREAM_CODES.has(err.code)) || err.message === 'aborted');
}
