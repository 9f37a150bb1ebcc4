import type { EntityManager } from '@mikro-orm/postgresql';
import { storedAddress } from '../auth/client-address';
import { Member } from '../members/member.entity';
import { Organization } from '../organization/organization.entity';
import { DAY_MS } from '../common/time';
import { Session } from './session.entity';
import { newToken, tokenHash } from './session-token';

/**
 * Opens a session for a member made in the same transaction (an accepted invitation, the first owner): no password
 * to check again, so the row is simply added to `tx`'s unit of work, written with the member or not at all. Answers
 * the cookie's token; only its hash is stored. Sign-in opens its own (guarded by the verified hash, account.service).
 */
export function openSession(
  tx: EntityManager,
  opts: { now: Date; sessionMaxDays: number },
  member: { id: string; organizationId: string },
  ip: string,
  userAgent: string | undefined,
): string {
  const token = newToken();
  tx.persist(
    tx.create(Session, {
      organization: tx.getReference(Organization, member.organizationId),
      member: tx.getReference(Member, member.id),
      tokenHash: tokenHash(token),
      createdAt: opts.now,
      lastSeenAt: opts.now,
      expiresAt: new Date(opts.now.getTime() + opts.sessionMaxDays * DAY_MS),
      ip: storedAddress(ip),
      userAgent: userAgent ? userAgent.slice(0, 256) : null,
    }),
  );
  return token;
}
