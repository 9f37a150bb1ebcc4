import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Member } from '../members/member.entity';
import { newId } from '../common/ids';

/** What a link may do; each endpoint spends only its own kind (a link made for one purpose opens no other). */
export const SET_PASSWORD = 'set_password';

/**
 * A single-use link to set a member's password (`members add` prints one; later phases add invitations and
 * forgot-password mails of the same kind). Only the token's SHA-256 is stored; `usedAt` spends it.
 */
@Entity({ tableName: 'password_tokens' })
export class PasswordToken {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('pwt');

  @ManyToOne(() => Member, { ref: true, deleteRule: 'cascade', index: true })
  member!: Ref<Member>;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  /** What the link is for: `set_password` (from the CLI) today. */
  @Property({ type: 'string', length: 20 })
  purpose!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  expiresAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  usedAt: Date | null = null;
}
