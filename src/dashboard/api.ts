import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql/language/printer';

/** An error answered by the API, in its own words and code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly missingScopes: string[] = [],
    readonly fields: { field: string; message: string }[] = [],
    readonly field?: string,
  ) {
    super(message);
  }

  /** What a person should read: a 403 names the scope the key lacks. */
  get display(): string {
    if (this.code === 'FORBIDDEN' && this.missingScopes.length) return `This key lacks ${this.missingScopes.join(', ')}`;
    return this.message;
  }
}

const printed = new WeakMap<object, string>();

/**
 * The dashboard's only way to the API: a codegen-generated typed document, sent to /graphql with the key.
 * No hand-written query strings live outside src/client.
 */
export async function gql<TData, TVars>(key: string, document: TypedDocumentNode<TData, TVars>, variables?: TVars): Promise<TData> {
  let query = printed.get(document);
  if (!query) printed.set(document, (query = print(document)));
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The API cannot be reached', 0, 'NETWORK_ERROR');
  }
  const body = (await res.json().catch(() => ({}))) as {
    data?: TData;
    errors?: { message: string; extensions?: { code?: string; missingScopes?: string[]; fields?: { field: string; message: string }[]; field?: string } }[];
  };
  const first = body.errors?.[0];
  if (first) {
    const ext = first.extensions ?? {};
    throw new ApiError(first.message, res.status, ext.code ?? 'ERROR', ext.missingScopes ?? [], ext.fields ?? [], ext.field);
  }
  return body.data as TData;
}
