import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { printable } from '../modules/common/printable';

/**
 * Where log lines go and in which form (LOG_FORMAT in docs/reference/configuration.md). JSON lines, as pino writes
 * them, unless LOG_FORMAT=pretty, or LOG_FORMAT=auto (the default) and stdout is a terminal: then one readable line
 * each, `12:34:56.789 INFO  alert opened alertId=alr_… checkId=mon_…`. The formatter is these few lines rather than
 * pino-pretty, a dependency with its own transport thread for what a person reading a terminal needs.
 */
export function logDestination(config: Config, stream?: NodeJS.WritableStream): NodeJS.WritableStream | undefined {
  const out = stream ?? process.stdout;
  const pretty = config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && !stream && process.stdout.isTTY === true);
  return pretty ? prettyStream(out, out === process.stdout && process.stdout.isTTY === true) : stream;
}

const LEVELS: Record<number, [string, string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
};
/** Fields every line has, shown in the line's head or not at all. */
const HEAD = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * A field's value as printed: a plain word as it is, anything else as JSON. Either way with no control or format
 * character left raw (JSON escapes C0 ones; `printable` escapes DEL, C1 and the bidirectional and invisible ones):
 * a value a client or a target sent (a URL, a header, an error message) cannot send terminal escapes, start a line
 * of its own, nor turn the rest of the line around.
 */
function fieldValue(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=]+$/.test(value) && printable(value) === value) return value;
  return printable(JSON.stringify(value) ?? String(value));
}

/**
 * One pino JSON line as a readable one; a line that is not JSON is passed on as it came (pino writes only JSON; the
 * message, fields and stack of one that is are escaped as `fieldValue` says).
 */
export function prettyLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const [label, ansi] = LEVELS[entry.level as number] ?? [String(entry.level).padEnd(5), ''];
  const level = colour && ansi ? `${ansi}${label}\x1b[0m` : label;
  const fields = Object.entries(entry)
    .filter(([key]) => !HEAD.has(key))
    .map(([key, value]) => `${printable(key)}=${fieldValue(value)}`);
  const err = entry.err as { stack?: string } | undefined;
  // The stack keeps its lines, each escaped.
  const stack = typeof err?.stack === 'string' ? `\n    ${err.stack.split('\n').map(printable).join('\n    ')}` : '';
  const msg = entry.msg === undefined ? '' : printable(typeof entry.msg === 'string' ? entry.msg : JSON.stringify(entry.msg));
  return `${[time, level, msg, ...fields].filter((part) => part !== '').join(' ')}${stack}\n`;
}

function prettyStream(out: NodeJS.WritableStream, colour: boolean): NodeJS.WritableStream {
  // pino writes one whole line per call.
  return { write: (line: string) => out.write(prettyLine(line, colour)) } as unknown as NodeJS.WritableStream;
}

/**
 * Fastify's per-request lines ("incoming request", "request completed", a route not found, a stream closed early)
 * at debug instead of info: an hour of a newcomer's server was 1,142 such lines of 1,154. LOG_REQUESTS=true keeps
 * them at info (Fastify's own LogController); errors stay errors either way.
 */
class DebugRequestLines extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
  override routeNotFound(request: FastifyRequest): void {
    request.log.debug(`Route ${request.raw.method}:${request.raw.url} not found`);
  }
  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500) reply.log.error({ req: request, res: reply, err: error }, error?.message);
    else reply.log.debug({ res: reply, err: error }, error?.message);
  }
  override streamError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') reply.log.debug({ res: reply }, 'stream closed prematurely');
    else super.streamError(error, request, reply);
  }
}

/** Fastify's `logController`: per-request lines at info only with LOG_REQUESTS=true. */
export const requestLines = (config: Config): LogController => (config.LOG_REQUESTS ? new LogController() : new DebugRequestLines());
