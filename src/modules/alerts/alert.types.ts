import { ArgsType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { connectionOf, PageArgs, pageColumns } from '../common/pagination';
import { Alert } from './alert.entity';
import { CHECK_KINDS } from '../checks/kinds/registry';
import { alertCheck } from './alert-check';

export enum AlertStatusEnum {
  OPEN = 'OPEN',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  RESOLVED = 'RESOLVED',
}
registerEnumType(AlertStatusEnum, { name: 'AlertStatus' });

export enum AlertCauseCodeEnum {
  CHECK_FAILED = 'CHECK_FAILED',
  TLS_CERTIFICATE_EXPIRING = 'TLS_CERTIFICATE_EXPIRING',
  QUOTA_EXHAUSTED = 'QUOTA_EXHAUSTED',
}
registerEnumType(AlertCauseCodeEnum, {
  name: 'AlertCauseCode',
  description: 'Why an alert opened. A check has at most one unresolved alert of each cause.',
  valuesConfig: {
    CHECK_FAILED: { description: 'Locations failed the alert rule (failureThreshold, minFailedLocations); resolved when every location passes.' },
    TLS_CERTIFICATE_EXPIRING: { description: "An HTTPS run saw fewer days left on the certificate than the check's tlsExpiryWarningDays; resolved by a run seeing a renewed one." },
    QUOTA_EXHAUSTED: { description: "The organization's monthly runs are used up." },
  },
});

/** What an alert is about: each kind's enum value (`MONITOR`, `JOURNEY`, in the registry's order), or the organization. */
export const AlertSourceKind = Object.freeze({
  ...Object.fromEntries(CHECK_KINDS.map((k) => [k.enumValue, k.enumValue])),
  ORGANIZATION: 'ORGANIZATION',
});
registerEnumType(AlertSourceKind, {
  name: 'AlertSourceKind',
  valuesConfig: { ORGANIZATION: { description: 'The organization itself, e.g. its monthly runs are used up (`subject: "quota"`).' } },
});

@ObjectType('AlertSource')
export class AlertSourceType {
  @Field(() => AlertSourceKind) kind!: string;
  @Field(() => ID) id!: string;
  @Field({ description: 'The name when the alert opened.' }) name!: string;
  @Field(() => String, { nullable: true, description: 'What an ORGANIZATION alert is about: `quota` (the month’s runs are used up). Null otherwise.' })
  subject!: string | null;
}

@ObjectType('Alert', {
  description:
    "Opened when at least minFailedLocations of a check's locations failed failureThreshold slots in a row (resolved when every " +
    "location passes again), or when the organization's monthly runs are used up (resolved by the next admitted run: a new " +
    'month or a bigger plan); or resolved by hand.',
})
@RequiresScope('alerts:read')
export class AlertView {
  @Field(() => ID) id!: string;
  @Field(() => AlertSourceType) source!: AlertSourceType;
  @Field() cause!: string;
  @Field(() => AlertCauseCodeEnum, { description: 'Why it opened, as a stable code (`cause` says it in words).' }) causeCode!: AlertCauseCodeEnum;
  @Field(() => [String], { description: 'The locations failing (kept current while the alert is open).' }) locations!: string[];
  @Field(() => AlertStatusEnum) status!: AlertStatusEnum;
  @Field() openedAt!: Date;
  @Field(() => Date, { nullable: true }) acknowledgedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Key id.' }) acknowledgedBy!: string | null;
  @Field(() => String, { nullable: true, description: 'Key name.' }) acknowledgedByName!: string | null;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Key id, or `system` when a passing run resolved it.' }) resolvedBy!: string | null;
  @Field(() => String, { nullable: true }) resolvedByName!: string | null;

  static from(a: Alert): AlertView {
    // Property by property (a page makes 50 of these): see MonitorView.from.
    const v = new AlertView();
    v.id = a.id;
    v.source = sourceOf(a);
    v.cause = a.cause;
    v.causeCode = a.causeCode as AlertCauseCodeEnum;
    v.locations = a.locations;
    v.status = a.status as AlertStatusEnum;
    v.openedAt = a.openedAt;
    v.acknowledgedAt = a.acknowledgedAt;
    v.acknowledgedBy = a.acknowledgedBy;
    v.acknowledgedByName = a.acknowledgedByName;
    v.resolvedAt = a.resolvedAt;
    v.resolvedBy = a.resolvedBy;
    v.resolvedByName = a.resolvedByName;
    return v;
  }
}

function sourceOf(a: Alert): AlertSourceType {
  const check = alertCheck(a);
  if (check) return { kind: check.kind.enumValue, id: check.id, name: a.sourceName, subject: null };
  return { kind: AlertSourceKind.ORGANIZATION, id: a.organization.id, name: a.sourceName, subject: a.subject };
}

export const AlertConnection = connectionOf(AlertView, 'AlertConnection');

/**
 * The columns an `alerts` selection reads: `source` is made of the check (or the organization), its name and
 * subject (`sourceOf`); every other field is the property of the same name (`AlertView.from`).
 */
export const alertColumns = (em: EntityManager, info: GraphQLResolveInfo) =>
  pageColumns(em, Alert, info, { source: ['check', 'sourceName', 'subject'] });

@ArgsType()
export class AlertsArgs extends PageArgs {
  @Field(() => AlertStatusEnum, { nullable: true })
  status?: AlertStatusEnum | null;

  @Field(() => ID, { nullable: true, description: "Alerts of one monitor or journey (another organization's id: none)." })
  checkId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Alerts opened at or after this instant.' })
  since?: Date | null;
}
