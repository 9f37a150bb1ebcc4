import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { ApiKey } from '../api-keys/api-key.entity';

/**
 * Which API_KEY_EXPIRING notices went out: (key, 7) and (key, 1). The primary key makes each go once, whichever of
 * any number of workers' sweeps finds it first.
 */
@Entity({ tableName: 'api_key_expiry_notices' })
export class ApiKeyExpiryNotice {
  @ManyToOne(() => ApiKey, { ref: true, primary: true, deleteRule: 'cascade' })
  apiKey!: Ref<ApiKey>;

  /** 7 or 1: days before the expiry. */
  @PrimaryKey({ type: 'smallint' })
  days!: number;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  sentAt!: Date;
}
