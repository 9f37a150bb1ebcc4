import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, generateKey, KEY_LENGTH, KEY_PREFIX, parseKey } from '../../src/modules/auth/key-format';
import { randomBase62 } from '../../src/modules/common/base62';
import * as zlib from 'node:zlib';

describe('key format (ARCHITECTURE.md §2)', () => {
  it('is izli_sk_live_ + 12 keyId + 32 secret + 6 checksum = 63 base62 characters', () => {
    for (let i = 0; i < 200; i++) {
      const { key, keyId } = generateKey();
      expect(key).toHaveLength(63);
      expect(KEY_LENGTH).toBe(63);
      expect(key).toMatch(/^izli_sk_live_[0-9A-Za-z]{50}$/);
      expect(key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 12)).toBe(keyId);
      expect(parseKey(key)).toBe(keyId);
    }
  });

  it('checksum is the IEEE CRC32 of everything before it, as 6 left-padded base62 digits', () => {
    const body = `${KEY_PREFIX}${'A'.repeat(12)}${'b'.repeat(32)}`;
    let n = zlib.crc32(body);
    let expected = '';
    for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) expected = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[n % 62] + expected;
    expect(checksum(body)).toBe(expected);
    expect(checksum('')).toBe('000000'); // CRC32('') = 0: left-padded
  });

  it('detects every single-character typo and every truncation', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    fc.assert(
      fc.property(fc.integer({ min: KEY_PREFIX.length, max: 62 }), fc.integer({ min: 1, max: 61 }), fc.integer({ min: 1, max: 62 }), (pos, shift, cut) => {
        const { key } = generateKey();
        const replaced = alphabet[(alphabet.indexOf(key[pos]) + shift) % 62];
        const typo = key.slice(0, pos) + replaced + key.slice(pos + 1);
        expect(parseKey(typo)).toBeNull();
        expect(parseKey(key.slice(0, key.length - cut))).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses anything that is not exactly one well-formed key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        expect(parseKey(s)).toBeNull();
      }),
    );
    const { key } = generateKey();
    for (const bad of [` ${key}`, `${key} `, key.toUpperCase(), key.replace('live', 'test'), `${key}0`]) expect(parseKey(bad)).toBeNull();
  });

  it('draws base62 characters without modulo bias', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62 * 2000);
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Each character expects 2000; a biased draw (byte % 62) would give the first 8 about 2060+ and the rest ~1980.
    const chi2 = [...counts.values()].reduce((acc, n) => acc + (n - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(130); // 61 degrees of freedom: p < 1e-6 beyond this
  });
});
