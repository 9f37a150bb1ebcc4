import WebSocket from 'ws';
import { print } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** What a subscription received: each `next` payload, an `error` message's errors, whether it completed. */
export interface Received<T> {
  results: Array<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  errors: Array<{ message: string; extensions?: Record<string, unknown> }> | undefined;
  completed: boolean;
  /** Resolves with the `n`th result (1-based) once it arrived. */
  nth(n: number, timeoutMs?: number): Promise<{ data?: T; errors?: unknown[] }>;
  /** Resolves once the subscription ended (complete, error or the socket closed). */
  ended(timeoutMs?: number): Promise<void>;
  stop(): void;
}

/**
 * A plain graphql-ws client on the app's real port (ws://…/graphql), with no retries: each close is seen as it
 * came. `closes` records every close code in order.
 */
export function liveClient(baseUrl: string, opts: { authorization?: string; headers?: Record<string, string>; params?: Record<string, unknown> } = {}) {
  const closes: number[] = [];
  let acknowledged = 0;
  let onClose: (() => void) | undefined;
  const client: WsClient = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers: opts.headers });
      }
    },
    connectionParams: opts.params ?? (opts.authorization ? { authorization: opts.authorization } : {}),
    retryAttempts: 0,
    lazy: true,
    lazyCloseTimeout: 0,
    on: {
      connected: () => void acknowledged++,
      closed: (event) => {
        closes.push((event as { code: number }).code);
        onClose?.();
      },
    },
  });
  /** Resolves with the next close code (or the last one, if it already closed). */
  const closed = (timeoutMs = 5000) =>
    new Promise<number>((resolve, reject) => {
      const before = closes.length;
      if (before) return resolve(closes[before - 1]);
      const t = setTimeout(() => reject(new Error('the socket did not close')), timeoutMs);
      onClose = () => {
        clearTimeout(t);
        resolve(closes[closes.length - 1]);
      };
    });

  function subscribe<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V): Received<T> {
    const received: Received<T> = {
      results: [],
      errors: undefined,
      completed: false,
      nth: (n, timeoutMs = 10_000) => waitFor(() => received.results[n - 1], timeoutMs, `result ${n}`),
      ended: (timeoutMs = 10_000) => waitFor(() => (done ? true : undefined), timeoutMs, 'the end').then(() => {}),
      stop: () => unsubscribe(),
    };
    let done = false;
    const unsubscribe = client.subscribe<T>(
      { query: typeof document === 'string' ? document : print(document), variables: variables as Record<string, unknown> | undefined },
      {
        next: (value) => void received.results.push(value as never),
        error: (err) => {
          done = true;
          received.errors = Array.isArray(err) ? (err as never) : [{ message: String((err as { code?: number }).code ?? err) }];
        },
        complete: () => {
          done = true;
          received.completed = true;
        },
      },
    );
    return received;
  }

  /** Resolves once the server acknowledged connection_init (the connection is authenticated and listed). */
  const connected = (timeoutMs = 10_000) => waitFor(() => (acknowledged ? true : undefined), timeoutMs, 'connection_ack').then(() => {});
  return { client, closes, closed, connected, subscribe, dispose: () => client.dispose() };
}

async function waitFor<T>(get: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
