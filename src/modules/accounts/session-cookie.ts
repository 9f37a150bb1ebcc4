/**
 * The session cookie: `tracer_session`, or `__Host-tracer_session` with `Secure` when PUBLIC_URL is https (the
 * prefix makes the browser refuse it unless Secure, Path=/ and host-only: no subdomain can set or shadow it).
 * HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs; the origin check is the other half).
 */
export class SessionCookie {
  readonly name: string;
  private readonly attributes: string;

  constructor(secure: boolean, maxAgeSeconds: number) {
    this.name = secure ? '__Host-tracer_session' : 'tracer_session';
    this.attributes = `; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
    this.maxAge = maxAgeSeconds;
  }

  private readonly maxAge: number;

  set(token: string): string {
    return `${this.name}=${token}${this.attributes}; Max-Age=${this.maxAge}`;
  }

  clear(): string {
    return `${this.name}=${this.attributes}; Max-Age=0`;
  }

  /** The cookie's value in a Cookie header, or undefined; the first one wins when a name repeats. */
  read(header: string | undefined): string | undefined {
    if (!header) return undefined;
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.name) return part.slice(eq + 1).trim();
    }
    return undefined;
  }
}
