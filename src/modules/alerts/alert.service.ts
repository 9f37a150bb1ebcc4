import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { conflict, notFound } from '../../errors';
import { paginate, type Page, type PageArgs, type PageColumns } from '../common/pagination';
import { newId } from '../common/ids';
import { audit, type Actor } from '../audit/audit';
import { Alert, type AlertStatus } from './alert.entity';
import { alertCheck } from './alert-check';
import type { AlertDecision } from './alert-rule';
import { TLS_CERTIFICATE_EXPIRING, type TlsExpiryDecision } from './tls-expiry-rule';
import type { Notifier } from '../notifications/notifier';
import { underMaintenance } from '../maintenance/under-maintenance';
import { checkKind, type CheckKindName } from '../checks/kinds/registry';
import type { LivePublisher } from '../common/live-events';
import type { AlertHooks, AlertRow, AlertTeller, CheckRef } from './alert-teller';

/** The check an alert is about. */
export interface AlertSource {
  kind: CheckKindName;
  id: string;
  organizationId: string;
  name: string;
}

/**
 * Check alerts: opened, renamed and resolved as the rule decides (alert-rule.ts), in the transaction that records the
 * run (runs/run-recorder.ts, which holds the check's lock, so runs finishing at the same time in two locations are
 * applied one after the other); acknowledged and resolved by a key. With the organization's quota alert
 * (quota-alert.ts), the alerts module is the one writer of the alerts table. A partial unique index keeps one
 * unresolved alert per check.
 */
export class AlertService {
  constructor(
    private readonly now: () => Date,
    /** Alerts opening, acknowledged and resolved are told to the organization's channels (issue 13). */
    private readonly notifier?: Notifier,
    /** Where an alert opening or resolving is said, at info, for the operator. */
    private readonly log?: Pick<FastifyBaseLogger, 'info'>,
    /** Every change is told to `alertChanged` subscribers too (live/), maintenance or not, on commit. */
    private readonly live?: LivePublisher,
    /** Escalation policies, reminders and the timeline (escalation/): when set, it tells the channels instead. */
    private readonly teller?: AlertTeller,
    /** Told of a CHECK_FAILED alert opening, and of any alert resolving, in its transaction (status pages' draft incidents). */
    private readonly hooks: AlertHooks = { opened: null, resolved: null },
  ) {}

  /**
   * Is the check in one of its organization's maintenance windows at `at`? The condition is `underMaintenance`
   * (maintenance/under-maintenance.ts), which the rollup write shares. While it is, no alert opens and no opening
   * or acknowledgement is sent for the check (an alert already open stays open, and its resolution is sent).
   */
  async underMaintenance(em: EntityManager, organizationId: string, checkId: string, at: Date): Promise<boolean> {
    const rule = underMaintenance(organizationId, checkId, at);
    const [row] = await em.execute<{ under: boolean }[]>(`select ${rule.sql} as under`, rule.params as never[]);
    return row.under;
  }

  /**
   * Tells the channels about an alert of a check (in `em`'s transaction). Openings and acknowledgements are not sent
   * while the check is under maintenance (`maintenance`, when the caller knows it already); a resolution always is:
   * no alert opens during a window, so its opening was told, and an incident must close where it was opened.
   */
  private async notify(
    em: EntityManager,
    event: 'ALERT_OPENED' | 'ALERT_ACKNOWLEDGED' | 'ALERT_RESOLVED',
    alert: AlertRow,
    check: CheckRef | null,
    at: Date,
    maintenance?: boolean,
    extra: { policyId?: string | null } = {},
  ): Promise<void> {
    const change = event === 'ALERT_OPENED' ? 'OPENED' : event === 'ALERT_ACKNOWLEDGED' ? 'ACKNOWLEDGED' : 'RESOLVED';
    // Every resolution passes here (the rule's, a principal's, a certificate's): drafts it opened are withdrawn.
    if (event === 'ALERT_RESOLVED') await this.hooks.resolved?.(em, alert);
    await this.live?.publish(em, [{ type: 'alert', org: alert.organization_id, alert: alert.id, change, at: at.getTime() }]);
    if (event !== 'ALERT_ACKNOWLEDGED')
      this.log?.info({ alertId: alert.id, organizationId: alert.organization_id, checkId: check?.id, locations: alert.locations }, event === 'ALERT_OPENED' ? 'alert opened' : 'alert resolved');
    if (!this.notifier && !this.teller) return;
    const paused = event !== 'ALERT_RESOLVED' && !!check && (maintenance ?? (await this.underMaintenance(em, alert.organization_id, check.id, at)));
    if (this.teller) return this.teller.tell(em, { event, alert, check, data: alertData(alert, check), at, maintenance: paused, ...extra });
    if (paused) return;
    await this.notifier!.emit(em, { organizationId: alert.organization_id, event, checkId: check?.id ?? null, data: alertData(alert, check) });
  }

