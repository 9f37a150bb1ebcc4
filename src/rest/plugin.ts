import type { ApolloServer } from '@apollo/server';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { print, type GraphQLFormattedError } from 'graphql';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors';
import type { ContextBuilder } from '../modules/auth/context';
import type { RequestContext } from '../context/request-context';
import { ROUTES } from './routes';
import { snakeKeys, snakeName } from './case';

/** The reference's envelope for errors: `{ success: false, error: { code, message, ...details } }`. */
export function sendRestError(reply: FastifyReply, code: string, message: string, details: Record<string, unknown> = {}, status?: number) {
  const fields = Array.isArray(details.fields)
    ? (details.fields as { field: string; message: string }[]).map((f) => ({ ...f, field: snakeName(f.field) }))
    : undefined;
  const rest = { ...details, ...(fields ? { fields } : {}), ...('field' in details ? { field: snakeName(String(details.field)) } : {}) };
  return reply
    .code(status ?? ERROR_STATUS[code as ErrorCode] ?? 400)
    .send({ success: false, error: { code, message, ...(snakeKeys(rest) as object) } });
}

export function sendAppError(reply: FastifyReply, e: AppError) {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return sendRestError(reply, e.code, e.message, e.details);
}

/** Registers every route of the table: authenticate, run its operation through Apollo, answer in the envelope. */
export function registerRestRoutes(app: FastifyInstance, apollo: ApolloServer<RequestContext>, contexts: ContextBuilder<RequestContext>) {
  for (const route of ROUTES) {
    // Printed once: handed a DocumentNode, executeOperation prints it again on every request (~90 µs of CPU on
    // /v1/me, measured); as a string it goes straight to Apollo's parsed-and-validated document cache.
    const query = print(route.document);
    app.route({
      method: route.method,
      url: route.url,
      handler: async (req, reply) => {
        let contextValue: RequestContext;
        let variables: Record<string, unknown> | undefined;
        try {
          contextValue = await contexts.build(req, reply);
          variables = route.variables?.(req);
        } catch (e) {
          if (e instanceof AppError) return sendAppError(reply, e);
          throw e;
        }
        const res = await apollo.executeOperation({ query, variables }, { contextValue });
        for (const [k, v] of res.http.headers) reply.header(k, v);
        if (res.body.kind !== 'single') return sendRestError(reply, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        const { data, errors } = res.body.singleResult;
        if (errors?.length) return sendGraphQLError(reply, errors[0]);
        return reply.code(route.status ?? 200).send({ success: true, data: snakeKeys(route.pick(data as Record<string, unknown>)) });
      },
    });
  }
}

function sendGraphQLError(reply: FastifyReply, error: GraphQLFormattedError) {
  const { code, ...details } = (error.extensions ?? {}) as { code?: string } & Record<string, unknown>;
  const known = code && code in ERROR_STATUS;
  // Errors Apollo raises itself (a variable of the wrong type, say) are the client's: 400 BAD_USER_INPUT.
  return sendRestError(reply, known ? code : 'BAD_USER_INPUT', error.message, details, known ? undefined : 400);
}
