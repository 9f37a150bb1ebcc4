import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ServerResponse } from 'node:http';
import {
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer, WebSocket } from 'ws';
import { CloseCode, handleProtocols, makeServer, type Context } from 'graphql-ws';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, badInput } from '../../errors';
import { envelopeOf } from '../../errors/envelope';
import { formatGraphQLError, toGraphQLError } from '../../errors/graphql';
import { refusal, type DocumentLimits } from '../../authorization/scope-guard';
import { operationRequirements } from '../../authorization/operation-scopes';
import type { ScopeIndex } from '../../authorization/scope-index';
import { expandedSize } from '../../graphql/document-guard';
import type { IncomingRequest } from '../auth/context';
import type { Principal } from '../auth/principal';
import { CLOSE, type LiveConnection, type LiveConnections } from './live-connections';
import { SlowConsumer } from './live.service';

export interface LiveSettings {
  maxSubscriptions: number;
  maxPerKey: number;
  maxPerAddress: number;
  keepAliveMs: number;
  idleMs: number;
  sendBufferBytes: number;
  /** The largest document, in fields once fragments are expanded (as for HTTP: src/graphql/apollo.ts). */
  maxExpanded: number;
  limits: DocumentLimits;
}

export interface LiveServerDeps<C> {
  schema: GraphQLSchema;
  index: ScopeIndex;
  connections: LiveConnections;
  /** The one context builder's authentication: the principal, or the AppError HTTP would answer. */
  authenticate(req: IncomingRequest): Promise<Principal>;
  /** Whether the credential of a principal still works, as it is now (see LiveConnections). */
  recheck(principal: Principal, credential: string): Promise<Principal | undefined>;
  /** A request context for one read (each event is read with a fresh one). */
  context(principal: Principal, ip: string): C;
  log: FastifyBaseLogger;
  settings: LiveSettings;
}

/** The upgrade request's headers that connection_init reads (the credential's fallback and the CSRF check). */
interface UpgradeHeaders {
  cookie?: string;
  origin?: string;
  referer?: string;
  host?: string;
}

/**
 * What graphql-ws keeps of each socket, for as long as it is open: only what later messages read (not the upgrade
 * request, whose message, response and Fastify objects would otherwise live as long as the connection).
 */
interface Extra {
  socket: WebSocket;
  headers: UpgradeHeaders;
  encrypted: boolean;
  ip: string;
  conn?: LiveConnection;
  subscriptions: number;
}

/** A subscription's stream, opened in onSubscribe (so its errors are an `error` message), run by `subscribe`. */
const opened = new WeakMap<object, { stream: AsyncIterable<unknown>; fresh: () => unknown; socket: WebSocket }>();
const UPGRADE_HEAD = Symbol('upgradeHead');
/** Valid subscription documents kept parsed (see LiveServer.checkedDocument). */
const DOCUMENT_CACHE_SIZE = 500;
const DOCUMENT_CACHE_MAX_TEXT = 8 * 1024;

/**
 * GraphQL subscriptions over WebSocket (graphql-transport-ws, graphql-ws's server) on `/graphql`, on the Fastify
 * server's own port: an upgrade request is routed through Fastify (its hooks, its client address with TRUST_PROXY),
 * and the GraphQL route hands it here. Authentication is the context builder's, in `connection_init`; each
 * subscription passes the same document guard, limits and scope walk as a query (scope-guard.ts `refusal`) before
 * its stream opens.
 */
