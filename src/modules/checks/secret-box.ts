import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Header } from './check.types';
import { isSecretHeader, storedHeader } from './secrets';

const PREFIX = 'enc:v1:';

export class SecretDecryptError extends Error {}

/**
 * Encrypts credential header values at rest with AES-256-GCM: `enc:v1:<iv>:<tag>:<ciphertext>`, base64 each, a
 * random 96-bit IV per value. Only values of credential headers (isSecretHeader: named like one, or marked secret) are sealed; the rest
 * are configuration a reader may see anyway. A value without the prefix was stored before encryption at rest and is
 * read as it is (it is sealed the next time its monitor or journey is saved or run).
 *
 * Values coming from the API are always plaintext to seal, even if they look sealed: otherwise someone who can
 * read a stored ciphertext could paste it into a monitor of their own and have tracer decrypt and send it.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secrets key must be 32 bytes');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [iv, tag, data] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Never the value in the message: it goes to logs.
      throw new SecretDecryptError('A stored credential header could not be decrypted: SECRETS_KEY is not the key it was encrypted with');
    }
  }

  /** Plaintext headers → as stored: credential values sealed. */
  sealHeaders(headers: Header[]): Header[] {
    return headers.map((h) => storedHeader(isSecretHeader(h) ? { ...h, value: this.seal(h.value) } : h));
  }

  /** Stored headers → plaintext, for sending and for comparing; never for a view (views mask). */
  openHeaders(headers: Header[]): Header[] {
    return headers.map((h) => (isSecretHeader(h) ? { ...h, value: this.open(h.value) } : h));
  }

  /** Stored headers, some perhaps from before encryption at rest → every credential value sealed. */
  reseal(headers: Header[]): Header[] {
    return this.sealHeaders(this.openHeaders(headers));
  }

  /** True when a stored credential value predates encryption at rest. */
  hasPlaintext(headers: Header[]): boolean {
    return headers.some((h) => isSecretHeader(h) && !h.value.startsWith(PREFIX));
  }
}
