import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { TxtLookup } from './domain-proof';

/** A verified domain is looked up again once this long after its last look. */
export const RECHECK_EVERY_MS = 24 * 3_600_000;
/** A verified domain whose record has been missing at every look for this long goes back to PENDING. */
export const MISSING_FOR_MS = 7 * 86_400_000;
/** Claims of one kind read at a time; a tick reads batches until none is due (at most MAX_BATCHES, then the next tick). */
const BATCH = 100;
const MAX_BATCHES = 50;

/** A VERIFIED claim due for a look. `key` identifies it to its own kind. */
export interface VerifiedClaim {
  key: string;
  organizationId: string;
  domain: string;
  token: string;
  missingSince: Date | null;
}

/** One feature's verified domains (SSO domains, status pages' custom domains), as the re-check needs them. */
export interface VerifiedClaims {
  readonly kind: string;
  /** VERIFIED claims last looked at no later than `before` (or never), the longest waiting first, at most `limit`. */
  due(em: EntityManager, before: Date, limit: number): Promise<VerifiedClaim[]>;
  /** Records a look at `at`: `missingSince` null when the record was found. */
  checked(em: EntityManager, claim: VerifiedClaim, at: Date, missingSince: Date | null): Promise<void>;
  /** Makes the claim PENDING again (it stops routing or serving; its token stays), audited, in `tx`; whether it changed. */
  unverify(tx: EntityManager, claim: VerifiedClaim, at: Date): Promise<boolean>;
  /** Told after `unverify`'s commit (a cache to drop). */
  unverified?(claim: VerifiedClaim): void;
}

/**
 * The worker's re-check of verified domains: every `tickMs`, each kind's claims not looked at for RECHECK_EVERY_MS
 * (a day) are looked up again, in batches of 100 until none is due. Found: the look is recorded. Missing: since when is kept, and a claim whose record
 * has been missing for MISSING_FOR_MS (7 days) goes back to PENDING. A DNS server that does not answer counts
 * neither way (the claim waits for its next day). Any number of workers may run it: each change is conditional.
 */
export class DomainRecheck {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly lookup: TxtLookup,
    private readonly kinds: readonly VerifiedClaims[],
    private readonly now: () => Date,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
    private readonly tickMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick(); // domains never looked at (those the migration made VERIFIED) are looked at once a worker runs
  }

  /** One pass over every kind; answers the claims made PENDING. Overlapping calls share the pass under way. */
  tick(): Promise<number> {
    this.running ??= this.pass()
      .catch((err) => {
        this.log.warn({ err: (err as Error).message }, 'could not re-check verified domains; trying again on the next tick');
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    let unverified = 0;
    for (const kind of this.kinds) {
      const em = this.orm.em.fork();
      const now = this.now();
      // Every claim read is written (looked at, or made PENDING), so it is not due in the next batch.
      for (let batch = 0, read = BATCH; batch < MAX_BATCHES && read === BATCH; batch++) {
        const claims = await kind.due(em, new Date(now.getTime() - RECHECK_EVERY_MS), BATCH);
        read = claims.length;
        for (const claim of claims) if (await this.look(kind, em, claim, now)) unverified++;
      }
    }
    return unverified;
  }

  /** Looks one claim up and records what was seen; true when it went back to PENDING. */
  private async look(kind: VerifiedClaims, em: EntityManager, claim: VerifiedClaim, now: Date): Promise<boolean> {
    let found: boolean;
    try {
      found = (await this.lookup.published(claim.domain, claim.token)).found;
    } catch {
      await kind.checked(em, claim, now, claim.missingSince);
      return false;
    }
    const since = found ? null : (claim.missingSince ?? now);
    if (!since || now.getTime() - since.getTime() < MISSING_FOR_MS) {
      await kind.checked(em, claim, now, since);
      return false;
    }
    if (!(await em.transactional((tx) => kind.unverify(tx, claim, now)))) return false;
    kind.unverified?.(claim);
    this.log.info({ kind: kind.kind, domain: claim.domain, organizationId: claim.organizationId, missingSince: since }, 'domain record missing for 7 days: back to pending');
    return true;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
