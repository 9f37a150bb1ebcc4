import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { CheckRow } from '../checks/check-row.entity';
import { newId } from '../common/ids';

export type AlertStatus = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';
/** What an organization alert is about. `quota`: the month's runs are used up (BillingService). */
export type AlertSubject = 'quota';
/**
 * Why an alert opened: a check failing the rule, its certificate about to expire, or the organization's quota. A
 * check has at most one unresolved alert of each cause.
 */
export const ALERT_CAUSE_CODES = ['CHECK_FAILED', 'TLS_CERTIFICATE_EXPIRING', 'QUOTA_EXHAUSTED'] as const;
export type AlertCauseCode = (typeof ALERT_CAUSE_CODES)[number];

@Entity({ tableName: 'alerts' })
@Index({ properties: ['organization', 'openedAt', 'id'] })
// `alerts(checkId, since)`: the check's alerts by time; also serves a check's delete cascading here.
@Index({ properties: ['check', 'openedAt', 'id'] })
// At most one unresolved alert per source and cause, enforced by the database so concurrent runs cannot open two.
@Index({
  name: 'alerts_one_active_per_check',
  expression: `create unique index "alerts_one_active_per_check" on "alerts" ("check_id", "cause_code") where "status" <> 'RESOLVED'`,
})
// Organization alerts (no check) name their subject; one unresolved alert per organization and subject.
@Index({
  name: 'alerts_one_active_per_subject',
  expression: `create unique index "alerts_one_active_per_subject" on "alerts" ("organization_id", "subject") where "subject" is not null and "status" <> 'RESOLVED'`,
})
// Every alert is about exactly one thing: a check (of any kind), or (subject) its organization.
@Check({ name: 'alerts_one_source_check', expression: 'num_nonnulls(check_id, subject) = 1' })
export class Alert {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('alr');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  /** The check it is about (any kind: the id's prefix tells which); null on an organization alert. */
  @ManyToOne(() => CheckRow, { ref: true, nullable: true, deleteRule: 'cascade' })
  check: Ref<CheckRow> | null = null;

  /** Set on organization alerts (no check): what about the organization it is. */
  @Property({ type: 'string', length: 16, nullable: true })
  subject: AlertSubject | null = null;

  /** The check's or organization's name when the alert opened. */
  @Property({ type: 'string', length: 100 })
  sourceName!: string;

  @Property({ type: 'text' })
  cause!: string;

  @Property({ type: 'string', length: 32, default: 'CHECK_FAILED' })
  causeCode: AlertCauseCode = 'CHECK_FAILED';

  /** The locations failing the rule (kept current while the alert is open). */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  locations: string[] = [];

  @Property({ type: 'string', length: 12 })
  status: AlertStatus = 'OPEN';

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  openedAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  acknowledgedAt: Date | null = null;

  @Property({ type: 'string', length: 24, nullable: true })
  acknowledgedBy: string | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  acknowledgedByName: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  resolvedAt: Date | null = null;

  /** A key id, or "system" when a passing run (or, for a quota alert, an admitted run or a plan change) resolved it. */
  @Property({ type: 'string', length: 24, nullable: true })
  resolvedBy: string | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  resolvedByName: string | null = null;
}
