import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../../../common/base62';

/** 32 base62 characters ≈ 190 bits: the ping URL's only credential. */
export const newPingToken = () => randomBase62(32);

/** What is stored and looked up: the token's SHA-256, hex. */
export const hashPingToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A token of the shape `newPingToken` makes: anything else is refused before any query. */
export const PING_TOKEN = /^[0-9A-Za-z]{32}$/;

/** Compares two hashes in constant time (the lookup by hash found the row; this confirms it without a timing leak). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
