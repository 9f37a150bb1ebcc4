import { useEffect, useRef, useState } from 'react';
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql/language/printer';

/**
 * The dashboard's live updates: one graphql-ws connection to this origin's /graphql (the `graphql-transport-ws`
 * subprotocol), authenticated by the session cookie the browser sends with the upgrade (same origin; no key, no
 * connection_init payload). Pages subscribe through `useLive`; the connection opens with the first subscription and
 * closes a second after the last one ends.
 *
 * Pages do not patch what they show from the events: an event (or a reconnect, after which events may have been
 * missed) makes the page read its data again, at most one read in flight and one waiting. What is shown is therefore
 * always what a reload would show, however many events were missed while the socket was down.
 *
 * A dropped connection is retried forever with randomised exponential back-off (1 s doubling to 30 s); a close that
 * says the session ended (4401, 4403) is not retried: `onSessionEnded` (set by the App) reads `me`, whose 401 takes
 * the page back to sign-in.
 */

export type LiveState = 'off' | 'connecting' | 'live' | 'reconnecting';

let client: Client | null = null;
let state: LiveState = 'off';
let everConnected = false;
const stateListeners = new Set<(s: LiveState) => void>();
const reconnectListeners = new Set<() => void>();
let onSessionEnded: () => void = () => {};

/** The App's reaction to a close that says the session ended. */
export const setSessionEndedHandler = (fn: () => void) => {
  onSessionEnded = fn;
};

const setState = (next: LiveState) => {
  if (next === state) return;
  state = next;
  for (const fn of stateListeners) fn(next);
};

/** Close codes of the API's live server that mean "this credential no longer works" (docs/how-to/live-updates.md). */
const SESSION_ENDED = new Set([4401, 4403]);
const closeCode = (e: unknown): number | undefined =>
  typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'number' ? (e as { code: number }).code : undefined;

function connection(): Client {
  if (client) return client;
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
  client = createClient({
    url,
    lazy: true,
    lazyCloseTimeout: 1_000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    // every close and network failure is retried, except the session's end
    shouldRetry: (e) => !SESSION_ENDED.has(closeCode(e) ?? 0),
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1_000 * 2 ** retries) * (0.5 + Math.random() / 2))),
    on: {
      connecting: () => setState(everConnected ? 'reconnecting' : 'connecting'),
      connected: () => {
        const again = everConnected;
        everConnected = true;
        setState('live');
        // events may have been missed while the socket was down: every page reads its data again
        if (again) for (const fn of reconnectListeners) fn();
      },
      closed: (e) => {
        const code = closeCode(e);
        if (code !== undefined && SESSION_ENDED.has(code)) {
          setState('off');
          everConnected = false;
          onSessionEnded();
        } else if (code === 1000) {
          setState('off'); // the lazy close after the last subscription ended
          everConnected = false;
        } else setState('reconnecting');
      },
    },
  });
  return client;
}

/** The connection's state, for the "live" indicator. */
export function useLiveState(): LiveState {
  const [s, set] = useState(state);
  useEffect(() => {
    stateListeners.add(set);
    set(state);
    return () => void stateListeners.delete(set);
  }, []);
  return s;
}

const printed = new WeakMap<object, string>();

/**
 * Subscribes to `document` while the component is mounted (and `enabled`), calling `refresh` after each event and
 * after a reconnect, coalesced: one call in flight and at most one more waiting. A subscription the API refuses
 * (a role without the read scope) just stays silent: the page still works without live updates.
 */
export function useLive<TData, TVars>(document: TypedDocumentNode<TData, TVars>, variables: TVars | undefined, refresh: () => Promise<unknown> | void, enabled = true) {
  const latest = useRef(refresh);
  latest.current = refresh;
  const key = JSON.stringify(variables ?? null);
  useEffect(() => {
    if (!enabled) return;
    let running = false;
    let again = false;
    let stopped = false;
    const kick = () => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      void Promise.resolve()
        .then(() => latest.current())
        .catch(() => undefined)
        .finally(() => {
          running = false;
          if (again) {
            again = false;
            kick();
          }
        });
    };
    let query = printed.get(document);
    if (!query) printed.set(document, (query = print(document)));
    const stop = connection().subscribe({ query, variables: JSON.parse(key) as Record<string, unknown> | null }, { next: kick, error: () => undefined, complete: () => undefined });
    reconnectListeners.add(kick);
    return () => {
      stopped = true;
      reconnectListeners.delete(kick);
      stop();
    };
  }, [document, key, enabled]);
}
