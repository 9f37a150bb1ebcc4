import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import type { MemberRole } from '../members/member.entity';
import { newId } from '../common/ids';

/** Pending invitations an organization may hold: each sends an email to an address of the inviter's choosing. */
export const MAX_PENDING_INVITATIONS = 100;

/** An invitation to an email with a role (`invite`), or the first start's link that makes the first owner (`setup`). */
export type InvitationKind = 'invite' | 'setup';

/**
 * A pending invitation: its link's token is stored as a SHA-256 only. Accepting, revoking or inviting the same
 * email again deletes the row, so a used, revoked, replaced or unknown token are one and the same: no row.
 */
@Entity({ tableName: 'invitations' })
@Index({ properties: ['organization', 'email'] })
export class Invitation {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('inv');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 8 })
  kind!: InvitationKind;

  /** Lower-cased; null for a setup link (its owner gives an email when using it). */
  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  /** A name the inviter suggested; the person gives their own when accepting. */
  @Property({ type: 'string', length: 100, nullable: true })
  name: string | null = null;

  @Property({ type: 'string', length: 8 })
  role!: MemberRole;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  /** Who invited (a member's or a key's name), as the audit log names them; `first start` for a setup link. */
  @Property({ type: 'string', length: 254 })
  invitedBy!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  expiresAt!: Date;
}
