import { AppError } from '../../errors';

/** What the origin check reads of a request. */
export interface OriginHeaders {
  method: string;
  headers: { origin?: string; referer?: string; host?: string };
  protocol?: string;
}

/** Methods that change nothing (Apollo refuses mutations over GET; no REST GET route writes). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const crossOrigin = () => new AppError('FORBIDDEN', 'Cross-origin request refused: a signed-in request that changes state must come from this server');

/**
 * CSRF defence for cookie-authenticated requests (the cookie is also SameSite=Lax): a request that may change state
 * must name this server as its `Origin`, or failing that its `Referer`; neither, or another origin, is refused.
 * The server's origin is PUBLIC_URL's, or when unset the one the request was sent to (its Host), which a page of
 * another site cannot make a browser send with our cookie.
 */
export class OriginCheck {
  private readonly publicOrigin: string | undefined;

  constructor(publicUrl: string | undefined) {
    this.publicOrigin = publicUrl ? new URL(publicUrl).origin : undefined;
  }

  /** Throws FORBIDDEN unless `req` is safe or comes from this server's origin. */
  assert(req: OriginHeaders): void {
    if (SAFE.has(req.method)) return;
    if (!this.matches(req, true)) throw crossOrigin();
  }

  /**
   * For requests that are not yet authenticated (sign-in, set a password): refused only when they do name
   * another origin, so a browser on another site cannot sign someone in to an attacker's account, while a script
   * (curl) that sends no Origin still can.
   */
  assertNotForeign(req: OriginHeaders): void {
    if (!this.matches(req, false)) throw crossOrigin();
  }

  private matches(req: OriginHeaders, required: boolean): boolean {
    const expected = this.publicOrigin ?? (req.headers.host ? `${req.protocol ?? 'http'}://${req.headers.host}` : undefined);
    const origin = req.headers.origin;
    if (origin !== undefined) return origin === expected; // 'null' (a sandboxed or privacy-stripped page) is not ours
    const referer = req.headers.referer;
    if (referer !== undefined) return originOf(referer) === expected;
    return !required;
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