  /** Applies the rule's decision about a check's alert for a run finished at `at`, in the recording transaction. */
  async apply(em: EntityManager, source: AlertSource, decision: AlertDecision, at: Date): Promise<void> {
    const kind = checkKind(source.kind);
    const sql = <T extends object[] = object[]>(text: string, params: unknown[]) => em.execute<T>(text, params as never[]);
    const check: CheckRef = { id: source.id, name: source.name, kind: kind.enumValue };
    if (decision.action === 'open') {
      const [row] = await sql<(AlertRow & { inserted: boolean })[]>(
        `insert into alerts (id, organization_id, check_id, source_name, cause, status, opened_at, locations)
         values (?, ?, ?, ?, ?, 'OPEN', ?, ?::text[])
         on conflict (check_id, cause_code) where status <> 'RESOLVED' do update set locations = excluded.locations
         returning ${ALERT_COLUMNS}, (xmax = 0) as inserted`,
        [newId('alr'), source.organizationId, source.id, source.name, decision.cause, at, `{${decision.failing.join(',')}}`],
      );
      // The rule opened it outside any window.
      if (row?.inserted) {
        await this.notify(em, 'ALERT_OPENED', row, check, at, false, { policyId: await this.policyOf(em, source) });
        if (row.cause_code === 'CHECK_FAILED') await this.hooks.opened?.(em, row, check);
      }
    } else if (decision.action === 'resolve') {
      const resolved = await sql<AlertRow[]>(
        `update alerts set status = 'RESOLVED', resolved_at = ?, resolved_by = 'system', resolved_by_name = 'system'
          where check_id = ? and cause_code = 'CHECK_FAILED' and status <> 'RESOLVED' returning ${ALERT_COLUMNS}`,
        [at, source.id],
      );
      for (const row of resolved) await this.notify(em, 'ALERT_RESOLVED', row, check, at);
    } else {
      await sql(`update alerts set locations = ?::text[] where check_id = ? and cause_code = 'CHECK_FAILED' and status <> 'RESOLVED'`, [
        `{${decision.failing.join(',')}}`,
        source.id,
      ]);
    }
  }

