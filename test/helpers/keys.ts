import { checksum, KEY_PREFIX } from '../../src/modules/auth/key-format';

/**
 * A key with a valid checksum built from a chosen keyId and secret: with a real keyId and any other secret it
 * passes the format check, finds the key's row and fails only at bcrypt (a "wrong secret").
 */
export function forgeKey(keyId = 'ZZZZZZZZZZZZ', secret = 'a'.repeat(32)): string {
  const body = KEY_PREFIX + (keyId.startsWith('key_') ? keyId.slice(4) : keyId) + secret;
  return body + checksum(body);
}
