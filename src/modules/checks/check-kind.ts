import type { EntityClass } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';
import type { Scope } from '../../authorization/scopes';
import type { ListSize } from '../common/list-size';
import type { CheckAllowance } from '../billing/plans';
import type { CheckOptions, CheckOutcome } from './check-runner';
import type { SecretBox } from './secret-box';
import type { ScheduledCheck } from './scheduled-check';
import type { RetryPolicy } from './retry';

/** What every kind's entity has: the schedule and status of ScheduledCheck, an id and a name. */
export type CheckEntity = ScheduledCheck & { id: string; name: string };

/** What running a check needs besides the check: the HTTP client's rules, the credentials' box, the bounds. */
export interface ProbeContext {
  options: CheckOptions;
  secrets: SecretBox;
  /** JOURNEY_MAX_DURATION_MS: the longest one run of a multi-request check may take. */
  journeyMaxDurationMs: number;
}

/**
 * One kind of check (a monitor, a journey, …) as data: where it is stored, what it is called on each surface, which
 * scopes guard it, how long it may run and how it is run. Everything that used to ask "monitor or journey?" asks the
 * kind instead (kinds/registry.ts lists them), so a new kind is its own folder plus its line in the registry (and
 * in kinds/apis.ts, which lists its service and resolvers).
 */
export interface CheckKind<E extends CheckEntity = CheckEntity> {
  /** The job's and the run's word for it (`CheckJob.kind`, `Run.kind`); also its audit events' prefix (`monitor.run`). */
  readonly name: string;
  /** Its table, and its plural on the API unless `plural` says otherwise: its list query and its REST path (`/v1/monitors`). */
  readonly table: string;
  /**
   * Its plural on the API when the table's name is not one (`tcp_monitors`): its list query (`tcpMonitors`) and, in
   * kebab case, its REST path (`/v1/tcp-monitors`). See `apiPlural`.
   */
  readonly plural?: string;
  /** The plan allowance it counts against (billing/plans.ts): its own, or the monitors' for a kind without one. */
  readonly allowance: CheckAllowance;
  readonly entity: EntityClass<E>;
  /** Its ids start with this and an underscore (`mon_…`). */
  readonly idPrefix: string;
  /** In words, capitalised: NOT_FOUND's subject ("Monitor not found"). */
  readonly label: string;
  /** Its value of the GraphQL enums that tell kinds apart (`AlertSourceKind`, `CheckType`). */
  readonly enumValue: string;
  /** Its GraphQL object type (`Monitor`; its list's is `MonitorConnection`). */
  readonly typeName: string;
  /** The GraphQL object type of its runs (the `Run` interface resolves to it). */
  readonly runType: string;
  /**
   * The sizes of the list fields of its own GraphQL types and its runs' (`Monitor.headers`), for the cost of a
   * document: the ones every kind has (locations, tags, recentRuns, series, its connections) are in
   * authorization/list-sizes.ts. The schema build fails on a list field without a size.
   */
  readonly listSizes: Readonly<Record<string, ListSize>>;
  /**
   * What its run type shows besides the `Run` interface's fields and the check's id (`monitorId`): one field, its
   * GraphQL type and its value from what the run recorded (`assertions` of a monitor, `steps` of a journey). The runs
   * module builds the run type from it (runs/run.types.ts).
   */
  readonly runDetail: {
    field: string;
    type: () => ClassType | [ClassType];
    value(run: Pick<CheckOutcome, 'assertions' | 'steps' | 'ping' | 'detail'>): unknown;
    /** The run's stored properties it reads, for a list page's selection (runs/run.types.ts); default its own name. */
    reads?: readonly string[];
  };
  readonly scopes: { read: Scope; write: Scope; run: Scope };
  /** The stored column holding its sealed credential headers, resealed by its first run if still in clear. */
  readonly credentials: { column: string; hasPlaintext(check: E, secrets: SecretBox): boolean; reseal(check: E, secrets: SecretBox): unknown };
  /** The longest one run may take (ms): the lease of its job and how long a manual run is waited for. */
  totalTimeoutMs(check: E, journeyMaxDurationMs: number): number;
  /** The same as a SQL expression over its row aliased `t`, for the scheduler's claiming statement. */
  totalTimeoutSql(journeyMaxDurationMs: number): string;
  /** Its checks are pushed (pings), not run on a schedule: the slot scheduler never claims them. */
  readonly pushed?: boolean;
  /** Runs it once for real (the probe). */
  probe(check: E, context: ProbeContext): Promise<CheckOutcome>;
  /**
   * Opt-in behaviours the run path applies to every kind alike (a kind without them has none): its retry policy
   * (checks/retry.ts: a failed attempt is tried again in the slot; `totalTimeoutMs` and `totalTimeoutSql` must count
   * the retries, retryBudgetMs/retryBudgetSql), the response time above which a passing run is DEGRADED
   * (checks/degraded.ts), and how many days before its certificate expires an HTTPS run opens a
   * TLS_CERTIFICATE_EXPIRING alert (alerts/tls-expiry-rule.ts). Each answers null when the check does not use it.
   */
  retryPolicy?(check: E): RetryPolicy | null;
  degradedAfterMs?(check: E): number | null;
  tlsExpiryWarningDays?(check: E): number | null;
  /** Its page in the dashboard, if it has one that notifications link to (`#/monitors/<id>`). */
  readonly notificationPage: string | null;
}

/** A kind's list query (`monitors`, `tcpMonitors`): its `plural`, else its table. */
export const apiPlural = (kind: { table: string; plural?: string }): string => kind.plural ?? kind.table;

/** A kind's REST path segment (`monitors`, `tcp-monitors`). */
export const restPlural = (kind: { table: string; plural?: string }): string => apiPlural(kind).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
