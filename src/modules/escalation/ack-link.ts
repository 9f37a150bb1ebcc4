import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../common/base62';
import type { PublicUrl } from '../common/public-url';

/** How long a one-click acknowledge link works: 24 hours from the message that carries it. */
export const ACK_LINK_TTL_MS = 24 * 3_600_000;
export const ACK_PATH = '/alerts/ack';

/** What a link's token says: this alert, heard on this channel, until then; `n` makes each link single use. */
export interface AckClaim {
  alertId: string;
  channelId: string;
  expiresAt: Date;
  nonce: string;
}

export type AckCheck = { ok: true; claim: AckClaim } | { ok: false; reason: 'altered' | 'expired' };

/** Binds the token to one use: a token signed for anything else never verifies as an acknowledge link. */
const PURPOSE = 'alert-ack:v1';

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * The tokens of one-click acknowledge links: `<claim>.<signature>`, the claim base64url JSON of
 * { p: purpose, a: alert, c: channel, x: expiry (seconds), n: nonce }, the signature HMAC-SHA256 under a key
 * derived (HKDF) from SECRETS_KEY for this purpose alone, so it is never the key that seals credentials. Nothing is
 * stored when a link is made; its use is (ack_link_uses), which makes it single use.
 */
export class AckLinks {
  private readonly key: Buffer;

  constructor(
    secretsKey: Buffer,
    private readonly publicUrl: PublicUrl,
    private readonly now: () => Date,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), 'tracer one-click acknowledge links', 32));
  }

  token(alertId: string, channelId: string): string {
    const claim = b64(JSON.stringify({ p: PURPOSE, a: alertId, c: channelId, x: Math.floor((this.now().getTime() + ACK_LINK_TTL_MS) / 1000), n: randomBase62(22) }));
    return `${claim}.${this.sign(claim)}`;
  }

  /** The link a message carries (`<PUBLIC_URL>/alerts/ack?token=…`). */
  url(alertId: string, channelId: string): string {
    return `${this.publicUrl}${ACK_PATH}?token=${this.token(alertId, channelId)}`;
  }

  check(token: string): AckCheck {
    const [claim, signature, extra] = token.split('.');
    if (!claim || !signature || extra !== undefined || token.length > 1000) return { ok: false, reason: 'altered' };
    const expected = Buffer.from(this.sign(claim));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'altered' };
    let body: { p?: unknown; a?: unknown; c?: unknown; x?: unknown; n?: unknown };
    try {
      body = JSON.parse(Buffer.from(claim, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'altered' };
    }
    if (body.p !== PURPOSE || typeof body.a !== 'string' || typeof body.c !== 'string' || typeof body.x !== 'number' || typeof body.n !== 'string')
      return { ok: false, reason: 'altered' };
    const expiresAt = new Date(body.x * 1000);
    if (expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, claim: { alertId: body.a, channelId: body.c, expiresAt, nonce: body.n } };
  }

  private sign(claim: string): string {
    return createHmac('sha256', this.key).update(claim).digest('base64url');
  }
}
