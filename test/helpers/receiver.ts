import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The status this request was answered with. */
  answered: number;
}

/** How to answer one request: a status (and headers), or `hold` to keep it open until the test lets go. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hold';

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides each answer; default 200. `n` counts requests with this webhook-id (or to this path) so far, from 1. */
  answer: (req: Received, n: number) => Answer;
  /** Requests held open ('hold'), every one so far (a held request the sender gave up on stays listed). */
  held: http.ServerResponse[];
  /** The most requests held open at the same time: a sender's concurrency, whatever it retried after timeouts. */
  maxHeldAtOnce: number;
  /** Resolves when `count` requests matching `pred` were received. */
  waitFor(pred: (r: Received) => boolean, count?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1, as a notification's endpoint. */
export async function startReceiver(): Promise<Receiver> {
  const waiters: Array<() => void> = [];
  const r: Receiver = {
    url: '',
    received: [],
    held: [],
    maxHeldAtOnce: 0,
    answer: () => ({ status: 200 }),
    waitFor: (pred, count = 1) =>
      new Promise((resolve) => {
        const attempt = () => {
          const hits = r.received.filter(pred);
          if (hits.length >= count) resolve(hits);
          else waiters.push(attempt);
        };
        attempt();
      }),
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
  let heldNow = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const rec: Received = { path: (req.url ?? '/').split('?')[0], headers: req.headers, body, answered: 0 };
      const key = (req.headers['webhook-id'] as string | undefined) ?? rec.path;
      const n = r.received.filter((x) => ((x.headers['webhook-id'] as string | undefined) ?? x.path) === key).length + 1;
      const answer = r.answer(rec, n);
      if (answer === 'hold') {
        r.held.push(res);
        r.maxHeldAtOnce = Math.max(r.maxHeldAtOnce, ++heldNow);
        res.on('close', () => heldNow--);
      } else {
        rec.answered = answer.status;
        res.writeHead(answer.status, answer.headers).end('ok');
      }
      r.received.push(rec);
      // Each waiter looks again; one still unsatisfied registers itself anew.
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

/** Verifies a received webhook with the standardwebhooks package, as a receiver would: the parsed body, or it throws. */
export function verify(secret: string, rec: Received): { type: string; timestamp: string; data: Record<string, unknown> } {
  return new Webhook(secret).verify(rec.body, {
    'webhook-id': String(rec.headers['webhook-id']),
    'webhook-timestamp': String(rec.headers['webhook-timestamp']),
    'webhook-signature': String(rec.headers['webhook-signature']),
  }) as never;
}

/** Polls until `fn` answers something truthy (the test's own timeout bounds it). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, stepMs = 50): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
