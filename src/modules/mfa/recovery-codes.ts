import { randomBytes } from 'node:crypto';
import { tokenHash } from '../accounts/session-token';

/** How many recovery codes `confirm` hands out (once). */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32 without look-alikes: a code read off paper is typed back without 0/O or 1/I/L confusion.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A recovery code: 16 characters (80 random bits) in groups of four, `abcd-efgh-jkmn-pqrs`. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[bytes[i] & 31]; // 256 is a multiple of 32: no bias
  return out.match(/.{4}/g)!.join('-');
}

/**
 * A typed code as stored: lower-cased, without the dashes and spaces people add or drop; undefined when it cannot
 * be a recovery code (so nothing is looked up for it).
 */
export function recoveryCodeHash(typed: string): string | undefined {
  const plain = typed.toLowerCase().replace(/[\s-]/g, '');
  if (!/^[0-9a-hjkmnp-tv-z]{16}$/.test(plain)) return undefined;
  return tokenHash(plain);
}