  /**
   * Applies the certificate rule's decision (tls-expiry-rule.ts) to the check's TLS_CERTIFICATE_EXPIRING alert, in
   * the recording transaction: opened once (told to the channels as ALERT_OPENED), its cause kept current with the
   * days left while open, resolved by a run that sees a renewed certificate. Independent of the failure alert.
   */
  async applyTls(em: EntityManager, source: AlertSource, decision: TlsExpiryDecision, location: string, at: Date): Promise<void> {
    if (decision.action === 'none') return;
    const sql = <T extends object[] = object[]>(text: string, params: unknown[]) => em.execute<T>(text, params as never[]);
    const check: CheckRef = { id: source.id, name: source.name, kind: checkKind(source.kind).enumValue };
    if (decision.action === 'open') {
      const [row] = await sql<(AlertRow & { inserted: boolean })[]>(
        `insert into alerts (id, organization_id, check_id, source_name, cause, cause_code, status, opened_at, locations)
         values (?, ?, ?, ?, ?, '${TLS_CERTIFICATE_EXPIRING}', 'OPEN', ?, ?::text[])
         on conflict (check_id, cause_code) where status <> 'RESOLVED' do update set cause = excluded.cause
         returning ${ALERT_COLUMNS}, (xmax = 0) as inserted`,
        [newId('alr'), source.organizationId, source.id, source.name, decision.cause, at, `{${location}}`],
      );
      if (row?.inserted) await this.notify(em, 'ALERT_OPENED', row, check, at, false, { policyId: await this.policyOf(em, source) });
      return;
    }
    const resolved = await sql<AlertRow[]>(
      `update alerts set status = 'RESOLVED', resolved_at = ?, resolved_by = 'system', resolved_by_name = 'system'
        where check_id = ? and cause_code = '${TLS_CERTIFICATE_EXPIRING}' and status <> 'RESOLVED' returning ${ALERT_COLUMNS}`,
      [at, source.id],
    );
    for (const row of resolved) await this.notify(em, 'ALERT_RESOLVED', row, check, at);
  }

  /**
   * A check just became DEGRADED (a passing run slower than its degradedResponseTimeMs): CHECK_DEGRADED goes to the
   * channels that chose it, unless the check is in a maintenance window. Not an alert: nothing to acknowledge.
   */
  async degraded(em: EntityManager, source: AlertSource, run: { id: string; location: string; responseTimeMs: number; thresholdMs: number }, at: Date, maintenance: boolean): Promise<void> {
    if (!this.notifier || maintenance) return;
    await this.notifier.emit(em, {
      organizationId: source.organizationId,
      event: 'CHECK_DEGRADED',
      checkId: source.id,
      data: {
        check: { id: source.id, name: source.name, kind: checkKind(source.kind).enumValue },
        run: { id: run.id, location: run.location, responseTimeMs: run.responseTimeMs, degradedResponseTimeMs: run.thresholdMs },
        locations: [run.location],
        at: at.toISOString(),
      },
    });
  }

  /** The escalation policy the check names (`escalationPolicyId`, a column of every kind's table), if any. */
  private async policyOf(em: EntityManager, source: AlertSource): Promise<string | null> {
    if (!this.teller) return null;
    const table = em.getMetadata().get(checkKind(source.kind).entity).tableName;
    const [row] = await em.execute<{ escalation_policy_id: string | null }[]>(`select escalation_policy_id from "${table}" where id = ?`, [source.id]);
    return row?.escalation_policy_id ?? null;
  }

