import type { FastifyReply } from 'fastify';
import type { ErrorEnvelope } from './index';
import { snakeKeys, snakeName } from '../key-case';

/**
 * The REST renderer of the envelope, the API reference's `{ success: false, error: { code, message, ...details } }`
 * with the details in snake_case and the request's id last, as `request_id`: the REST mirror spells every field
 * in snake_case (`missing_scopes`, `retry_after`), and a client of it should not meet the one camelCase name.
 */
export function restErrorBody(e: ErrorEnvelope, requestId: string) {
  const { details } = e;
  const fields = Array.isArray(details.fields)
    ? (details.fields as { field: string; message: string }[]).map((f) => ({ ...f, field: snakeName(f.field) }))
    : undefined;
  const rest = { ...details, ...(fields ? { fields } : {}), ...('field' in details ? { field: snakeName(String(details.field)) } : {}) };
  return { success: false, error: { code: e.code, message: e.message, ...(snakeKeys(rest) as object), request_id: requestId } };
}

/** Answers a REST request with the envelope: its headers (Retry-After, WWW-Authenticate), its status, its body. */
export function sendRestError(reply: FastifyReply, e: ErrorEnvelope) {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.code(e.status).send(restErrorBody(e, reply.request.id));
}
