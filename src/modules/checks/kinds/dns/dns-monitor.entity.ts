import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../../../organization/organization.entity';
import { newId } from '../../../common/ids';
import { ProbedCheck } from '../../probed-check';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
export type DnsMatch = 'ANY' | 'ALL';

/** A DNS check: one query of one record type, asserted on its answers. */
@Entity({ tableName: 'dns_monitors' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'dns_monitors_tags_index', expression: 'create index "dns_monitors_tags_index" on "dns_monitors" using gin ("tags")' })
@Index({ name: 'dns_monitors_due_index', expression: 'create index "dns_monitors_due_index" on "dns_monitors" ("next_run_at") where "paused" = false' })
export class DnsMonitor extends ProbedCheck {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('dns');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 255 })
  hostname!: string;

  @Property({ type: 'string', length: 8 })
  recordType!: RecordType;

  /** `address[:port]` of the resolver asked, or null for the system's. */
  @Property({ type: 'string', length: 64, nullable: true })
  resolver: string | null = null;

  /** Answers expected, in the form the run records them (dns-answers.ts); none: any answer passes. */
  @Property({ type: 'json' })
  expectedValues: string[] = [];

  @Property({ type: 'string', length: 4 })
  match: DnsMatch = 'ANY';
}
