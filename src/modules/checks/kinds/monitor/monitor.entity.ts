import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../../../organization/organization.entity';
import { newId } from '../../../common/ids';
import type { Assertion, Header } from '../../check.types';
import { ProbedCheck } from '../../probed-check';

export type { CheckStatus } from '../../scheduled-check';

@Entity({ tableName: 'monitors' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'monitors_tags_index', expression: 'create index "monitors_tags_index" on "monitors" using gin ("tags")' })
@Index({ name: 'monitors_due_index', expression: 'create index "monitors_due_index" on "monitors" ("next_run_at") where "paused" = false' })
export class Monitor extends ProbedCheck {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('mon');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'string', length: 8 })
  method: string = 'GET';

  @Property({ type: 'json' })
  headers: Header[] = [];

  @Property({ type: 'text', nullable: true })
  body: string | null = null;

  @Property({ type: 'json' })
  expectedStatusCodes: string[] = ['200-299'];

  @Property({ type: 'json' })
  assertions: Assertion[] = [];

  /** An HTTPS run seeing fewer days left on the certificate opens a TLS_CERTIFICATE_EXPIRING alert; null: never. */
  @Property({ type: 'integer', nullable: true, default: 14 })
  tlsExpiryWarningDays: number | null = 14;

  /** The certificate is not verified (a self-signed endpoint runs), though still recorded. */
  @Property({ type: 'boolean', default: false })
  skipTlsVerification: boolean = false;
}
