// The GraphQL renderer of the envelope: `errors[].extensions` carries the code, the details and the request's id.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GraphQLRequestListener } from '@apollo/server';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, REQUEST_ID_HEADER, type ErrorEnvelope } from './index';
import { envelopeOf, reportFault } from './envelope';

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
 * The envelope of an error graphql-js or Apollo reports (with the form Apollo gave it): the AppError a resolver,
 * the context builder or a plugin threw; a request Apollo refused (its code and message are the client's to
 * see, status 400); or a fault, masked. The REST mirror asks the same question of its compiled operations.
 */
export function envelopeOfGraphQLError(error: unknown, formatted: GraphQLFormattedError): ErrorEnvelope {
  const original = unwrapError(error);
  const code = formatted.extensions?.code;
  if (!(original instanceof AppError) && isClientCode(code)) return { code, message: formatted.message, details: {}, status: 400, headers: {} };
  return envelopeOf(original);
}

const isClientCode = (code: unknown): code is string => typeof code === 'string' && CLIENT_CODES.has(code);

export const graphqlExtensions = (e: ErrorEnvelope, requestId?: string): Record<string, unknown> => ({
  code: e.code,
  ...e.details,
  ...(requestId === undefined ? {} : { requestId }),
});

/** A whole GraphQL answer of one error, for a request that never reached Apollo (a body Fastify refused). */
export const graphqlErrorBody = (e: ErrorEnvelope, requestId: string) => ({ errors: [{ message: e.message, extensions: graphqlExtensions(e, requestId) }] });

/**
 * Apollo's `formatError`: the one place a GraphQL error becomes a response. It runs without the request, so the
 * request's id is added to the serialised answer by the route (`withRequestId`), and faults are logged by the
 * plugin below, which knows the request.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const e = envelopeOfGraphQLError(error, formatted);
  return { message: e.message, locations: formatted.locations, path: formatted.path, extensions: graphqlExtensions(e) };
}

/**
 * Adds the request's id to every error of a serialised answer. Apollo writes `errors` first (runHttpQuery orders
 * the result's fields so; its error responses have no other field), so an answer that does not start with it has
 * no error, and a success costs one comparison. An answer with errors is rare and small enough to parse again.
 */
export function withRequestId(body: string, requestId: string): string {
  if (!body.startsWith('{"errors":')) return body;
  const answer = JSON.parse(body) as { errors?: Array<{ extensions?: Record<string, unknown> }> };
  for (const error of answer.errors ?? []) error.extensions = { ...error.extensions, requestId };
  return `${JSON.stringify(answer)}\n`;
}

/** The error a resolver, the context builder or a plugin threw, under graphql-js's and Apollo's wrapping. */
export function unwrapError(error: unknown): unknown {
  let cur = error;
  for (let i = 0; i < 5 && cur instanceof GraphQLError && cur.originalError; i++) cur = cur.originalError;
  return cur;
}

/**
 * Logs every fault of an operation with the request's id, and sets the HTTP status from the error codes when no
 * error set one itself (database down → 503, a bug → 500), so clients and load balancers see a failure as a failure.
 */
export function graphqlErrorHooks(log: FastifyBaseLogger): Pick<GraphQLRequestListener<object>, 'didEncounterErrors'> {
  return {
    async didEncounterErrors({ response, errors, request }) {
      const requestId = request.http?.headers.get(REQUEST_ID_HEADER);
      for (const error of errors) if (!isClientCode(error.extensions?.code)) reportFault(log, unwrapError(error), requestId);
      if (response.http.status) return;
      const original = unwrapError(errors[0]);
      if (original instanceof AppError || isClientCode(errors[0].extensions?.code)) return;
      response.http.status = envelopeOf(original).status;
    },
  };
}
