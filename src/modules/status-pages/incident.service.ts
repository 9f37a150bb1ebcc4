import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, notFound, type FieldError } from '../../errors';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { audit, type Actor } from '../audit/audit';
import { Organization } from '../organization/organization.entity';
import { Incident, IncidentUpdate, StatusComponent, StatusPage, statusId, type IncidentImpact, type IncidentStatus } from './status-page.entity';
import { textErrors, type PageChanged } from './status-page.service';

export interface IncidentInput {
  statusPageId: string;
  title: string;
  impact: IncidentImpact;
  status: IncidentStatus;
  message: string;
  componentIds?: string[] | null;
}

export interface IncidentUpdateInput {
  incidentId: string;
  status: IncidentStatus;
  message: string;
  /** A new impact, if it changed. */
  impact?: IncidentImpact | null;
}

/** Told after an incident or update committed: subscribers are sent it (subscribers.ts). */
export type IncidentPosted = (em: EntityManager, incident: Incident, update: IncidentUpdate, kind: 'created' | 'updated' | 'resolved') => Promise<void>;

const MESSAGE_MAX = 5000;
/** Updates one incident may have (its list is answered whole). */
export const MAX_UPDATES = 100;

/** Incidents of a page: each is created with its first update; every later update may change its status. */
export class IncidentService {
  constructor(
    private readonly now: () => Date,
    private readonly changed: PageChanged,
    private readonly posted: { hook: IncidentPosted | null } = { hook: null },
  ) {}

