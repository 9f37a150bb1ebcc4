/**
 * Where the links tracer hands out point (heartbeat ping URLs, acknowledge links, invitation and setup links,
 * notifications' links, status pages): PUBLIC_URL, or by default the server's own address, http://HOST:PORT. With
 * PORT=0 the system picks the port when the server listens, after the services were built: server.ts tells this
 * object the address it bound (`listening`), and every link made from then on names it. Services keep this object,
 * not a string, and read it when they make a link.
 */
export class PublicUrl {
  private bound: string | undefined;
  private readonly initial: string;

  constructor(
    private readonly configured: string | undefined,
    private readonly host: string,
    port: number,
  ) {
    this.initial = configured === undefined ? origin(host, port) : configured.replace(/\/+$/, '');
  }

  /** The base URL, without a trailing slash. */
  toString(): string {
    return this.bound ?? this.initial;
  }

  /** The server listens on `port` (of HOST); a configured PUBLIC_URL stays as it is. */
  listening(port: number): void {
    if (this.configured === undefined) this.bound = origin(this.host, port);
  }

  /** A link made before the server listened, naming the address it listens at now (the first start's setup link). */
  current(link: string): string {
    return link.startsWith(`${this.initial}/`) ? String(this) + link.slice(this.initial.length) : link;
  }
}

const origin = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
