import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Member } from '../members/member.entity';
import { newId } from '../common/ids';

/**
 * A signed-in member's session, server-side: the cookie carries a random token and only its SHA-256 is stored, so
 * the table leaks no usable credential. Ending a session is deleting its row (and announcing it: session-events).
 * Removing the member removes its sessions with it.
 */
@Entity({ tableName: 'sessions' })
@Index({ properties: ['member', 'createdAt'] })
export class Session {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('ses');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade', index: true })
  organization!: Ref<Organization>;

  @ManyToOne(() => Member, { ref: true, deleteRule: 'cascade' })
  member!: Ref<Member>;

  /** Hex SHA-256 of the token (a 256-bit random secret: a fast hash is enough, nothing to brute-force). */
  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  /** Written at most once a minute per session and instance (session-verifier.ts), not on every request. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  lastSeenAt!: Date;

  /** The absolute end: createdAt + SESSION_MAX_DAYS, whatever the activity. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  expiresAt!: Date;

  @Property({ type: 'string', length: 64, nullable: true })
  ip: string | null = null;

  @Property({ type: 'string', length: 256, nullable: true })
  userAgent: string | null = null;
}
