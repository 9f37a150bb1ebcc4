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

  /** What a person should read: a 403 names the scope the role lacks. */
  get display(): string {
    if (this.code === 'FORBIDDEN' && this.missingScopes.length) return `Your role lacks ${this.missingScopes.join(', ')}`;
    return this.message;
  }
}

/** The request never got an answer. */
const unreachable = () => new ApiError('The API cannot be reached', 0, 'NETWORK_ERROR');

/**
 * Told of every answer that ends the dashboard's use of the session, whoever made the call (a page, a dialog):
 * a 401 (back to sign-in) or MFA_SETUP_REQUIRED (to the two-factor setup). The App sets it.
 */
let onRefusal: (e: ApiError) => void = () => {};
export const setRefusalHandler = (fn: (e: ApiError) => void) => {
  onRefusal = fn;
};
const refused = (e: ApiError): ApiError => {
  if (e.status === 401 || e.code === 'MFA_SETUP_REQUIRED') onRefusal(e);
  return e;
};

const printed = new WeakMap<object, string>();

/**
 * The dashboard's way to the GraphQL API: a codegen-generated typed document, sent to /graphql with the session
 * cookie (same origin; the browser adds the Origin header the server's CSRF check reads). No API key is ever sent.
 * No hand-written query strings live outside src/client.
 */
export async function gql<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables?: TVars, opts: { quiet?: boolean } = {}): Promise<TData> {
  let query = printed.get(document);
  if (!query) printed.set(document, (query = print(document)));
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw unreachable();
  }
  const body = (await res.json().catch(() => ({}))) as {
    data?: TData;
    errors?: { message: string; extensions?: { code?: string; missingScopes?: string[]; fields?: { field: string; message: string }[]; field?: string } }[];
  };
  const first = body.errors?.[0];
  if (first) {
    const ext = first.extensions ?? {};
    const e = new ApiError(first.message, res.status, ext.code ?? 'ERROR', ext.missingScopes ?? [], ext.fields ?? [], ext.field);
    throw opts.quiet ? e : refused(e); // quiet: the caller handles a 401 itself (the first `me` of a page load)
  }
  return body.data as TData;
}

/**
 * The people endpoints under /auth (sign-in, sign-out, two-factor), in the REST envelope: `data` of a success
 * (undefined for a 204, null for a 202 such as forgot-password's), an ApiError with the envelope's code otherwise.
 */
export async function auth<T = unknown>(path: string, body: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
  } catch {
    throw unreachable();
  }
  if (res.status === 204) return undefined as T;
  const answer = (await res.json().catch(() => ({}))) as { data?: T; error?: { code?: string; message?: string; fields?: { field: string; message: string }[] } };
  if (!res.ok || answer.data === undefined) {
    const e = answer.error ?? {};
    throw new ApiError(e.message ?? `The API answered ${res.status}`, res.status, e.code ?? 'ERROR', [], e.fields ?? []);
  }
  return answer.data;
}
