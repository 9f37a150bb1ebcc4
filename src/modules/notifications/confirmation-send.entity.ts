import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One confirmation email queued, kept an hour: what the per-address and per-organization confirmation budgets count
 * (notification.service.ts). Not the delivery log, whose rows go with their channel: deleting a channel must not
 * give its address a new budget. No foreign keys for the same reason; rows older than an hour are deleted as new
 * ones are written. The address is kept only as a hash of its normalized form.
 */
@Entity({ tableName: 'notification_confirmation_sends' })
@Index({ properties: ['addressHash', 'sentAt'] })
@Index({ properties: ['organizationId', 'sentAt'] })
@Index({ properties: ['sentAt'] })
export class ConfirmationSend {
  @PrimaryKey({ type: 'string', length: 24 })
  id!: string;

  /** sha256 (hex) of the normalized address (see `confirmationAddressHash`). */
  @Property({ type: 'string', length: 64 })
  addressHash!: string;

  @Property({ type: 'string', length: 24 })
  organizationId!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  sentAt!: Date;
}
