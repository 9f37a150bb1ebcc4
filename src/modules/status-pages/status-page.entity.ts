import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import { randomBase62 } from '../common/base62';

/** Prefixed ids of this module (`stp_…`), the same length and alphabet as common/ids.ts's. */
export const statusId = (prefix: 'stp' | 'spc' | 'inc' | 'inu' | 'sub') => `${prefix}_${randomBase62(16)}`;

/** A custom domain is PENDING until its owner proves it by DNS (`verifyStatusPageDomain`); only a VERIFIED one serves the page. */
export type CustomDomainStatus = 'PENDING' | 'VERIFIED';

/** A public page: what it shows is only what it names (its components) and the incidents written for it. */
@Entity({ tableName: 'status_pages' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
// Several pages (of several organizations) may claim one domain while it is PENDING; one holds it VERIFIED.
@Index({
  name: 'status_pages_domain_verified_unique',
  expression: 'create unique index "status_pages_domain_verified_unique" on "status_pages" ("custom_domain") where "domain_status" = \'VERIFIED\'',
})
export class StatusPage {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = statusId('stp');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  /** `/status/<slug>`: unique across every organization (the public address has no organization in it). */
  @Property({ type: 'string', length: 50 })
  @Unique()
  slug!: string;

  /** A host name whose `GET /` answers this page once VERIFIED (lower case); verified by one page in all of tracer. */
  @Property({ type: 'string', length: 253, nullable: true })
  customDomain: string | null = null;

  /** Null without a custom domain. */
  @Property({ type: 'string', length: 8, nullable: true })
  domainStatus: CustomDomainStatus | null = null;

  /** Random, 256 bits in base64url: published as `tracer-domain-verification=<token>` at `_tracer-challenge.<domain>`. */
  @Property({ type: 'string', length: 64, nullable: true, hidden: true })
  domainToken: string | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  domainVerifiedAt: Date | null = null;

  /** When the worker last looked for the record of the VERIFIED domain (domains/domain-recheck.ts); null: not yet. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  domainCheckedAt: Date | null = null;

  /** Since when the record has been missing at every re-check; null: found at the last one. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  domainMissingSince: Date | null = null;

  @Property({ type: 'boolean', default: true })
  showUptime: boolean = true;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  updatedAt!: Date;
}

/** One line of a page: a name the public sees, and the checks whose state it takes (never shown themselves). */
@Entity({ tableName: 'status_components' })
@Index({ properties: ['page', 'position'] })
export class StatusComponent {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = statusId('spc');

  @ManyToOne(() => StatusPage, { ref: true, deleteRule: 'cascade' })
  page!: Ref<StatusPage>;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'string', length: 500, nullable: true })
  description: string | null = null;

  /** Checks of any kind (ids of `checks`); deleting a check leaves its id here, where it counts for nothing. */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  checkIds: string[] = [];

  @Property({ type: 'integer' })
  position!: number;

  /** An alert (CHECK_FAILED) opening on one of its checks opens a draft incident for it (published by a person or key). */
  @Property({ type: 'boolean', default: false })
  autoDraftIncident: boolean = false;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  updatedAt!: Date;
}

export const INCIDENT_IMPACTS = ['NONE', 'MINOR', 'MAJOR', 'CRITICAL'] as const;
export type IncidentImpact = (typeof INCIDENT_IMPACTS)[number];
export const INCIDENT_STATUSES = ['INVESTIGATING', 'IDENTIFIED', 'MONITORING', 'RESOLVED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * What a person (or key) told the page's visitors; its updates say how it went, the last one its current status. A
 * draft (`published` false: opened by an alert for a component with `autoDraftIncident`) is shown to no visitor
 * and sent to no subscriber until it is published.
 */
@Entity({ tableName: 'status_incidents' })
@Index({ properties: ['page', 'createdAt', 'id'] })
@Index({ properties: ['organization', 'createdAt', 'id'] })
// One draft per component per alert: the alert's later locations (k-of-n) open no second one.
@Unique({ name: 'status_incidents_one_draft_per_alert', properties: ['alertId', 'componentIds'] })
export class Incident {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = statusId('inc');

  @ManyToOne(() => StatusPage, { ref: true, deleteRule: 'cascade' })
  page!: Ref<StatusPage>;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 200 })
  title!: string;

  @Property({ type: 'string', length: 12 })
  impact!: IncidentImpact;

  @Property({ type: 'string', length: 16 })
  status!: IncidentStatus;

  /** Components of its page it affects. */
  @Property({ type: 'string[]', columnType: 'text[]', default: '{}' })
  componentIds: string[] = [];

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  updatedAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  resolvedAt: Date | null = null;

  /** Shown on the public page and sent to subscribers; false: a draft, until `publishIncident`. */
  @Property({ type: 'boolean', default: true })
  published: boolean = true;

  /** The alert that opened this draft (an alert id, kept when the alert is deleted); null: written by a person or key. */
  @Property({ type: 'string', length: 24, nullable: true })
  alertId: string | null = null;
}

@Entity({ tableName: 'status_incident_updates' })
@Index({ properties: ['incident', 'createdAt'] })
export class IncidentUpdate {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = statusId('inu');

  @ManyToOne(() => Incident, { ref: true, deleteRule: 'cascade' })
  incident!: Ref<Incident>;

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 16 })
  status!: IncidentStatus;

  @Property({ type: 'text' })
  message!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;
}
