import type { EntityManager } from '@mikro-orm/postgresql';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { AuditEvent } from './audit-event.entity';
import { randomBase62 } from '../common/base62';
import { actorTypeOf, type SystemActor } from './actor';

/** Every action the audit log records. Adding one here is the whole change: the GraphQL filter validates against it. */
export const AUDIT_ACTIONS = [
  'api_key.created',
  'api_key.revoked',
  'api_key.rotated',
  'organization.updated',
  'member.invited',
  'member.removed',
  'member.role_changed',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.recovery_code_used',
  'member.signed_in',
  'member.sign_in_failed',
  'member.signed_out',
  'member.password_changed',
  'member.joined_by_sso',
  'sso_connection.created',
  'sso_domain.verified',
  'sso_domain.unverified',
  'sso_connection.deleted',
  'session.revoked',
  'invitation.revoked',
  'invitation.accepted',
  'monitor.created',
  'monitor.updated',
  'monitor.paused',
  'monitor.resumed',
  'monitor.deleted',
  'monitor.run',
  'journey.created',
  'journey.updated',
  'journey.paused',
  'journey.resumed',
  'journey.deleted',
  'journey.run',
  'heartbeat.created',
  'heartbeat.updated',
  'heartbeat.paused',
  'heartbeat.resumed',
  'heartbeat.deleted',
  'heartbeat.run',
  'heartbeat.token_rotated',
  'tcpMonitor.created',
  'tcpMonitor.updated',
  'tcpMonitor.paused',
  'tcpMonitor.resumed',
  'tcpMonitor.deleted',
  'tcpMonitor.run',
  'dnsMonitor.created',
  'dnsMonitor.updated',
  'dnsMonitor.paused',
  'dnsMonitor.resumed',
  'dnsMonitor.deleted',
  'dnsMonitor.run',
  'check_session.triggered',
  'alert.acknowledged',
  'alert.resolved',
  'notification_channel.created',
  'notification_channel.updated',
  'notification_channel.deleted',
  'notification_channel.tested',
  'maintenance_window.created',
  'maintenance_window.deleted',
  'escalation_policy.created',
  'escalation_policy.updated',
  'escalation_policy.deleted',
  'status_page.created',
  'status_page.updated',
  'status_page.deleted',
  'status_page.domain_verified',
  'status_page.domain_unverified',
  'incident.created',
  'incident.updated',
  'incident.published',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Who is acting (a member, a key, or the system: ActorRef) in which organization, from which client address. Its
 * kind is read from the id's prefix (actorTypeOf).
 */
export interface Actor {
  /** The actor's id (`mem_…`, `key_…`, `cli`, `bootstrap`); named keyId since keys were the only callers once. */
  keyId: string;
  organizationId: string;
  /** The member's or key's name, shown on alerts it acknowledges or resolves and kept on its audit events. */
  name: string;
  ip: string | null;
}

/** The CLI or the first-start bootstrap acting on an organization: no client address. */
export const systemActorOf = (organizationId: string, id: SystemActor): Actor => ({ keyId: id, organizationId, name: id, ip: null });

/**
 * Adds an audit event to the unit of work of `em`: it is written by the same flush (or transaction) as the change
 * it describes, so a change is never stored without its event, nor an event without its change.
 * `changedFields` names what an update changed, never a value.
 */
export function audit(em: EntityManager, actor: Actor, action: AuditAction, target: string, at: Date, changedFields: string[] | null = null): void {
  em.persist(
    em.create(AuditEvent, {
      id: nextAuditId(),
      organization: actor.organizationId,
      action,
      actorKeyId: actor.keyId,
      actorType: actorTypeOf(actor.keyId),
      // Cut to the column (an email used as a member's name can be 254 characters): a name, never a secret.
      actorName: actor.name.slice(0, 254),
      target,
      ip: actor.ip,
      changedFields,
      createdAt: at,
    }),
  );
}

/**
 * The names in `before` whose value differs in `after`, compared as JSON with sorted keys (PostgreSQL's jsonb
 * reorders object keys, so a stored value and the same value from an input differ only in order).
 */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return Object.keys(before).filter((name) => canonical(before[name]) !== canonical(after[name]));
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/** The organization's events, newest first, optionally of one action or one acting key. */
export function listAuditEvents(
  em: EntityManager,
  organizationId: string,
  args: PageArgs & { action?: string | null; keyId?: string | null },
): Promise<Page<AuditEvent>> {
  const where = {
    organization: organizationId,
    ...(args.action ? { action: args.action } : {}),
    ...(args.keyId ? { actorKeyId: args.keyId } : {}),
  };
  return paginate(em, AuditEvent, where, 'createdAt', args);
}

let lastMs = 0;
let sequence = 0;
/**
 * `aud_` + time + sequence + random: ids sort in the order this process recorded the events, so events of one
 * request (a roll writes two in the same millisecond) list in the order they happened.
 */
function nextAuditId(): string {
  const ms = Date.now();
  sequence = ms === lastMs ? sequence + 1 : 0;
  lastMs = ms;
  return `aud_${ms.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(3, '0')}${randomBase62(4)}`;
}
