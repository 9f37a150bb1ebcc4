import { hash, verify, Algorithm } from '@node-rs/argon2';
import { AppError, MESSAGES } from '../../errors';

/** argon2 verifications and hashes started, for tests to see what each request paid, whatever its outcome. */
export const passwordStats = { verifies: 0, hashes: 0 };

/** Every slot busy and the queue full: refused at once, before any hash, rather than queued without bound. */
export const passwordHashBusy = () =>
  new AppError('SERVICE_UNAVAILABLE', `${MESSAGES.SERVICE_UNAVAILABLE}: too many sign-ins are being checked; retry shortly`, {}, { 'retry-after': '1' });

export interface PasswordHasherOptions {
  /** argon2 computations at once (each holds a libuv thread and 19 MiB). */
  concurrency: number;
  /** Computations that may wait for a slot (PASSWORD_HASH_QUEUE_MAX); one more is 503 with Retry-After. */
  maxQueue: number;
}

/**
 * argon2id with @node-rs/argon2's defaults (m = 19 MiB, t = 2, p = 1: OWASP's first recommendation), computed on
 * libuv's thread pool, off the request thread (docs/adr/0053). About 20 ms a verify here.
 *
 * Sign-in and reset-password run it before anyone is authenticated, so the work is bounded like bcrypt's for keys:
 * `concurrency` computations at once and at most `maxQueue` waiting; beyond that the request is refused before any
 * hash. Without the bound a burst of sign-ins (each from a fresh address, under the failure limit) would queue
 * unbounded memory and starve libuv's pool, which file and DNS work share.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /**
   * A hash of a password no one knows, compared against when the email has no password, so an unknown email costs
   * the same argon2 work as a wrong password. Made by `ready()` at the server's start, so the first sign-in of an
   * unknown email does not pay a hash more than a wrong password does (and its timing tells nothing); a command
   * line that never checks a password never makes it.
   */
  private decoy?: Promise<string>;

  constructor(private readonly opts: PasswordHasherOptions) {}

  /** Makes the decoy (the API's start waits for it). */
  async ready(): Promise<void> {
    await this.decoyHash();
  }

  private decoyHash(): Promise<string> {
    if (!this.decoy) {
      passwordStats.hashes++;
      this.decoy = hash(`decoy-${Math.random()}-${Date.now()}`, { algorithm: Algorithm.Argon2id });
    }
    return this.decoy;
  }

  async hash(password: string): Promise<string> {
    return this.bounded(() => {
      passwordStats.hashes++;
      return hash(password, { algorithm: Algorithm.Argon2id });
    });
  }

  /** True when `password` matches `stored`; with `stored` null the decoy is verified and the answer is false. */
  async matches(stored: string | null, password: string): Promise<boolean> {
    const target = stored ?? (await this.decoyHash());
    const ok = await this.bounded(async () => {
      passwordStats.verifies++;
      try {
        return await verify(target, password);
      } catch {
        return false; // a malformed stored hash is a refusal, never an error that tells the cases apart
      }
    });
    return ok && stored !== null;
  }

  /** Computations waiting for a slot (tests read it). */
  get queued(): number {
    return this.waiting.length;
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.opts.concurrency) {
      if (this.waiting.length >= this.opts.maxQueue) throw passwordHashBusy();
      // The slot is handed over by the one finishing (running stays counted), so no newcomer can overtake.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
