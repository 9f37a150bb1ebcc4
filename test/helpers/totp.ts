import { createHmac } from 'node:crypto';

/**
 * The code an authenticator app shows for the base32 `secret` at `at`: RFC 6238 (HMAC-SHA1 of the 30-second step,
 * RFC 4226's dynamic truncation, 6 digits) written out here, not through the library the server uses, so a test
 * checks the server against the RFC rather than against itself.
 */
export function codeAt(secret: string, at: Date): string {
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
