import * as path from 'node:path';
import { Piscina } from 'piscina';
import { AppError, MESSAGES } from '../../errors';

export interface BcryptPoolOptions {
  /** Worker threads doing bcrypt work. */
  threads: number;
  /** Tasks that may wait for a thread; beyond it new work is refused with 503 and Retry-After. */
  maxQueue: number;
  /** How long a thread with nothing to do stays up (ms; default a minute). */
  idleMs?: number;
}

/** The pool is full: refused at once rather than queued without bound (docs/reference/limits.md). */
export const bcryptBusy = () =>
  new AppError('SERVICE_UNAVAILABLE', `${MESSAGES.SERVICE_UNAVAILABLE}: too many keys are being created or checked; retry shortly`, {}, { 'retry-after': '1' });

/**
 * bcrypt hashing and comparing in worker threads (piscina), off the event loop, with a bounded queue: a burst of
 * key creations or wrong secrets costs those requests time, never the latency of every other request.
 */
export class BcryptPool {
  private readonly pool: Piscina;

  constructor(opts: BcryptPoolOptions) {
    this.pool = new Piscina({
      filename: path.join(__dirname, 'bcrypt.worker.js'),
      // No thread until there is bcrypt work, and none kept after a minute without any: each holds a V8 isolate
      // (~12 MB of RSS), and an API instance answering keys it has already verified needs none. Starting one costs
      // ~30 ms, paid by the first key created or checked after a quiet minute; a burst keeps them up.
      minThreads: 0,
      maxThreads: opts.threads,
      maxQueue: opts.maxQueue,
      idleTimeout: opts.idleMs ?? 60_000,
      // piscina's run- and wait-time histograms (~0.7 MB of native memory from the start) are never read here.
      recordTiming: false,
    });
  }

  hash(data: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', data, cost });
  }

  compare(data: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', data, hash });
  }

  /** Tasks waiting for a thread (the tests and the benchmark read it). */
  get queued(): number {
    return this.pool.queueSize;
  }

  private async run<T>(task: object): Promise<T> {
    try {
      return (await this.pool.run(task)) as T;
    } catch (e) {
      if ((e as Error).message?.includes('queue is at limit')) throw bcryptBusy();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
