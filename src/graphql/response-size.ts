import type { BaseContext, GraphQLRequestListener } from '@apollo/server';
import { AppError } from '../errors';
import { graphqlExtensions } from '../errors/graphql';

/**
 * How many bytes `value` takes as JSON in UTF-8 (what `JSON.stringify` writes, then sends), counted only until it
 * is past `limit`: a larger answer is known to be too large after `limit` bytes' worth of walking, not after
 * serialising it whole. Strings count their escapes (`"` and `\` 2 bytes, a control character 6 as `\u0001`)
 * and their UTF-8 bytes (é 2, 監 3, an emoji's surrogate pair 4); printable ASCII is a byte a character.
 */
export function jsonSizeUpTo(value: unknown, limit: number): number {
  return limit - remaining(value, limit);
}

/** A character other than printable ASCII, `"` and `\` aside: one that is not a byte in JSON. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * The UTF-8 bytes of `s` as a JSON string, quotes included; counted until past `max`. Printable ASCII (the usual
 * string, found by one regular expression test) is a byte a character; otherwise each character adds its escape
 * or its UTF-8 length.
 */
export function jsonStringBytes(s: string, max = Infinity): number {
  let n = s.length + 2;
  if (!NOT_PLAIN.test(s)) return n;
  for (let i = 0; i < s.length && n <= max; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 1 : 5; // \n …, or \u00XX
    else if (c === 0x22 || c === 0x5c) n += 1; // \" and \\
    else if (c < 0x80) continue; // 1 byte, counted in the length (DEL too: JSON writes it as is)
    else if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: one 4-byte character for two units
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) n += 5; // a lone surrogate: written as \udXXX
    else n += 2;
  }
  return n;
}

/** Characters of a number as JSON: integers by their digits, others as JavaScript writes them. */
function numberChars(v: number): number {
  if (!Number.isFinite(v)) return 4; // NaN and Infinity are null
  if (Number.isSafeInteger(v)) {
    let n = v < 0 ? 2 : 1;
    for (let a = Math.abs(v); a >= 10; a = Math.floor(a / 10)) n++;
    return n;
  }
  return String(v).length;
}

/** Object keys repeat (the same fields in every item): the sizes of short ones, remembered for a few thousand. */
const keyBytes = new Map<string, number>();
function keySize(k: string): number {
  let n = keyBytes.get(k);
  if (n === undefined) {
    n = jsonStringBytes(k);
    if (k.length <= 64 && keyBytes.size < 4096) keyBytes.set(k, n);
  }
  return n;
}

/** The budget left after `v`; negative once over (the walk stops there). */
function remaining(v: unknown, budget: number): number {
  switch (typeof v) {
    case 'string':
      return budget - jsonStringBytes(v, budget);
    case 'number':
      return budget - numberChars(v);
    case 'boolean':
      return v ? budget - 4 : budget - 5;
    case 'object': {
      if (v === null) return budget - 4;
      if (Array.isArray(v)) {
        budget -= 2 + Math.max(0, v.length - 1); // brackets and commas
        for (let i = 0; i < v.length && budget >= 0; i++) budget = remaining(v[i], budget);
        return budget;
      }
      budget -= 2;
      let first = true;
      for (const k in v) {
        const item = (v as Record<string, unknown>)[k];
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue; // left out
        budget = remaining(item, budget - keySize(k) - (first ? 1 : 2)); // key, colon, comma
        first = false;
        if (budget < 0) return budget;
      }
      return budget;
    }
    default:
      return budget - 4; // undefined in an array: null
  }
}

/** The refusal of an answer over MAX_RESPONSE_BYTES: the operation ran, its answer is not sent. */
export const responseTooLarge = (limit: number, actual: number) =>
  new AppError('RESPONSE_TOO_LARGE', `The answer is over ${limit} bytes (MAX_RESPONSE_BYTES); ask for smaller pages or fewer fields`, { limit, actual });

/**
 * Caps what a GraphQL answer may weigh: after execution, before Apollo serialises it, an answer past `limit`
 * is replaced by RESPONSE_TOO_LARGE (400). The cost limit refuses heavy documents before they run; this is the
 * bound on what one that passed may still send (long strings, full lists).
 */
export function responseSizeHooks(limit: number): Pick<GraphQLRequestListener<BaseContext>, 'willSendResponse'> {
  return {
    async willSendResponse({ response }) {
      if (response.body.kind !== 'single' || !response.body.singleResult.data) return;
      const size = jsonSizeUpTo(response.body.singleResult, limit);
      if (size <= limit) return;
      const e = responseTooLarge(limit, size);
      response.body.singleResult = { errors: [{ message: e.message, extensions: graphqlExtensions(e) }] };
      response.http.status = e.status;
    },
  };
}
