/**
 * Who did something, as keys (`ApiKey.createdBy`) and the audit log (`AuditEvent.actor`) record it: a member signed
 * in with a session, an API key, or the system (the CLI or the first-start bootstrap, run by a local administrator).
 * The name is the one the actor had when it acted, so a removed member or a revoked key still reads as who it was.
 */
export type ActorType = 'MEMBER' | 'API_KEY' | 'SYSTEM';

export interface ActorRef {
  type: ActorType;
  /** `mem_…`, `key_…`, or for SYSTEM `cli` / `bootstrap`. */
  id: string;
  /** The member's name (its email when it has none), the key's name, or `cli` / `bootstrap`. */
  name: string;
}

/**
 * The local administrator's actors (commands of the CLI, the key made at first start), `pagerduty`: a signed
 * PagerDuty webhook acknowledging or resolving an alert (its name says who in PagerDuty, and through which channel),
 * `link`: an alert's one-click acknowledge link, and `dns-recheck`: the worker's daily re-check of verified domains
 * (domains/domain-recheck.ts) making one PENDING again.
 */
export const SYSTEM_ACTORS = ['cli', 'bootstrap', 'pagerduty', 'link', 'dns-recheck'] as const;
export type SystemActor = (typeof SYSTEM_ACTORS)[number];

export const systemActor = (id: SystemActor): ActorRef => ({ type: 'SYSTEM', id, name: id });

/**
 * The kind of actor an id names. Ids carry their kind in their prefix (docs/explanation/architecture.md), so the
 * kind is never stored apart from the id it describes by mistake. Anything else is a programming error: thrown,
 * so the change it would describe is not written either.
 */
export function actorTypeOf(id: string): ActorType {
  if (id.startsWith('mem_')) return 'MEMBER';
  if (id.startsWith('key_')) return 'API_KEY';
  if ((SYSTEM_ACTORS as readonly string[]).includes(id)) return 'SYSTEM';
  throw new Error(`not an actor id: ${id.slice(0, 24)}`);
}
