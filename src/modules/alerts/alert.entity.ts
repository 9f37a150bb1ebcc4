import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { Monitor } from '../monitors/monitor.entity';
import { Journey } from '../journeys/journey.entity';
import { newId } from '../common/ids';

export type AlertStatus = 'OPEN' | 'ACKNOWLEDGED' | 'RESOLVED';

@Entity({ tableName: 'alerts' })
@Index({ properties: ['organization', 'openedAt', 'id'] })
// At most one unresolved alert per source, enforced by the database so concurrent runs cannot open two.
@Index({
  name: 'alerts_one_active_per_monitor',
  expression: `create unique index "alerts_one_active_per_monitor" on "alerts" ("monitor_id") where "status" <> 'RESOLVED'`,
})
@Index({
  name: 'alerts_one_active_per_journey',
  expression: `create unique index "alerts_one_active_per_journey" on "alerts" ("journey_id") where "status" <> 'RESOLVED'`,
})
export class Alert {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('alr');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @ManyToOne(() => Monitor, { ref: true, nullable: true, deleteRule: 'cascade' })
  monitor: Ref<Monitor> | null = null;

  @ManyToOne(() => Journey, { ref: true, nullable: true, deleteRule: 'cascade' })
  journey: Ref<Journey> | null = null;

  /** The monitor's or journey's name when the alert opened. */
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

  /** A key id, or "system" when a passing run resolved it. */
  @Property({ type: 'string', length: 24, nullable: true })
  resolvedBy: string | null = null;

  @Property({ type: 'string', length: 100, nullable: true })
  resolvedByName: string | null = null;
}
