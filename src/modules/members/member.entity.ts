import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { newId } from '../common/ids';

export type MemberRole = 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER';

@Entity({ tableName: 'members' })
@Unique({ properties: ['organization', 'email'] })
@Index({ properties: ['organization', 'joinedAt'] })
// Sign-in looks a member up by email alone (the unique index leads with the organization, so cannot serve it).
@Index({ properties: ['email'] })
export class Member {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('mem');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  /** Stored lower-cased, so uniqueness is case-insensitive. */
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'string', length: 100, nullable: true })
  name: string | null = null;

  @Property({ type: 'string', length: 8 })
  role!: MemberRole;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  joinedAt: Date = new Date();

  /** argon2id (modules/accounts/password-hash.ts); null until the member sets a password, and then cannot sign in. */
  @Property({ type: 'string', length: 255, nullable: true, hidden: true, lazy: true })
  passwordHash: string | null = null;

  /** When two-factor (TOTP, modules/mfa) was turned on; null while it is off. Sign-in asks for a code when set. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  mfaEnabledAt: Date | null = null;
}
