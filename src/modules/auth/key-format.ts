import * as zlib from 'node:zlib';
import { BASE62_ALPHABET as ALPHABET, randomBase62 } from '../common/base62';

/**
 * API key format (docs/explanation/security-model.md), 63 ASCII characters:
 *   izli_sk_live_ <keyId: 12 base62> <secret: 32 base62> <checksum: 6 base62 CRC32 of everything before it>
 * The checksum lets a typo or a truncated copy be refused without any I/O, and lets secret scanners
 * recognise a real key offline.
 */
export const KEY_PREFIX = 'izli_sk_live_';
export const KEY_ID_LENGTH = 12;
export const SECRET_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = KEY_PREFIX.length + KEY_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;

const KEY_PATTERN = new RegExp(
  `^${KEY_PREFIX}([0-9A-Za-z]{${KEY_ID_LENGTH}})([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

// zlib.crc32 exists from Node 20.15; older 20.x releases get the same IEEE CRC32 from a loop.
const crcImpl: (s: string) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (s) => (zlib as unknown as { crc32: (d: string) => number }).crc32(s)
    : tableCrc32;

function tableCrc32(s: string): number {
  let c = ~0;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i);
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export function checksum(body: string): string {
  let n = crcImpl(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out; // 62^6 > 2^32, so six digits always hold the CRC, left-padded with '0'
}

export interface GeneratedKey {
  key: string;
  keyId: string;
}

export function generateKey(): GeneratedKey {
  const keyId = randomBase62(KEY_ID_LENGTH);
  const body = KEY_PREFIX + keyId + randomBase62(SECRET_LENGTH);
  return { key: body + checksum(body), keyId };
}

/** The keyId of a well-formed key with a correct checksum, or null. Pure: no I/O. */
export function parseKey(key: string): string | null {
  if (key.length !== KEY_LENGTH) return null;
  const m = KEY_PATTERN.exec(key);
  if (!m) return null;
  const body = key.slice(0, KEY_LENGTH - CHECKSUM_LENGTH);
  return checksum(body) === m[3] ? m[1] : null;
}

export const apiKeyIdOf = (keyId: string) => `key_${keyId}`;
export const displayPrefixOf = (keyId: string) => `${KEY_PREFIX}${keyId}…`;

/** Anything shaped like a key, whole or cut short (a key pasted into a URL is still a key). */
const KEY_LIKE = /izli_sk_live_[0-9A-Za-z]+/g;

/** `text` with every key in it replaced by `izli_sk_live_[redacted]`: for what gets logged, such as a request URL. */
export const redactKeys = (text: string): string => text.replace(KEY_LIKE, `${KEY_PREFIX}[redacted]`);