  /** A page of the organization's alerts; with `columns`, only those properties are read (see `paginate`). */
  list(
    em: EntityManager,
    organizationId: string,
    args: PageArgs & { status?: AlertStatus | null; checkId?: string | null; since?: Date | null },
    columns?: PageColumns,
  ): Promise<Page<Alert>> {
    const where = {
      organization: organizationId,
      ...(args.status ? { status: args.status } : {}),
      // Any kind's check: `check_id = ?`, off the (check_id, opened_at, id) index.
      ...(args.checkId ? { check: args.checkId } : {}),
      ...(args.since ? { openedAt: { $gte: args.since } } : {}),
    };
    return paginate(em, Alert, where, 'openedAt', args, columns);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<Alert> {
    const alert = await em.findOne(Alert, { id, organization: organizationId });
    if (!alert) throw notFound('Alert');
    return alert;
  }

  /** OPEN → ACKNOWLEDGED (again: unchanged). A resolved alert cannot be acknowledged: CONFLICT. */
  async acknowledge(em: EntityManager, actor: Actor, id: string): Promise<Alert> {
    return em.transactional(async (tx) => (await this.acknowledgeIn(tx, actor, id)).alert);
  }

  /**
   * Acknowledges in `tx` (the caller's transaction: the one-click link's, which also spends its token). Answers the
   * alert and whether this call changed it (false: it was acknowledged already).
   */
  async acknowledgeIn(tx: EntityManager, actor: Actor, id: string): Promise<{ alert: Alert; changed: boolean }> {
    const alert = await this.get(tx, actor.organizationId, id);
    if (alert.status === 'RESOLVED') throw conflict('The alert is already resolved');
    if (alert.status !== 'OPEN') return { alert, changed: false };
    const changed = await tx.nativeUpdate(
      Alert,
      { id, status: 'OPEN' },
      { status: 'ACKNOWLEDGED', acknowledgedAt: this.now(), acknowledgedBy: actor.keyId, acknowledgedByName: actor.name.slice(0, 100) },
    );
    if (!changed) return { alert: await this.acknowledgeRaced(tx, actor, id), changed: false };
    audit(tx, actor, 'alert.acknowledged', id, this.now());
    await tx.refresh(alert);
    await this.notify(tx, 'ALERT_ACKNOWLEDGED', rowOf(alert), checkOf(alert), this.now());
    return { alert, changed: true };
  }

  /** OPEN or ACKNOWLEDGED → RESOLVED by this key. Resolving twice: CONFLICT. */
  async resolve(em: EntityManager, actor: Actor, id: string): Promise<Alert> {
    return em.transactional(async (tx) => {
      const alert = await this.get(tx, actor.organizationId, id);
      const changed = await tx.nativeUpdate(
        Alert,
        { id, organization: actor.organizationId, status: { $ne: 'RESOLVED' } },
        { status: 'RESOLVED', resolvedAt: this.now(), resolvedBy: actor.keyId, resolvedByName: actor.name },
      );
      if (!changed) throw conflict('The alert is already resolved');
      audit(tx, actor, 'alert.resolved', id, this.now());
      await tx.refresh(alert);
      await this.notify(tx, 'ALERT_RESOLVED', rowOf(alert), checkOf(alert), this.now());
      return alert;
    });
  }

  private async acknowledgeRaced(em: EntityManager, actor: Actor, id: string): Promise<Alert> {
    const fresh = await em.refresh(await this.get(em, actor.organizationId, id));
    if (!fresh || fresh.status === 'RESOLVED') throw conflict('The alert is already resolved');
    return fresh;
  }
}

/** The columns of an alert that notifications carry, as `returning` gives them. */
const ALERT_COLUMNS = 'id, organization_id, subject, cause, cause_code, status, locations, opened_at, acknowledged_at, acknowledged_by_name, resolved_at, resolved_by_name';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The webhook's `data` of an alert event: the alert, its check (id, name, kind) and the failing locations. */
export function alertData(a: AlertRow, check: CheckRef | null): Record<string, unknown> {
  return {
    alert: {
      id: a.id,
      status: a.status,
      cause: a.cause,
      causeCode: a.cause_code,
      subject: a.subject,
      openedAt: iso(a.opened_at),
      acknowledgedAt: iso(a.acknowledged_at),
      acknowledgedBy: a.acknowledged_by_name,
      resolvedAt: iso(a.resolved_at),
      resolvedBy: a.resolved_by_name,
    },
    check,
    locations: a.locations ?? [],
  };
}

function rowOf(a: Alert): AlertRow {
  return {
    id: a.id,
    organization_id: a.organization.id,
    subject: a.subject,
    cause: a.cause,
    cause_code: a.causeCode,
    status: a.status,
    locations: a.locations,
    opened_at: a.openedAt,
    acknowledged_at: a.acknowledgedAt,
    acknowledged_by_name: a.acknowledgedByName,
    resolved_at: a.resolvedAt,
    resolved_by_name: a.resolvedByName,
  };
}

function checkOf(a: Alert): CheckRef | null {
  const check = alertCheck(a);
  return check ? { id: check.id, name: a.sourceName, kind: check.kind.enumValue } : null;
}
