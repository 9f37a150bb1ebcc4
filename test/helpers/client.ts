import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLResult<T> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  body: Record<string, unknown>;
}

export interface RestResult {
  status: number;
  headers: Headers;
  body: { success: boolean; data?: unknown; error?: { code: string; message: string; [k: string]: unknown } };
}

/** The typed client the tests use: codegen's TypedDocumentNodes (or raw strings for hostile documents) over HTTP. */
export class Client {
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
    readonly authorization = key ? `Bearer ${key}` : undefined,
  ) {}

  withAuthorization(header: string | undefined): Client {
    return new Client(this.baseUrl, this.key, header);
  }

  async gql<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars> | string,
    variables?: TVars,
  ): Promise<GraphQLResult<TData>> {
    const query = typeof document === 'string' ? document : print(document);
    const res = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.authorization ? { authorization: this.authorization } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, headers: res.headers, data: body.data as TData, errors: body.errors as GraphQLResult<TData>['errors'], body };
  }

  async rest(method: string, path: string, body?: unknown): Promise<RestResult> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.authorization ? { authorization: this.authorization } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as RestResult['body'] };
  }
}
