import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { RequestContext } from '../context/request-context';
import type { AppSchema } from './schema';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { formatGraphQLError, graphqlErrorHooks } from '../errors/graphql';
import { scopeCheckHooks, type DocumentLimits } from '../authorization/scope-guard';
import { documentGuard } from './document-guard';
import { jitGateway } from './executor';
import { responseSizeHooks } from './response-size';
import type { KnownQueries } from './known-queries';
import { SANDBOX_VERSION } from './sandbox';

/**
 * The Apollo Server of /graphql and the REST mirror: the schema, its guards (document size, scopes and limits,
 * before execution), error formatting and status, and the Sandbox landing page. Not started.
 */
export function createApollo(config: Config, log: FastifyBaseLogger, { schema, index }: AppSchema, known?: KnownQueries): ApolloServer<RequestContext> {
  // Runs inside Apollo's pipeline, so after the context builder (an anonymous caller learns nothing). A document's
  // cost is at least its expanded size, so the guard never refuses what the cost limit would accept; 500,000 is
  // what it was with the former default cost limit (ten times 50,000), kept as the floor.
  const documents = documentGuard(Math.max(config.GRAPHQL_MAX_COST, 500_000));
  return new ApolloServer<RequestContext>({
    // graphql-jit behind Apollo's gateway hook: Apollo keeps parsing, validating and running every plugin before
    // execution (document guard, scope check, limits); only the execution of the validated operation is compiled.
    ...(config.GRAPHQL_JIT ? { gateway: jitGateway(schema, known?.compiled) } : { schema }),
    formatError: formatGraphQLError,
    includeStacktraceInErrorResponses: false,
    introspection: true, // still behind a valid key: the context builder runs first
    allowBatchedHttpRequests: false,
    validationRules: [documents.refusalRule],
    logger: log,
    // server.ts owns SIGINT/SIGTERM: close() stops Fastify (in-flight requests finish), then Apollo, then the rest.
    // Apollo's own handler would race it and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      // The document guard (parsing), the scope check and limits (operation resolved), fault logging and status
      // (errors), the answer's size cap (before sending): one plugin whose one listener serves every request.
      oneListener<RequestContext>(
        documents.hooks,
        scopeCheckHooks(index, documentLimits(config)),
        graphqlErrorHooks(log),
        responseSizeHooks(config.MAX_RESPONSE_BYTES),
        // Learns the query texts `/graphql` may answer without the pipeline (ADR 0076): only after all of the above.
        known?.hooks ?? {},
      ),
      // Responses are per key and never cacheable: the cache-control plugin's per-field hook would be pure cost.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      // SANDBOX=false: no page; a browser's GET is an ordinary GraphQL GET without a query (400).
      config.SANDBOX
        ? ApolloServerPluginLandingPageLocalDefault({
            version: SANDBOX_VERSION,
            embed: { runTelemetry: false, initialState: { sharedHeaders: { Authorization: 'Bearer izli_sk_live_…' } } },
            document: 'query Me {\n  me {\n    organization { id name }\n    key { name permissions expiresAt }\n  }\n}\n',
            includeCookies: false,
            footer: false,
          })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
}

export const documentLimits = (config: Config): DocumentLimits => ({
  depth: config.GRAPHQL_MAX_DEPTH,
  aliases: config.GRAPHQL_MAX_ALIASES,
  rootFields: config.GRAPHQL_MAX_ROOT_FIELDS,
  cost: config.GRAPHQL_MAX_COST,
});

/**
 * Hooks of several concerns as one plugin with one listener object, made once: Apollo calls every plugin's
 * `requestDidStart` on every request and awaits each stage over every listener, so four plugins cost four async
 * calls and four listeners per stage for what one does. Each stage belongs to one concern (two defining the same
 * hook would need an order, and are refused).
 */
export function oneListener<C extends object>(...parts: Partial<GraphQLRequestListener<C>>[]): ApolloServerPlugin<C> {
  const listener: GraphQLRequestListener<C> = {};
  for (const part of parts)
    for (const [hook, fn] of Object.entries(part) as [keyof GraphQLRequestListener<C>, never][]) {
      if (listener[hook]) throw new Error(`Two request hooks for ${hook}: combine them in order explicitly`);
      listener[hook] = fn;
    }
  return { requestDidStart: async () => listener };
}
