import type { ApolloServer } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import { AppError } from '../errors';
import { toGraphQLError } from '../graphql/errors';
import type { ContextBuilder } from '../modules/auth/context';
import type { RequestContext } from '../context/request-context';

/** `/graphql` (GET, POST, OPTIONS) through Apollo, with the one context builder authenticating each request. */
export function registerGraphQLRoute(fastify: FastifyInstance, apollo: ApolloServer<RequestContext>, contexts: ContextBuilder<RequestContext>): void {
  fastify.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: fastifyApolloHandler(apollo, {
      context: async (req, reply) => {
        try {
          return await contexts.build(req, reply);
        } catch (e) {
          throw e instanceof AppError ? toGraphQLError(e) : e;
        }
      },
    }),
  });
}
