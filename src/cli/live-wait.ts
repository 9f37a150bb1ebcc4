import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

/** How long connecting and subscribing may take before the wait falls back to polling. */
const CONNECT_MS = 5000;

/**
 * Waits for a check session to leave RUNNING through the `checkSessionUpdated` subscription (ws(s)://…/graphql).
 * Answers 'done' once it did, 'timeout' at `until`, and 'unavailable' when the subscription cannot be used (a proxy
 * that blocks WebSockets, a server without them, a connection lost midway): the caller then polls. The session
 * itself is read by the caller over REST either way, so what is printed does not depend on the path taken.
 */
export function waitForSession(base: string, key: string, id: string, until: number): Promise<'done' | 'timeout' | 'unavailable'> {
  return new Promise((resolve) => {
    let settled = false;
    let acknowledged = false;
    const client = createClient({
      url: `${base.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true, // connects with the subscription; its errors reach the sink below, not the console
      on: { connected: () => (acknowledged = true) },
    });
    const finish = (how: 'done' | 'timeout' | 'unavailable') => {
      if (settled) return;
      settled = true;
      clearTimeout(connecting);
      clearTimeout(deadline);
      void client.dispose();
      resolve(how);
    };
    const connecting = setTimeout(() => !acknowledged && finish('unavailable'), CONNECT_MS);
    const deadline = setTimeout(() => finish('timeout'), Math.max(0, until - Date.now()));
    client.subscribe<{ checkSessionUpdated: { status: string } }>(
      { query: 'subscription Wait($id: ID!) { checkSessionUpdated(id: $id) { status } }', variables: { id } },
      {
        next: (result) => {
          if (result.data && result.data.checkSessionUpdated.status !== 'RUNNING') finish('done');
        },
        // Any refusal or a lost connection: polling answers (and reports) whatever the REST API says.
        error: () => finish('unavailable'),
        complete: () => finish('done'),
      },
    );
  });
}