export class LiveServer<C> {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 256 * 1024,
    handleProtocols: (protocols) => handleProtocols(protocols),
    perMessageDeflate: false,
  });
  private readonly perAddress = new Map<string, number>();
  private readonly keepAlive: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();
  private closed = false;

  constructor(private readonly deps: LiveServerDeps<C>) {
    const { settings } = deps;
    this.keepAlive = setInterval(() => {
      for (const socket of this.wss.clients) {
        if (!this.alive.has(socket)) {
          socket.terminate(); // the previous ping was never answered
          continue;
        }
        this.alive.delete(socket);
        socket.ping();
      }
    }, settings.keepAliveMs);
    this.keepAlive.unref();
  }

  /** Lets Fastify route upgrade requests (as a GET of `/graphql`) so its hooks and client address apply. */
  attach(fastify: FastifyInstance): void {
    fastify.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.closed) return void socket.destroy();
      (req as IncomingMessage & { [UPGRADE_HEAD]?: Buffer })[UPGRADE_HEAD] = head;
      const res = new ServerResponse(req);
      // An upgrade answered over HTTP (404, 401, 429) ends its connection: nothing parses HTTP on it any more.
      res.shouldKeepAlive = false;
      res.once('finish', () => socket.end());
      res.assignSocket(socket as never);
      fastify.routing(req, res);
    });
  }

  /** Whether a request routed to /graphql is a WebSocket upgrade, to be handed to `upgrade`. */
  static isUpgrade(req: FastifyRequest): boolean {
    return (req.raw as IncomingMessage & { [UPGRADE_HEAD]?: Buffer })[UPGRADE_HEAD] !== undefined;
  }

  upgrade(req: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const raw = req.raw as IncomingMessage & { [UPGRADE_HEAD]?: Buffer };
    const socket = raw.socket;
    const ip = req.ip;
    if ((this.perAddress.get(ip) ?? 0) >= this.deps.settings.maxPerAddress) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The socket is the WebSocket's from here: it no longer belongs to the response made for routing (which would
    // otherwise stay reachable from it, with the request and Fastify's objects, for the connection's lifetime).
    reply.raw.detachSocket(socket);
    const { cookie, origin, referer, host } = raw.headers;
    const headers: UpgradeHeaders = { cookie, origin, referer, host };
    const encrypted = (socket as { encrypted?: boolean }).encrypted === true;
    this.wss.handleUpgrade(raw, socket, raw[UPGRADE_HEAD] ?? Buffer.alloc(0), (ws) => this.opened(ws, headers, encrypted, ip));
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.keepAlive);
    this.deps.connections.closeAll(1001, 'Server shutting down');
    for (const socket of this.wss.clients) socket.close(1001, 'Server shutting down');
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  private opened(socket: WebSocket, headers: UpgradeHeaders, encrypted: boolean, ip: string): void {
    const { settings, connections } = this.deps;
    // A malformed frame (RSV bits set, unmasked, invalid UTF-8, too large) is an 'error' on the socket, which with
    // no listener would be thrown and end the process: any client could do it before authenticating.
    socket.on('error', (err) => {
      this.deps.log.debug({ err: err.message }, 'live socket error');
      socket.terminate();
    });
    this.perAddress.set(ip, (this.perAddress.get(ip) ?? 0) + 1);
    this.alive.add(socket);
    socket.on('pong', () => this.alive.add(socket));
    const extra: Extra = { socket, headers, encrypted, ip, subscriptions: 0 };
    let idle: NodeJS.Timeout | undefined;
    const idleFrom = () => {
      clearTimeout(idle);
      idle = setTimeout(() => socket.close(1000, 'Idle'), settings.idleMs);
      idle.unref();
    };
    idleFrom();
    const server = this.graphqlServer();
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== WebSocket.OPEN) return;
          // Bounded: a client that does not read is closed, never buffered for.
          if (socket.bufferedAmount + Buffer.byteLength(data) > settings.sendBufferBytes) return void socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer');
          socket.send(data);
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            handle(data.toString()).catch((err: unknown) => {
              this.deps.log.error({ err: envelopeOf(err).message }, 'live message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extra,
    );
    (extra as Extra & { idle: () => void; busy: () => void }).idle = idleFrom;
    (extra as Extra & { idle: () => void; busy: () => void }).busy = () => clearTimeout(idle);
    socket.once('close', (code: number, reason: Buffer) => {
      clearTimeout(idle);
      const left = (this.perAddress.get(ip) ?? 1) - 1;
      if (left > 0) this.perAddress.set(ip, left);
      else this.perAddress.delete(ip);
      if (extra.conn) connections.remove(extra.conn);
      void closed(code, reason.toString());
    });
  }

  private server: ReturnType<typeof makeServer<Record<string, unknown>, Extra>> | undefined;

  private graphqlServer() {
    return (this.server ??= makeServer<Record<string, unknown>, Extra>({
      schema: this.deps.schema,
      connectionInitWaitTimeout: 3000,
      onConnect: (ctx) => this.onConnect(ctx),
      onSubscribe: (ctx, _id, payload) => this.onSubscribe(ctx, payload),
      subscribe: (args) => this.run(args),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatGraphQLError(e.toJSON(), e)),
      onComplete: (ctx) => {
        ctx.extra.subscriptions = Math.max(0, ctx.extra.subscriptions - 1);
        if (!ctx.extra.subscriptions) (ctx.extra as Extra & { idle: () => void }).idle();
      },
    }));
  }

  /** connection_init: the credential (the payload's `authorization`, else the session cookie) through the context builder. */
  private async onConnect(ctx: Context<Record<string, unknown>, Extra>): Promise<boolean> {
    const { socket, headers: h, encrypted, ip } = ctx.extra;
    const given = ctx.connectionParams?.authorization;
    const authorization = typeof given === 'string' ? given : undefined;
    const incoming: IncomingRequest = {
      headers: { authorization, cookie: authorization === undefined ? h.cookie : undefined, origin: h.origin, referer: h.referer, host: h.host },
      ip,
      // Not a safe method: a session cookie is accepted only from the dashboard's own origin.
      method: 'WEBSOCKET',
      protocol: encrypted ? 'https' : 'http',
    };
    const { connections, settings } = this.deps;
    const epoch = connections.epoch;
    let principal: Principal;
    try {
      principal = await this.deps.authenticate(incoming);
    } catch (e) {
      const code = e instanceof AppError ? e.code : 'INTERNAL_SERVER_ERROR';
      if (code === 'RATE_LIMITED') socket.close(CLOSE.TOO_MANY, 'Too many requests');
      else if (code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL_SERVER_ERROR') socket.close(CLOSE.UNAVAILABLE, 'Try again later');
      else socket.close(CLOSE.UNAUTHORIZED, 'Unauthorized');
      return false;
    }
    if (connections.count(principal.keyId) >= settings.maxPerKey) {
      socket.close(CLOSE.TOO_MANY, 'Too many connections for this key');
      return false;
    }
    if (socket.readyState !== WebSocket.OPEN) return false;
    const credential = authorization ?? h.cookie ?? '';
    const conn: LiveConnection = {
      principal,
      recheck: () => this.deps.recheck(conn.principal, credential),
      close: (code, reason) => socket.close(code, reason),
    };
    ctx.extra.conn = conn;
    connections.add(conn, epoch);
    return true;
  }

  /**
   * A subscribe message: the same guards as a query over HTTP (document size, validation, depth, aliases, cost and
   * the scope walk), then the stream is opened; any refusal is an `error` message and nothing is streamed.
   */
  private async onSubscribe(ctx: Context<Record<string, unknown>, Extra>, payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const { extra } = ctx;
    if (!extra.conn) return [toGraphQLError(new AppError('UNAUTHORIZED', 'Invalid or missing API key'))];
    const { maxSubscriptions } = this.deps.settings;
    if (extra.subscriptions >= maxSubscriptions)
      return [toGraphQLError(new AppError('RATE_LIMITED', `A connection may hold ${maxSubscriptions} subscriptions (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION)`, { limit: maxSubscriptions }))];
    // Taken now, before anything is awaited: subscribe messages of one socket are handled concurrently.
    extra.subscriptions++;
    (extra as Extra & { busy: () => void }).busy();
    const result = await this.open(extra.conn, extra, payload).catch((e: unknown) => [toGraphQLError(envelopeOf(e))]);
    if (Array.isArray(result)) {
      extra.subscriptions--;
      if (!extra.subscriptions) (extra as Extra & { idle: () => void }).idle();
    }
    return result;
  }

  /**
   * Parsed, size-checked and validated documents by their text: a fleet of dashboards sends the same few
   * subscriptions, and each parsed copy (tokens, locations, nodes: ~10 kB) would otherwise live as long as its
   * subscription. Only valid documents are kept, at most DOCUMENT_CACHE_SIZE of them (the oldest dropped first).
   */
  private readonly documents = new Map<string, DocumentNode>();

  private checkedDocument(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
    const cached = this.documents.get(query);
    if (cached) return { document: cached };
    const { schema, settings } = this.deps;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: 50_000 });
    } catch (e) {
      return { errors: [new GraphQLError((e as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
    }
    const size = expandedSize(document);
    if (size > settings.maxExpanded)
      return { errors: [toGraphQLError(new AppError('QUERY_TOO_COMPLEX', `The document expands to ${size} fields; the limit is ${settings.maxExpanded}`, { limit: settings.maxExpanded, actual: size }))] };
    const invalid = validate(schema, document);
    if (invalid.length) return { errors: invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) };
    // Kept only when short: a padded document (comments, whitespace) must not make the cache hold 500 × 256 kB.
    if (query.length <= DOCUMENT_CACHE_MAX_TEXT) {
      if (this.documents.size >= DOCUMENT_CACHE_SIZE) this.documents.delete(this.documents.keys().next().value!);
      this.documents.set(query, document);
    }
    return { document };
  }

  private async open(conn: LiveConnection, extra: Extra, payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const { schema, index, settings } = this.deps;
    const refuse = (e: AppError) => [toGraphQLError(e)];
    const checked = this.checkedDocument(String(payload.query ?? ''));
    if (!('document' in checked)) return checked.errors;
    const { document } = checked;
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (!operation) return refuse(badInput([{ field: 'operationName', message: 'names no operation of the document' }]));
    if (operation.operation !== 'subscription')
      return refuse(badInput([{ field: 'query', message: 'only subscriptions are served over WebSocket; send queries and mutations to POST /graphql' }]));
    const variables = payload.variables ?? undefined;
    // The one enforcement point, as for a query: limits and the scope walk (fragments, aliases, abstract types).
    const refused = refusal(conn.principal, operationRequirements(schema, index, document, operation), settings.limits, variables);
    if (refused) return refuse(refused);
    const fresh = () => this.deps.context(conn.principal, extra.ip);
    const args: ExecutionArgs = { schema, document, operationName: payload.operationName ?? undefined, variableValues: variables, contextValue: fresh() };
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream.errors ?? [];
    opened.set(args, { stream, fresh, socket: extra.socket });
    return args;
  }

  /**
   * Each event is executed with a context of its own (a fresh EntityManager: nothing held for hours). A hand-made
   * iterator, not an async generator: graphql-ws calls `return()` on `complete` and on close, most often while
   * `next()` waits for an event, and a generator queues that `return()` until its next `yield` (for a quiet check,
   * never), so the stream behind it, its bus listener and the connection's subscription count would be held for
   * good. Here `return()` ends the stream at once.
   */
  private run(args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> {
    const { stream, fresh, socket } = opened.get(args)!;
    opened.delete(args);
    const iterator = stream[Symbol.asyncIterator]();
    let finished = false;
    const finish = async () => {
      if (finished) return;
      finished = true;
      await iterator.return?.();
    };
    const end = { value: undefined, done: true } as const;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<ExecutionResult>> {
        if (finished) return end;
        try {
          const { value, done } = await iterator.next();
          if (done || finished) {
            await finish();
            return end;
          }
          return { value: (await execute({ ...args, rootValue: value, contextValue: fresh() })) as ExecutionResult, done: false };
        } catch (e) {
          await finish();
          // Events came faster than this subscriber took them: closed, never queued without bound.
          if (e instanceof SlowConsumer) {
            socket.close(CLOSE.SLOW_CONSUMER, 'Slow consumer');
            return end;
          }
          throw e;
        }
      },
      async return(): Promise<IteratorResult<ExecutionResult>> {
        await finish();
        return end;
      },
      async throw(e?: unknown): Promise<IteratorResult<ExecutionResult>> {
        await finish();
        throw e;
      },
    };
  }
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof (v as AsyncIterable<unknown>)?.[Symbol.asyncIterator] === 'function';
}

/** Errors in a `next` payload carry the one error vocabulary's code and message, never a stack or an internal message. */
function formatResult(result: ExecutionResult): FormattedExecutionResult | void {
  if (!result.errors?.length) return;
  const { errors, ...rest } = result;
  return { ...rest, errors: errors.map((e): GraphQLFormattedError => formatGraphQLError(e.toJSON(), e)) };
}
