/**
 * The generic queue consumer (src/modules/queue/consumer.ts) on a real pg-boss over the test database: it takes
 * only as many jobs as it has room for, backs off when idle, and on stop hands back what still runs at the deadline.
 */
import type PgBoss from 'pg-boss';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openQueue } from '../../src/modules/engine/queue';
import { QueueConsumer } from '../../src/modules/queue/consumer';
import { ensureNamedQueue } from '../../src/modules/queue/pg-boss-db';
import { openTestDatabase, type TestDatabase } from '../helpers/database';

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

let db: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  db = await openTestDatabase();
  boss = await openQueue(db, log, { maintenanceSeconds: 3600, timeoutMs: 5000 });
});
afterAll(async () => {
  await boss?.stop({ graceful: false, close: true, wait: true, timeout: 1000 }).catch(() => {});
  await db?.close();
});

/** Runs each job until the test lets it finish (`finish`), or for ever. */
class HeldConsumer extends QueueConsumer<{ n: number }> {
  readonly started: number[] = [];
  private readonly releases: (() => void)[] = [];
  polls = 0;

  protected fetch(room: number): Promise<PgBoss.Job<{ n: number }>[]> {
    this.polls++;
    return this.boss.fetch<{ n: number }>(this.opts.queue, { batchSize: room });
  }

  protected take(jobs: PgBoss.Job<{ n: number }>[]): void {
    for (const job of jobs)
      this.track(job.id, async () => {
        this.started.push(job.data.n);
        await new Promise<void>((r) => this.releases.push(r));
        await this.boss.complete(this.opts.queue, job.id);
        this.completed++;
      });
  }

  finishOne(): void {
    this.releases.shift()?.();
  }
}

const states = async (queue: string) =>
  (await db.orm.em.fork().getConnection().execute<{ n: number; state: string }[]>(`select (data->>'n')::int as n, state from pgboss.job where name = ? order by 1`, [queue])).map((r) => `${r.n}:${r.state}`);

const until = async (what: () => boolean | Promise<boolean>, ms = 10_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await what()) return;
  throw new Error('timed out');
};

describe('the queue consumer', () => {
  it('takes only as many jobs as it has room for, and the next when one finishes', async () => {
    const queue = await ensureNamedQueue(boss, 'consumer-room', new Set());
    for (const n of [1, 2, 3, 4]) await boss.send(queue, { n });
    const consumer = new HeldConsumer(boss, log, { queue, concurrency: 2, pollMs: 20, maxIdleMs: 20 });
    consumer.start();
    await until(() => consumer.started.length === 2);
    await new Promise((r) => setTimeout(r, 200)); // several polls' time: still two, none fetched to wait here
    expect(consumer.started).toHaveLength(2);
    expect((await states(queue)).filter((s) => s.endsWith(':active'))).toHaveLength(2);
    consumer.finishOne();
    await until(() => consumer.started.length === 3);
    expect(consumer.completed).toBe(1);
    for (let i = 0; i < 3; i++) consumer.finishOne();
    await until(() => consumer.started.length === 4);
    consumer.finishOne();
    await until(() => consumer.completed === 4);
    await consumer.stop(1000);
    expect(await states(queue)).toEqual(['1:completed', '2:completed', '3:completed', '4:completed']);
  });

  it('backs off when idle, doubling up to maxIdleMs; a nudge starts again from pollMs', async () => {
    const queue = await ensureNamedQueue(boss, 'consumer-idle', new Set());
    const consumer = new HeldConsumer(boss, log, { queue, concurrency: 2, pollMs: 10, maxIdleMs: 160 });
    consumer.start();
    await until(() => consumer.idleMs === 160);
    const polls = consumer.polls;
    await new Promise((r) => setTimeout(r, 400));
    // At 160 ms between polls, 400 ms hold at most three more (at pollMs it would be dozens).
    expect(consumer.polls - polls).toBeLessThanOrEqual(3);
    await boss.send(queue, { n: 1 });
    consumer.nudge();
    expect(consumer.idleMs).toBe(10);
    await until(() => consumer.started.length === 1, 2000);
    consumer.finishOne();
    await consumer.stop(1000);
  });

  it('on stop, hands back to the queue what still runs at the deadline, and takes nothing more', async () => {
    const queue = await ensureNamedQueue(boss, 'consumer-stop', new Set());
    for (const n of [1, 2, 3]) await boss.send(queue, { n });
    const consumer = new HeldConsumer(boss, log, { queue, concurrency: 2, pollMs: 20, maxIdleMs: 20 });
    consumer.start();
    await until(() => consumer.started.length === 2);
    // The held jobs never finish by themselves: stop returning at all is its deadline at work.
    await consumer.stop(300);
    // The two held ones are failed (pg-boss retries them: another worker takes them at once); the third never started.
    expect(await states(queue)).toEqual(['1:retry', '2:retry', '3:created']);
    // pg-boss fetches the two oldest, in no particular order within the batch.
    expect([...consumer.started].sort()).toEqual([1, 2]);
  });
});
