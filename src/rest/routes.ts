import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { FastifyRequest } from 'fastify';
import { badInput } from '../errors';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  RestMeDocument,
  RevokeApiKeyDocument,
} from '../client/generated/graphql';
import { camelKeys } from './case';

/**
 * The REST mirror as data: each route is one GraphQL operation of src/client plus how to build its variables
 * and which part of the result to answer with. It runs through the same schema, context and scope check.
 */
export interface RestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: TypedDocumentNode<any, any>;
  variables?: (req: FastifyRequest) => Record<string, unknown>;
  pick: (data: Record<string, unknown>) => unknown;
  /** Success status; 200 unless set. */
  status?: number;
}

/** A JSON object body, with snake_case keys turned into the GraphQL input's camelCase. */
function bodyObject(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw badInput([{ field: 'body', message: 'must be a JSON object' }]);
  return camelKeys(body) as Record<string, unknown>;
}

const param = (req: FastifyRequest, name: string) => (req.params as Record<string, string>)[name];

export const ROUTES: RestRoute[] = [
  { method: 'GET', url: '/v1/me', document: RestMeDocument, pick: (d) => d.me },
  { method: 'GET', url: '/v1/api-keys', document: ApiKeysDocument, pick: (d) => d.apiKeys },
  {
    method: 'POST',
    url: '/v1/api-keys',
    document: CreateApiKeyDocument,
    variables: (req) => ({ input: bodyObject(req) }),
    pick: (d) => d.createApiKey,
    status: 201,
  },
  {
    method: 'DELETE',
    url: '/v1/api-keys/:id',
    document: RevokeApiKeyDocument,
    variables: (req) => ({ id: param(req, 'id') }),
    pick: (d) => d.revokeApiKey,
  },
];
