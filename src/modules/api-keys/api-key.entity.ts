import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import type { Permission } from '../auth/scopes';

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

  /** The id of the key that created this one, or "cli" / "bootstrap". */
  @Property({ type: 'string', length: 24 })
  createdBy!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'string', length: 64, nullable: true })
  lastUsedIp: string | null = null;
}
