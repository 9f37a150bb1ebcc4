import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Kind, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../config';
import type { AppSchema } from '../graphql/schema';
import { documentLimits } from '../graphql/apollo';
import { compileOperation, interpretOperation, type CompiledOperation } from '../graphql/executor';
import { jsonSizeUpTo, responseTooLarge } from '../graphql/response-size';
import { operationRequirements } from '../authorization/operation-scopes';
import { refusal } from '../authorization/scope-guard';
import { AppError, ERROR_STATUS } from '../errors';
import { reportFault } from '../errors/envelope';
import { envelopeOfGraphQLError, unwrapError } from '../errors/graphql';
import { sendRestError } from '../errors/rest';
import type { ContextBuilder } from '../modules/auth/context';
import type { RequestContext } from '../context/request-context';
import { ROUTES } from './routes';
import { snakeKeys } from '../key-case';

export interface RestDeps {
  schema: AppSchema;
  config: Config;
  log: FastifyBaseLogger;
}

/**
 * Registers every route of the table: authenticate, check the operation's scopes and limits, run it, answer in
 * the envelope. Each route's operation is validated, walked for its requirements here and compiled once, on first use: a request
 * pays for no parsing, printing, hashing or plugin pipeline, only for the same scope check Apollo's plugin makes
 * (`refusal`), the execution, and the same error formatting.
 */
export function registerRestRoutes(app: FastifyInstance, { schema: { schema, index }, config, log }: RestDeps, contexts: ContextBuilder<RequestContext>) {
  const limits = documentLimits(config);
  for (const route of ROUTES) {
    const document = route.document as DocumentNode;
    const invalid = validate(schema, document);
    if (invalid.length) throw new Error(`REST route ${route.method} ${route.url}: ${invalid[0].message}`);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    const needs = operationRequirements(schema, index, document, operation);
    // Compiled on the route's first request, not at start: most processes answer a handful of the routes, and
    // each compiled operation is generated source and machine code held for the process's life (~2 MB for all).
    let compiled: CompiledOperation | undefined;
    const run: CompiledOperation = (context, variables) =>
      (compiled ??= (config.GRAPHQL_JIT ? compileOperation : interpretOperation)(schema, document, operation))(context, variables);
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
          if (e instanceof AppError) return sendRestError(reply, e);
          throw e;
        }
        const refused = refusal(contextValue.principal, needs, limits, variables);
        if (refused) return sendRestError(reply, refused);
        const { data, errors } = await run(contextValue, variables);
        if (errors?.length) {
          const error = errors[0];
          const original = unwrapError(error);
          if (original instanceof AppError) return sendRestError(reply, original);
          // No data at all: the variables did not coerce, the client's mistake (Apollo answers it as BAD_USER_INPUT).
          if (data === undefined && error.extensions?.code === undefined) return sendRestError(reply, new AppError('BAD_USER_INPUT', error.message));
          const e = envelopeOfGraphQLError(error, error.toJSON());
          if (e.status >= 500) reportFault(log, original, req.id);
          // REST has no GraphQL request codes (GRAPHQL_VALIDATION_FAILED, …): a request GraphQL refused is the client's input.
          return sendRestError(reply, e.code in ERROR_STATUS ? e : { ...e, code: 'BAD_USER_INPUT', status: 400 });
        }
        const answer = snakeKeys(route.pick(data as Record<string, unknown>));
        const size = jsonSizeUpTo(answer, config.MAX_RESPONSE_BYTES);
        if (size > config.MAX_RESPONSE_BYTES) return sendRestError(reply, responseTooLarge(config.MAX_RESPONSE_BYTES, size));
        return reply.code(route.status ?? 200).send({ success: true, data: answer });
      },
    });
  }
}
