import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import type { Permission } from '../../authorization/scopes';

@Entity({ tableName: 'api_keys' })
@Index({ properties: ['organization', 'createdAt'] })
export class ApiKey {
  /** `key_<keyId>`: the public part of the key, so a request finds its row by primary key. */
  @PrimaryKey({ type: 'string', length: 24 })
  id!: string;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** bcrypt hash of the whole key; never the key itself. */
  @Property({ type: 'string', length: 60, hidden: true, lazy: false })
  hash!: string;

  @Property({ type: 'string[]', columnType: 'text[]' })
  permissions!: Permission[];

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  revokedAt: Date | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();

  /** Who created it (ActorRef): the id of the member (`mem_…`) or key (`key_…`), or `cli` / `bootstrap`. */
  @Property({ type: 'string', length: 24 })
  createdBy!: string;

  /** MEMBER, API_KEY or SYSTEM. */
  @Property({ type: 'string', length: 8 })
  createdByType!: string;

  /** The creator's name when it created the key: it stays after the member is removed. */
  @Property({ type: 'string', length: 254 })
  createdByName!: string;

  /** Set when the member who created the key is removed: the key still works, and an owner should review it. */
  @Property({ type: 'boolean', default: false })
  creatorRemoved: Opt<boolean> = false;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastUsedIp: string | null = null;

  /** Failed authentications naming this key (wrong secret, or the key revoked or expired); never what was sent. */
  @Property({ type: 'integer', default: 0 })
  failedAuthCount: Opt<number> = 0;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastFailedAuthAt: Date | null = null;

  /** Set when the key was rolled: the id of the key that replaces it. */
  @Property({ type: 'string', length: 24, nullable: true })
  replacedBy: string | null = null;
}
