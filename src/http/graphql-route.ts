import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { envelopeOf, reportFault } from '../errors/envelope';
import { REQUEST_ID_HEADER } from '../errors';
import { toGraphQLError, withRequestId } from '../errors/graphql';
import { sandboxPageHeaders } from '../graphql/sandbox';
import type { ContextBuilder } from '../modules/auth/context';
import type { RequestContext } from '../context/request-context';
import { LiveServer } from '../modules/live/live-server';
import { APOLLO_JSON, type KnownQueries } from '../graphql/known-queries';

/**
 * `/graphql` (GET, POST, OPTIONS) handed straight to Apollo's `executeHTTPGraphQLRequest`, with the one context
 * builder authenticating each request. Apollo still does everything HTTP-specific (methods, content types, CSRF
 * prevention, GET's query parameters, status codes); this only translates Fastify's request and reply, without
 * the integration package's per-request URL parsing.
 */
export function registerGraphQLRoute(
  fastify: FastifyInstance,
  apollo: ApolloServer<RequestContext>,
  contexts: ContextBuilder<RequestContext>,
  live?: LiveServer<RequestContext>,
  known?: KnownQueries,
): void {
  fastify.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: async (req, reply) => {
      // A WebSocket upgrade (subscriptions, graphql-transport-ws) is the live server's.
      if (live && LiveServer.isUpgrade(req)) return live.upgrade(req, reply);
      // A plain POST of a query Apollo has already run (ADR 0076) is answered here when its run ends cleanly, with
      // exactly the bytes Apollo would send; otherwise Apollo gets the request with the context built for it.
      const fast = known?.lookup(req.method, req.headers, req.body);
      let built: { context: RequestContext } | { error: unknown } | undefined;
      if (fast) {
        try {
          built = { context: await contexts.build(req, reply) };
        } catch (error) {
          built = { error };
        }
        if ('context' in built) {
          const answer = await known!.answer(fast.known, built.context.principal, fast.body.variables ?? undefined, built.context).catch(() => undefined);
          if (answer !== undefined) {
            reply.header('content-type', APOLLO_JSON);
            reply.code(200);
            return answer;
          }
        }
      }
      const headers = new HeaderMap();
      for (const name in req.headers) {
        const value = req.headers[name];
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      // Apollo's plugins see this map, not Fastify's request: the id they log faults with is the request's own.
      headers.set(REQUEST_ID_HEADER, req.id);
      const q = req.url.indexOf('?');
      const res = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method, headers, search: q < 0 ? '' : req.url.slice(q), body: req.body },
        context: async () => {
          try {
            if (built && 'context' in built) return built.context;
            if (built) throw built.error;
            return await contexts.build(req, reply);
          } catch (e) {
            // Apollo runs no plugin when the context fails: a fault is logged here, where the request is known.
            reportFault(fastify.log, e, req.id);
            throw toGraphQLError(envelopeOf(e));
          }
        },
      });
      for (const [name, value] of res.headers) reply.header(name, value);
      // The only HTML Apollo answers is the Sandbox page (src/graphql/sandbox.ts).
      if (res.body.kind === 'complete' && res.headers.get('content-type')?.startsWith('text/html')) reply.headers(sandboxPageHeaders(res.body.string));
      reply.code(res.status ?? 200);
      return res.body.kind === 'complete' ? withRequestId(res.body.string, req.id) : reply.send(Readable.from(res.body.asyncIterator));
    },
  });
}
