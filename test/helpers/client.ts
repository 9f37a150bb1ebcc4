import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLResult<T> {
  status: number;
  headers: Headers;
  /** The response's X-Request-Id; every error of the answer named it (checked, then taken out of `errors`). */
  requestId: string | null;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  body: Record<string, unknown>;
}

export interface RestResult {
  status: number;
  headers: Headers;
  /** The response's X-Request-Id; an error body named it as `request_id` (checked, then taken out of `error`). */
  requestId: string | null;
  body: { success: boolean; data?: unknown; error?: { code: string; message: string; [k: string]: unknown } };
}

/** The typed client the tests use: codegen's TypedDocumentNodes (or raw strings for hostile documents) over HTTP. */
export class Client {
  constructor(
    readonly baseUrl: string,
    readonly key?: string,
    readonly authorization = key ? `Bearer ${key}` : undefined,
    /** More headers on every request (a session's Cookie and Origin). */
    readonly extra: Record<string, string> = {},
  ) {}

  withAuthorization(header: string | undefined): Client {
    return new Client(this.baseUrl, this.key, header, this.extra);
  }

  /** The same client sending `headers` too (merged over its own; undefined values dropped). */
  withHeaders(headers: Record<string, string | undefined>): Client {
    const merged: Record<string, string> = { ...this.extra };
    for (const [k, v] of Object.entries(headers)) if (v === undefined) delete merged[k];
    else merged[k] = v;
    return new Client(this.baseUrl, this.key, this.authorization, merged);
  }

  async gql<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVars> | string,
    variables?: TVars,
  ): Promise<GraphQLResult<TData>> {
    const query = typeof document === 'string' ? document : print(document);
    const res = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.extra, ...(this.authorization ? { authorization: this.authorization } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    const requestId = res.headers.get('x-request-id');
    const errors = body.errors as GraphQLResult<TData>['errors'];
    for (const error of errors ?? []) delete takeRequestId(error.extensions ?? {}, 'requestId', requestId).requestId;
    return { status: res.status, headers: res.headers, requestId, data: body.data as TData, errors, body };
  }

  async rest(method: string, path: string, body?: unknown): Promise<RestResult> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...this.extra,
        ...(this.authorization ? { authorization: this.authorization } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const requestId = res.headers.get('x-request-id');
    const answer = (await res.json()) as RestResult['body'];
    if (answer.error) delete takeRequestId(answer.error, 'request_id', requestId).request_id;
    return { status: res.status, headers: res.headers, requestId, body: answer };
  }
}

/**
 * Every error body names its request, with the id of the response's X-Request-Id header: checked here for every
 * error any test meets, then left out so that tests comparing whole bodies compare what is theirs to compare.
 */
function takeRequestId<T extends Record<string, unknown>>(where: T, key: string, header: string | null): T {
  if (!header || where[key] !== header) throw new Error(`error body's ${key} ${JSON.stringify(where[key])} is not the response's X-Request-Id ${JSON.stringify(header)}`);
  return where;
}
