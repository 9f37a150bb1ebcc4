import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { AppError } from '../errors';

/**
 * About how many characters `value` takes as JSON, counted only until it is past `limit`: a larger answer is
 * known to be too large after `limit` characters' worth of walking, not after serialising it whole. Strings count
 * their length and quotes (escapes aside: a cap, not an exact size).
 */
export function jsonSizeUpTo(value: unknown, limit: number): number {
  let size = 0;
  const visit = (v: unknown): void => {
    if (size > limit) return;
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v === 'number' || typeof v === 'boolean') size += String(v).length;
    else if (v === null || v === undefined) size += 4;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const item of v) if (size <= limit) visit(item);
    } else if (v instanceof Date) size += 26;
    else if (typeof v === 'object') {
      size += 2;
      for (const k in v) {
        if (size > limit) return;
        size += k.length + 4;
        visit((v as Record<string, unknown>)[k]);
      }
    }
  };
  visit(value);
  return size;
}

/** The refusal of an answer over MAX_RESPONSE_BYTES: the operation ran, its answer is not sent. */
export const responseTooLarge = (limit: number, actual: number) =>
  new AppError('RESPONSE_TOO_LARGE', `The answer is over ${limit} bytes (MAX_RESPONSE_BYTES); ask for smaller pages or fewer fields`, { limit, actual });

/**
 * Caps what a GraphQL answer may weigh: after execution, before Apollo serialises it, an answer past `limit`
 * is replaced by RESPONSE_TOO_LARGE (400). The cost limit refuses heavy documents before they run; this is the
 * bound on what one that passed may still send (long strings, full lists).
 */
export function responseSizePlugin(limit: number): ApolloServerPlugin {
  const listener: GraphQLRequestListener<BaseContext> = {
    async willSendResponse({ response }) {
      if (response.body.kind !== 'single' || !response.body.singleResult.data) return;
      const size = jsonSizeUpTo(response.body.singleResult, limit);
      if (size <= limit) return;
      const e = responseTooLarge(limit, size);
      response.body.singleResult = { errors: [{ message: e.message, extensions: { code: e.code, ...e.details } }] };
      response.http.status = e.status;
    },
  };
  return { requestDidStart: async () => listener };
}
