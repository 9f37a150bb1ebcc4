import type { FastifyBaseLogger } from 'fastify';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Bindings = Record<string, unknown>;

/**
 * A request's logger (`request.log`, `reply.log`), made the first time the request logs at a level that is
 * enabled. Fastify gives every request a child logger carrying its `reqId`; pino's `child()` serialises and redacts
 * the bindings as it is made, about 1 % of an authenticated `me` request's CPU, for a logger that at the default
 * level (warn) a successful request never writes to. A line it does write is the child's: same bindings, same
 * serializers, same redaction. A route with a log level or serializers of its own gets an ordinary child at once
 * (see `requestLogger`).
 */
class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings));
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }
  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  isLevelEnabled(level: string): boolean {
    return enabled(this.made ?? this.parent, level);
  }

  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.made && !enabled(this.parent, level)) return;
    (this.logger[level] as (...a: unknown[]) => void)(...args);
  }
}

/** pino's own answer; a logger without one (not pino) is asked every time. */
const enabled = (logger: FastifyBaseLogger, level: string): boolean =>
  (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) ?? true;

/** Fastify's `childLoggerFactory`: the request's logger, made on first use. */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: NonNullable<Parameters<FastifyBaseLogger['child']>[1]>): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  return new LazyRequestLogger(logger, bindings) as unknown as FastifyBaseLogger;
}
