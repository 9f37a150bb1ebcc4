import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Member } from '../members/member.entity';
import { newId } from '../common/ids';

/**
 * A member's TOTP authenticator (RFC 6238), one per member. Made by `setup` (pending: `confirmedAt` null), turned
 * on by `confirm`, deleted by `disable`. The shared secret is sealed at rest with the credentials' key (SecretBox);
 * `lastStep` is the time step of the last code accepted, so a code is never accepted twice.
 */
@Entity({ tableName: 'mfa_totp' })
export class MfaTotp {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('mfa');

  @ManyToOne(() => Member, { ref: true, deleteRule: 'cascade', unique: true })
  member!: Ref<Member>;

  /** `enc:v1:…` (secret-box.ts): the base32 secret, never stored in the clear. */
  @Property({ type: 'text', hidden: true })
  secretSealed!: string;

  // A 30-second step fits an integer until the year 4010.
  @Property({ type: 'integer', nullable: true })
  lastStep: number | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  confirmedAt: Date | null = null;
}

/**
 * A single-use recovery code, usable instead of a TOTP code. Only its SHA-256 is stored: a code carries 80 random
 * bits, as much as nothing guessable, so a fast hash is enough (as for session tokens). `usedAt` spends it.
 */
@Entity({ tableName: 'mfa_recovery_codes' })
export class MfaRecoveryCode {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('mrc');

  @ManyToOne(() => Member, { ref: true, deleteRule: 'cascade', index: true })
  member!: Ref<Member>;

  @Property({ type: 'string', length: 64, unique: true })
  codeHash!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  usedAt: Date | null = null;
}
