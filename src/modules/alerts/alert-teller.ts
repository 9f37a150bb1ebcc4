import type { EntityManager } from '@mikro-orm/postgresql';

export type AlertEventName = 'ALERT_OPENED' | 'ALERT_ACKNOWLEDGED' | 'ALERT_RESOLVED';

/** The columns of an alert that notifications carry, as `returning` gives them. */
export interface AlertRow {
  id: string;
  organization_id: string;
  subject: string | null;
  cause: string;
  /** CHECK_FAILED, TLS_CERTIFICATE_EXPIRING or QUOTA_EXHAUSTED. */
  cause_code: string;
  status: string;
  locations: string[];
  opened_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by_name: string | null;
  resolved_at: Date | null;
  resolved_by_name: string | null;
}

export interface CheckRef {
  id: string;
  name: string;
  /** Its kind's enum value (`MONITOR`). */
  kind: string;
}

export interface AlertTelling {
  event: AlertEventName;
  alert: AlertRow;
  check: CheckRef | null;
  /** The webhook's `data` of the event. */
  data: Record<string, unknown>;
  at: Date;
  /** The check is under maintenance at `at`: nothing but a resolution is sent (the timeline still records it). */
  maintenance: boolean;
  /** ALERT_OPENED: the check's escalation policy, if it names one. */
  policyId?: string | null;
}

/**
 * Who tells the channels about an alert's changes, in the transaction of the change (escalation/alert-escalation.ts:
 * escalation policies, reminders and the timeline). Without one, AlertService emits to the subscribed channels.
 */
export interface AlertTeller {
  tell(em: EntityManager, telling: AlertTelling): Promise<void>;
}

/**
 * Told when a check's CHECK_FAILED alert opens (once per alert, not for each later failing location), in the
 * transaction that opens it: status pages open their draft incidents (status-pages/incident.service.ts). Set once at
 * wiring, after the services that listen exist.
 */
export type AlertOpened = (em: EntityManager, alert: AlertRow, check: CheckRef) => Promise<void>;

/** An alert resolved (by the rule or by a principal), in the transaction that resolves it. */
export type AlertResolved = (em: EntityManager, alert: AlertRow) => Promise<void>;

/** Who else hears alerts open and resolve, in their transactions (status pages' draft incidents). */
export interface AlertHooks {
  opened: AlertOpened | null;
  resolved: AlertResolved | null;
}
