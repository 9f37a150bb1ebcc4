import { Check, Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Monitor } from '../checks/kinds/monitor/monitor.entity';
import { Journey } from '../checks/kinds/journey/journey.entity';
import { newId } from '../common/ids';
import { perCheckIndex } from '../../db/per-check-index';

export type AlertStatus = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';
/** What an organization alert is about. `quota`: the month's runs are used up (BillingService). */
export type AlertSubject = 'quota';

@Entity({ tableName: 'alerts' })
@Index({ properties: ['organization', 'openedAt', 'id'] })
// `alerts(checkId, since)`: the check's alerts by time (the list's `monitor_id = ? or journey_id = ?` reads both,
// a bitmap OR); they also serve a check's delete cascading here. Partial, as each kind's rows have the other null.
@Index(perCheckIndex('alerts', 'monitor', ['opened_at', 'id']))
@Index(perCheckIndex('alerts', 'journey', ['opened_at', 'id']))
// At most one unresolved alert per source, enforced by the database so concurrent runs cannot open two.
@Index({
  name: 'alerts_one_active_per_monitor',
  expression: `create unique index "alerts_one_active_per_monitor" on "alerts" ("monitor_id") where "status" <> 'RESOLVED'`,
})
@Index({
  name: 'alerts_one_active_per_journey',
  expression: `create unique index "alerts_one_active_per_journey" on "alerts" ("journey_id") where "status" <> 'RESOLVED'`,
})
// Organization alerts (no monitor, no journey) name their subject; one unresolved alert per organization and subject.
@Index({
  name: 'alerts_one_active_per_subject',
  expression: `create unique index "alerts_one_active_per_subject" on "alerts" ("organization_id", "subject") where "subject" is not null and "status" <> 'RESOLVED'`,
})
// Every alert is about exactly one thing: a monitor, a journey, or (subject) its organization.
@Check({ name: 'alerts_one_source_check', expression: 'num_nonnulls(monitor_id, journey_id, subject) = 1' })
export class Alert {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('alr');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => Monitor, { ref: true, nullable: true, deleteRule: 'cascade' })
  monitor: Ref<Monitor> | null = null;

  @ManyToOne(() => Journey, { ref: true, nullable: true, deleteRule: 'cascade' })
  journey: Ref<Journey> | null = null;

  /** Set on organization alerts (no monitor, no journey): what about the organization it is. */
  @Property({ type: 'string', length: 16, nullable: true })
  subject: AlertSubject | null = null;

  /** The monitor's, journey's or organization's name when the alert opened. */
  @Property({ type: 'string', length: 100 })
  sourceName!: string;

  @Property({ type: 'text' })
  cause!: string;

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
