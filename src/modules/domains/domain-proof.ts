import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, conflict } from '../../errors';
import { parseResolver } from '../checks/kinds/dns/dns-answers';

/**
 * Proving a domain by DNS, one way for every feature that claims one (SSO email domains, status pages' custom
 * domains): a random token per claim, published as the TXT record `tracer-domain-verification=<token>` at
 * `_tracer-challenge.<domain>`; the first claim whose record is found holds the domain VERIFIED (a partial unique
 * index of the claim's table settles races) and the other pending claims are dropped.
 */
export const CHALLENGE_PREFIX = '_tracer-challenge.';
export const RECORD_PREFIX = 'tracer-domain-verification=';

/** How long one DNS query may take, and how many times it is sent. */
const DNS_TIMEOUT_MS = 5000;
const DNS_TRIES = 2;

/** A claim's token: 256 random bits in base64url (43 characters). */
export const newDomainToken = (): string => randomBytes(32).toString('base64url');
/** Where the owner publishes the record: `_tracer-challenge.<domain>`. */
export const challengeName = (domain: string): string => `${CHALLENGE_PREFIX}${domain}`;
/** What the record says: `tracer-domain-verification=<token>`. */
export const challengeRecord = (token: string): string => `${RECORD_PREFIX}${token}`;

/** The DNS server asked for domain proofs (DOMAIN_DNS_RESOLVER, or SSO_DNS_RESOLVER): `address[:port]`, or the system's. */
export class TxtLookup {
  constructor(private readonly server?: string) {}

  /** The TXT records of `name`, each one string; none is an empty list. Any other failure is SERVICE_UNAVAILABLE. */
  async records(name: string): Promise<string[]> {
    const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: DNS_TRIES });
    if (this.server) {
      const server = parseResolver(this.server);
      if (server) resolver.setServers([server.address.includes(':') ? `[${server.address}]:${server.port}` : `${server.address}:${server.port}`]);
    }
    try {
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw new AppError('SERVICE_UNAVAILABLE', `The DNS server did not answer for ${name} (${code ?? 'error'}); try again later`, {}, { 'retry-after': '5' });
    } finally {
      resolver.cancel();
    }
  }

  /** Whether the claim's record is published now; a server that does not answer is SERVICE_UNAVAILABLE. */
  async published(domain: string, token: string): Promise<{ found: boolean; count: number }> {
    const records = await this.records(challengeName(domain));
    return { found: records.some((r) => r.trim() === challengeRecord(token)), count: records.length };
  }
}

/** One feature's claims on a domain, as the verify step needs them (each call in the step's transaction). */
export interface ClaimVerification {
  domain: string;
  token: string;
  /** The input field named when the record is missing (`domain`, `customDomain`). */
  field: string;
  /** The CONFLICT when another claim holds the domain verified: `example.com was verified by … first`. */
  takenMessage: string;
  /** Whether another claim holds the domain VERIFIED. */
  verifiedElsewhere(em: EntityManager): Promise<boolean>;
  /** Turns this claim VERIFIED if it is still pending with this token; answers the rows changed (0: it is gone). */
  markVerified(tx: EntityManager, at: Date): Promise<number>;
  /** Drops every other pending claim on the domain, and writes the audit event. */
  settle(tx: EntityManager, at: Date): Promise<void>;
}

/**
 * The verify step: reads the record, then in one transaction (serialised per domain name by an advisory lock, so two
 * owners verifying one domain at once are taken one after the other: without it PostgreSQL ended one as a deadlock)
 * marks the claim VERIFIED and drops the others. Another claim verified first is CONFLICT, also when the partial
 * unique index is what says so; no record is BAD_USER_INPUT; a DNS server that does not answer SERVICE_UNAVAILABLE.
 * Answers false when the claim vanished meanwhile (the caller's NOT_FOUND).
 */
export async function verifyClaim(em: EntityManager, lookup: TxtLookup, claim: ClaimVerification, now: () => Date): Promise<boolean> {
  if (await claim.verifiedElsewhere(em)) throw conflict(claim.takenMessage);
  const { found, count } = await lookup.published(claim.domain, claim.token);
  if (!found)
    throw badInput([
      { field: claim.field, message: `no TXT record of ${challengeName(claim.domain)} is ${challengeRecord(claim.token)} (${count} record${count === 1 ? '' : 's'} found)` },
    ]);
  const at = now();
  return em.transactional(async (tx) => {
    await tx.getConnection().execute('select pg_advisory_xact_lock(hashtext(?))', [`tracer:domain:${claim.domain}`], 'all', tx.getTransactionContext());
    if (await claim.verifiedElsewhere(tx)) throw conflict(claim.takenMessage);
    const changed = await claim.markVerified(tx, at).catch((e: unknown) => {
      if ((e as { name?: string }).name === 'UniqueConstraintViolationException') throw conflict(claim.takenMessage);
      throw e;
    });
    if (!changed) return false;
    await claim.settle(tx, at);
    return true;
  });
}
