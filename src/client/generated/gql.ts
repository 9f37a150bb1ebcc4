/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment ApiKeyFields on ApiKey {\n  id\n  name\n  prefix\n  permissions\n  status\n  expiresAt\n  revokedAt\n  lastUsedAt\n  createdAt\n  createdBy\n}\n\nquery ApiKeys {\n  apiKeys {\n    ...ApiKeyFields\n  }\n}\n\nmutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    key\n    apiKey {\n      ...ApiKeyFields\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    ...ApiKeyFields\n  }\n}": typeof types.ApiKeyFieldsFragmentDoc,
    "query Me {\n  me {\n    organization {\n      id\n      name\n      createdAt\n    }\n    key {\n      ...ApiKeyFields\n    }\n  }\n}\n\nquery RestMe {\n  me {\n    organization {\n      id\n      name\n    }\n    key {\n      name\n      permissions\n      expiresAt\n    }\n  }\n}": typeof types.MeDocument,
};
const documents: Documents = {
    "fragment ApiKeyFields on ApiKey {\n  id\n  name\n  prefix\n  permissions\n  status\n  expiresAt\n  revokedAt\n  lastUsedAt\n  createdAt\n  createdBy\n}\n\nquery ApiKeys {\n  apiKeys {\n    ...ApiKeyFields\n  }\n}\n\nmutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    key\n    apiKey {\n      ...ApiKeyFields\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    ...ApiKeyFields\n  }\n}": types.ApiKeyFieldsFragmentDoc,
    "query Me {\n  me {\n    organization {\n      id\n      name\n      createdAt\n    }\n    key {\n      ...ApiKeyFields\n    }\n  }\n}\n\nquery RestMe {\n  me {\n    organization {\n      id\n      name\n    }\n    key {\n      name\n      permissions\n      expiresAt\n    }\n  }\n}": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ApiKeyFields on ApiKey {\n  id\n  name\n  prefix\n  permissions\n  status\n  expiresAt\n  revokedAt\n  lastUsedAt\n  createdAt\n  createdBy\n}\n\nquery ApiKeys {\n  apiKeys {\n    ...ApiKeyFields\n  }\n}\n\nmutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    key\n    apiKey {\n      ...ApiKeyFields\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    ...ApiKeyFields\n  }\n}"): (typeof documents)["fragment ApiKeyFields on ApiKey {\n  id\n  name\n  prefix\n  permissions\n  status\n  expiresAt\n  revokedAt\n  lastUsedAt\n  createdAt\n  createdBy\n}\n\nquery ApiKeys {\n  apiKeys {\n    ...ApiKeyFields\n  }\n}\n\nmutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    key\n    apiKey {\n      ...ApiKeyFields\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    ...ApiKeyFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    organization {\n      id\n      name\n      createdAt\n    }\n    key {\n      ...ApiKeyFields\n    }\n  }\n}\n\nquery RestMe {\n  me {\n    organization {\n      id\n      name\n    }\n    key {\n      name\n      permissions\n      expiresAt\n    }\n  }\n}"): (typeof documents)["query Me {\n  me {\n    organization {\n      id\n      name\n      createdAt\n    }\n    key {\n      ...ApiKeyFields\n    }\n  }\n}\n\nquery RestMe {\n  me {\n    organization {\n      id\n      name\n    }\n    key {\n      name\n      permissions\n      expiresAt\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;