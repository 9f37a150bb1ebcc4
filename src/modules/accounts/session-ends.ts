import { Session } from './session.entity';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * How ending sessions reaches every instance: `announce` inside the transaction that deletes the rows (on
 * PostgreSQL a NOTIFY on the key-change channel, delivered on commit, heard by every instance's listener with its
 * heartbeat), `forget` on this instance before the change is answered. The payload is the session id (`ses_…`) or
 * the member id (`mem_…`) whose sessions all ended.
 */
export interface SessionEnds {
  announce(em: EntityManager, id: string): Promise<void>;
  forget(id: string): void;
}

/** A process that verifies no session (a worker, a CLI on the embedded database) has nothing to forget or tell. */
export const NO_SESSION_ENDS: SessionEnds = { announce: async () => {}, forget: () => {} };

/**
 * Deletes every session of a member and announces it, inside the caller's transaction; the caller calls
 * `ends.forget(memberId)` once it committed. For a member removed, given another role, or given a new password.
 */
export async function endMemberSessions(tx: EntityManager, ends: SessionEnds, memberId: string): Promise<void> {
  await tx.nativeDelete(Session, { member: memberId });
  await ends.announce(tx, memberId);
}

/** What the members module needs of sessions (`MemberSessions`, members/member.service.ts), over `ends`. */
export const memberSessions = (ends: SessionEnds = NO_SESSION_ENDS) => ({
  end: (tx: EntityManager, memberId: string) => endMemberSessions(tx, ends, memberId),
  forget: (memberId: string) => ends.forget(memberId),
});