  list(em: EntityManager, organizationId: string, statusPageId: string, args: PageArgs): Promise<Page<Incident>> {
    return paginate(em, Incident, { organization: organizationId, page: statusPageId }, 'createdAt', args);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<Incident> {
    const incident = await em.findOne(Incident, { id, organization: organizationId });
    if (!incident) throw notFound('Incident');
    return incident;
  }

  /** Updates of these incidents, oldest first, by incident. */
  async updatesOf(em: EntityManager, incidentIds: readonly string[]): Promise<Map<string, IncidentUpdate[]>> {
    const out = new Map<string, IncidentUpdate[]>(incidentIds.map((id) => [id, []]));
    if (!incidentIds.length) return out;
    for (const u of await em.find(IncidentUpdate, { incident: { $in: [...incidentIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } }))
      out.get(u.incident.id)?.push(u);
    return out;
  }

  async create(em: EntityManager, actor: Actor, input: IncidentInput): Promise<Incident> {
    const page = await em.findOne(StatusPage, { id: input.statusPageId, organization: actor.organizationId });
    if (!page) throw notFound('Status page');
    const componentIds = [...new Set(input.componentIds ?? [])];
    const errors = this.inputErrors(input);
    if (componentIds.length) {
      const known = new Set((await em.find(StatusComponent, { page: page.id, id: { $in: componentIds } }, { fields: ['id'] })).map((c) => c.id));
      const unknown = componentIds.filter((id) => !known.has(id));
      if (unknown.length) errors.push({ field: 'componentIds', message: `no component ${unknown.join(', ')} on this page` });
    }
    if (errors.length) throw badInput(errors);
    const now = this.now();
    const { incident } = await em.transactional(async (tx) => {
      const incident = tx.create(Incident, {
        page: tx.getReference(StatusPage, page.id),
        organization: tx.getReference(Organization, actor.organizationId),
        title: input.title.trim(),
        impact: input.impact,
        status: input.status,
        componentIds,
        createdAt: now,
        updatedAt: now,
        resolvedAt: input.status === 'RESOLVED' ? now : null,
        published: true,
      });
      const update = tx.create(IncidentUpdate, { incident, organization: incident.organization, status: input.status, message: input.message.trim(), createdAt: now });
      audit(tx, actor, 'incident.created', incident.id, now);
      // The subscribers' deliveries commit with the incident: no incident that nobody heard of, no news of none.
      await this.posted.hook?.(tx, incident, update, input.status === 'RESOLVED' ? 'resolved' : 'created');
      return { incident, update };
    });
    this.changed(actor.organizationId);
    return incident;
  }

  async addUpdate(em: EntityManager, actor: Actor, input: IncidentUpdateInput): Promise<Incident> {
    const incident = await this.get(em, actor.organizationId, input.incidentId);
    const errors = [...textErrors('message', input.message, MESSAGE_MAX)];
    if (errors.length) throw badInput(errors);
    const now = this.now();
    const wasResolved = incident.status === 'RESOLVED';
    const { i: updated } = await em.transactional(async (tx) => {
      // Locked: concurrent updates are counted one after another.
      const i = await tx.findOne(Incident, { id: incident.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Gone since it was read: a draft withdrawn by its alert's resolution in between.
      if (!i) throw notFound('Incident');
      if ((await tx.count(IncidentUpdate, { incident: i.id })) >= MAX_UPDATES) throw conflict(`The incident has ${MAX_UPDATES} updates, the most it may have; open a new incident`);
      i.status = input.status;
      if (input.impact) i.impact = input.impact;
      i.updatedAt = now;
      i.resolvedAt = input.status === 'RESOLVED' ? (i.resolvedAt ?? now) : null;
      const update = tx.create(IncidentUpdate, { incident: i, organization: i.organization, status: input.status, message: input.message.trim(), createdAt: now });
      audit(tx, actor, 'incident.updated', i.id, now);
      // A draft's updates are nobody's news yet: publishing sends the incident as it then stands.
      if (i.published) await this.posted.hook?.(tx, i, update, input.status === 'RESOLVED' && !wasResolved ? 'resolved' : 'updated');
      return { i, update };
    });
    this.changed(actor.organizationId);
    return updated;
  }

  /**
   * Publishes a draft: from now on the public page shows it and its subscribers are sent it, this once as created
   * (with its latest update). Publishing a published incident changes nothing and sends nothing.
   */
  async publish(em: EntityManager, actor: Actor, id: string): Promise<Incident> {
    await this.get(em, actor.organizationId, id);
    const now = this.now();
    const { i: published, changed } = await em.transactional(async (tx) => {
      // Locked: two publications at once send one notice.
      const i = await tx.findOne(Incident, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Gone since it was read: a draft withdrawn by its alert's resolution in between.
      if (!i) throw notFound('Incident');
      if (i.published) return { i, changed: false };
      i.published = true;
      i.updatedAt = now;
      const latest = (await tx.find(IncidentUpdate, { incident: i.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 1 }))[0];
      audit(tx, actor, 'incident.published', i.id, now);
      await tx.flush();
      await this.posted.hook?.(tx, i, latest, 'created');
      return { i, changed: true };
    });
    if (changed) this.changed(actor.organizationId);
    return published;
  }

  /**
   * A CHECK_FAILED alert opened on `checkId` (in `em`'s transaction, the one opening it): every component naming the
   * check with `autoDraftIncident` gets a draft incident, one per component and alert (a unique index: a second call
   * for the same alert adds nothing). Its texts name the component only, never the check or its error.
   */
  async draftFor(em: EntityManager, alert: { id: string; organization_id: string; opened_at: Date }, checkId: string): Promise<void> {
    const sql = <T extends object[] = object[]>(text: string, params: unknown[]) => em.execute<T>(text, params as never[]);
    const components = await sql<{ id: string; page_id: string; name: string }[]>(
      `select id, page_id, name from status_components where organization_id = ? and auto_draft_incident and ? = any(check_ids) order by page_id, position`,
      [alert.organization_id, checkId],
    );
    const at = new Date(alert.opened_at);
    for (const c of components) {
      const [row] = await sql<{ id: string }[]>(
        `insert into status_incidents (id, page_id, organization_id, title, impact, status, component_ids, created_at, updated_at, published, alert_id)
         values (?, ?, ?, ?, 'MAJOR', 'INVESTIGATING', ?::text[], ?, ?, false, ?)
         on conflict do nothing returning id`,
        [statusId('inc'), c.page_id, alert.organization_id, `${c.name}: investigating a problem`.slice(0, 200), `{${c.id}}`, at, at, alert.id],
      );
      if (!row) continue;
      await sql(`insert into status_incident_updates (id, incident_id, organization_id, status, message, created_at) values (?, ?, ?, 'INVESTIGATING', ?, ?)`, [
        statusId('inu'),
        row.id,
        alert.organization_id,
        `We are investigating a problem affecting ${c.name}.`,
        at,
      ]);
    }
  }

  /**
   * An alert resolved (in `em`'s transaction, the one resolving it): the drafts it opened that nobody published are
   * withdrawn, i.e. deleted with their updates. No visitor or subscriber ever saw them, so nothing is sent; a
   * published incident stays, for a person to resolve in words.
   */
  async withdrawDrafts(em: EntityManager, alertId: string): Promise<number> {
    const gone = await em.execute<{ id: string }[]>(`delete from status_incidents where alert_id = ? and not published returning id`, [alertId]);
    return gone.length;
  }

  inputErrors(input: Pick<IncidentInput, 'title' | 'message'>): FieldError[] {
    return [...textErrors('title', input.title, 200), ...textErrors('message', input.message, MESSAGE_MAX)];
  }
}
