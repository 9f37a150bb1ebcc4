import { Entity, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Alert } from '../alerts/alert.entity';

/** A one-click acknowledge link that was used: its nonce, so the same link never acts twice. */
@Entity({ tableName: 'ack_link_uses' })
export class AckLinkUse {
  @PrimaryKey({ type: 'string', length: 32 })
  nonce!: string;

  @ManyToOne(() => Alert, { ref: true, deleteRule: 'cascade', index: true })
  alert!: Ref<Alert>;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  usedAt!: Date;
}
