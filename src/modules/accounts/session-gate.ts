import { AppError } from '../../errors';
import type { IncomingRequest, SessionAuthenticator } from '../auth/context';
import type { Principal } from '../auth/principal';
import type { SessionCookie } from './session-cookie';
import type { OriginCheck } from './same-origin';
import type { SessionVerifier } from './session-verifier';

/** The context builder's way in by cookie: the origin check first (it costs nothing), then the session. */
export class SessionGate implements SessionAuthenticator {
  constructor(
    readonly cookie: SessionCookie,
    readonly origins: OriginCheck,
    readonly verifier: SessionVerifier,
  ) {}

  token(cookieHeader: string | undefined): string | undefined {
    return this.cookie.read(cookieHeader);
  }

  async verify(token: string, req: IncomingRequest): Promise<Principal> {
    // Always checked: a request without a method is not a safe one (OriginCheck refuses it without this origin).
    this.origins.assert({ method: req.method, headers: req.headers, protocol: req.protocol });
    try {
      return await this.verifier.verify(token, req.ip);
    } catch (e) {
      // A refused cookie is cleared, so a browser stops sending it: each unknown token is a lookup the failure
      // limiter counts against the address.
      if (e instanceof AppError && e.code === 'UNAUTHORIZED') throw new AppError(e.code, e.message, e.details, { ...e.headers, 'set-cookie': this.cookie.clear() });
      throw e;
    }
  }
}
