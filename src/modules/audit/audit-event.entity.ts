import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { newId } from '../common/ids';

/** One security-relevant change: who (member, key or system, and address) did what to which object, and when. Never a secret. */
@Entity({ tableName: 'audit_events' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
export class AuditEvent {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('aud');

  /**
   * Its organization, named by entity name rather than class: every module records audit events (the organization
   * module its renames), so the audit module imports none of them. The column and its foreign key are the same.
   */
  @ManyToOne('Organization', { ref: true, deleteRule: 'cascade' })
  organization!: Ref<{ id: string }>;

  /** One of AUDIT_ACTIONS, e.g. `api_key.created`. */
  @Property({ type: 'string', length: 40 })
  action!: string;

  /** Who did it: the member (`mem_…`), the key (`key_…`), or `cli` / `bootstrap` (the actor's id). */
  @Property({ type: 'string', length: 24 })
  actorKeyId!: string;

  /** MEMBER, API_KEY or SYSTEM (ActorType). */
  @Property({ type: 'string', length: 8 })
  actorType!: string;

  /** The actor's name when it acted: it stays readable after the member is removed or the key renamed or revoked. */
  @Property({ type: 'string', length: 254 })
  actorName!: string;

  /** The id of the object changed (`key_…`, `mon_…`, `mem_…`, `alr_…`). */
  @Property({ type: 'string', length: 64 })
  target!: string;

  /** The client address of the request; null for the CLI. */
  @Property({ type: 'string', length: 64, nullable: true })
  ip: string | null = null;

  /** For `*.updated`: the names of the fields the update changed (never their values). */
  @Property({ type: 'json', nullable: true })
  changedFields: string[] | null = null;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt!: Date;
}
