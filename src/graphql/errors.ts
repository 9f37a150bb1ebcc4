import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, ERROR_STATUS, MESSAGES, type ErrorCode } from '../errors';
import { describeFault, isDatabaseDown } from '../db/faults';

/** An AppError as the GraphQLError Apollo expects from context functions and plugins (keeps message and status). */
export function toGraphQLError(e: AppError): GraphQLError {
  return new GraphQLError(e.message, { extensions: e.extensions, originalError: e });
}

/** Errors Apollo and graphql-js raise for a bad request: their messages are safe to show. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * The one place a GraphQL error becomes a response: AppErrors keep their code, message and details; request
 * errors keep Apollo's; anything else is logged and masked. Never a stack trace.
 */
export function makeFormatError(log: FastifyBaseLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapError(error);
    const base = { message: formatted.message, locations: formatted.locations, path: formatted.path };
    if (original instanceof AppError) {
      return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) return { ...base, extensions: { code } };
    if (isDatabaseDown(original)) {
      log.error({ err: describeFault(original) }, 'database unavailable');
      return { ...base, message: MESSAGES.SERVICE_UNAVAILABLE, extensions: { code: 'SERVICE_UNAVAILABLE' } };
    }
    log.error({ err: describeFault(original) }, 'unexpected error');
    return { ...base, message: MESSAGES.INTERNAL_SERVER_ERROR, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** The error a resolver, the context builder or a plugin threw, under graphql-js's and Apollo's wrapping. */
export function unwrapError(error: unknown): unknown {
  let cur = error;
  for (let i = 0; i < 5 && cur instanceof GraphQLError && cur.originalError; i++) cur = cur.originalError;
  return cur;
}

/**
 * Sets the HTTP status from the error codes when no error set one itself (database down → 503, a bug → 500),
 * so clients and load balancers see a failure as a failure.
 */
const statusListener = {
  async didEncounterErrors({ response, errors }: { response: { http: { status?: number } }; errors: readonly GraphQLError[] }) {
    if (response.http.status) return;
    const original = unwrapError(errors[0]);
    if (original instanceof AppError) return;
    const code = isDatabaseDown(original) ? 'SERVICE_UNAVAILABLE' : CLIENT_CODES.has(String(errors[0].extensions?.code)) ? undefined : 'INTERNAL_SERVER_ERROR';
    if (code) response.http.status = ERROR_STATUS[code as ErrorCode];
  },
};
export const errorStatusPlugin: ApolloServerPlugin = { requestDidStart: async () => statusListener };
