import * as crypto from 'node:crypto';
import { randomBase62 } from '../common/base62';

/** A session or password-link token: 43 base62 characters, about 256 bits from crypto.randomBytes. */
export const newToken = (): string => randomBase62(43);

// crypto.hash (Node ≥ 20.12) is the one-shot form: no Hash object per request.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** What is stored and looked up instead of a token: its hex SHA-256 (the token is random; nothing to brute-force). */
export const tokenHash = oneShot
  ? (token: string): string => oneShot('sha256', token, 'hex')
  : (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

/** A token as newToken makes them; anything else is refused before any lookup. */
export const looksLikeToken = (value: unknown): value is string => typeof value === 'string' && /^[0-9A-Za-z]{43}$/.test(value);
