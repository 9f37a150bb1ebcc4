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
    // Scanned in place (every cookie-authenticated request reads it): `name=` at the start or after `;` and spaces.
    for (let at = header.indexOf(this.name); at >= 0; at = header.indexOf(this.name, at + 1)) {
      const end = at + this.name.length;
      if (header.charCodeAt(end) !== 61 /* = */ || !startsPair(header, at)) continue;
      const stop = header.indexOf(';', end);
      return header.slice(end + 1, stop < 0 ? undefined : stop).trim();
    }
    return undefined;
  }
}

/** True when position `at` of a Cookie header begins a name (the start, or after `;` and spaces). */
function startsPair(header: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && header.charCodeAt(i) === 32) i--;
  return i < 0 || header.charCodeAt(i) === 59; /* ; */
}
