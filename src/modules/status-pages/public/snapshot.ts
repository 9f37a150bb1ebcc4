import type { EntityManager } from '@mikro-orm/postgresql';
import { Incident, IncidentUpdate, StatusComponent, type IncidentImpact, type StatusPage } from '../status-page.entity';
import { checkFacts, componentState, worstState, type ComponentState } from '../component-state';

const DAY = 86_400_000;
export const UPTIME_DAYS = 90;
export const HISTORY_DAYS = 30;
/** The most incidents and maintenances a page lists (the newest). */
const MAX_LISTED = 50;

/** One day's bar: passed runs over runs of the component's checks that UTC day (maintenance left out); null: no runs. */
export interface UptimeDay {
  date: string;
  uptime: number | null;
}

export interface PublicComponent {
  id: string;
  name: string;
  description: string | null;
  state: ComponentState;
  position: number;
  createdAt: Date;
  updatedAt: Date;
  /** Empty when the page does not show uptime. */
  days: UptimeDay[];
  /** Over the days with runs; null with none. */
  uptime: number | null;
}

export interface PublicUpdate {
  id: string;
  status: string;
  message: string;
  createdAt: Date;
}

export interface PublicIncident {
  id: string;
  title: string;
  impact: IncidentImpact;
  status: string;
  componentIds: string[];
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  updates: PublicUpdate[];
}

export interface PublicMaintenance {
  id: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
  state: 'scheduled' | 'in_progress' | 'completed';
  componentIds: string[];
}

/**
 * Everything a public page may show, and nothing else: names and descriptions a person wrote for the public,
 * derived states, uptime ratios, incident texts and the names of maintenance windows covering its components.
 * No check id, name, URL, location or error text is read into it, so no rendering of it can show one.
 */
export interface Snapshot {
  page: { id: string; name: string; slug: string; customDomain: string | null; showUptime: boolean; updatedAt: Date };
  at: Date;
  state: ComponentState;
  components: PublicComponent[];
  /** Unresolved ones, and those of the last HISTORY_DAYS days, newest first. */
  incidents: PublicIncident[];
  maintenances: PublicMaintenance[];
}

const arrayLiteral = (ids: readonly string[]) => `{${ids.map((i) => `"${i.replace(/["\\]/g, '')}"`).join(',')}}`;
const dayStart = (t: number) => t - (t % DAY);

export async function buildSnapshot(em: EntityManager, page: StatusPage, at: Date): Promise<Snapshot> {
  const org = page.organization.id;
  const components = await em.find(StatusComponent, { page: page.id }, { orderBy: { position: 'asc' } });
  const checkIds = [...new Set(components.flatMap((c) => c.checkIds))];
  const facts = await checkFacts(em, org, checkIds, at);
  const conn = em.getConnection();

  // Daily rollups of the page's checks, every location summed: ≤ 90 rows per check.
  const first = dayStart(at.getTime()) - (UPTIME_DAYS - 1) * DAY;
  const perCheckDay = new Map<string, { runs: number; failures: number }>();
  if (page.showUptime && checkIds.length) {
    const rows = await conn.execute<{ check_id: string; bucket_start: Date; runs: string; failures: string }[]>(
      `select check_id, bucket_start, sum(runs) as runs, sum(failures) as failures from run_rollups
        where organization_id = ? and span = 'DAY' and check_id = any(?::text[]) and bucket_start >= ?
        group by check_id, bucket_start`,
      [org, arrayLiteral(checkIds), new Date(first)],
    );
    for (const r of rows) perCheckDay.set(`${r.check_id}|${new Date(r.bucket_start).getTime()}`, { runs: Number(r.runs), failures: Number(r.failures) });
  }

  const publicComponents = components.map((c): PublicComponent => {
    const state = componentState(c.checkIds.flatMap((id) => facts.get(id) ?? []));
    const days: UptimeDay[] = [];
    let runs = 0;
    let passed = 0;
    if (page.showUptime)
      for (let d = 0; d < UPTIME_DAYS; d++) {
        const t = first + d * DAY;
        let r = 0;
        let f = 0;
        for (const id of c.checkIds) {
          const x = perCheckDay.get(`${id}|${t}`);
          if (x) (r += x.runs), (f += x.failures);
        }
        runs += r;
        passed += r - f;
        days.push({ date: new Date(t).toISOString().slice(0, 10), uptime: r ? (r - f) / r : null });
      }
    return { id: c.id, name: c.name, description: c.description, state, position: c.position, createdAt: c.createdAt, updatedAt: c.updatedAt, days, uptime: runs ? passed / runs : null };
  });

  const since = new Date(at.getTime() - HISTORY_DAYS * DAY);
  // Drafts (not published yet) are no visitor's.
  const incidents = await em.find(
    Incident,
    { page: page.id, published: true, $or: [{ status: { $ne: 'RESOLVED' } }, { createdAt: { $gte: since } }, { resolvedAt: { $gte: since } }] },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: MAX_LISTED },
  );
  const updates = incidents.length
    ? await em.find(IncidentUpdate, { incident: { $in: incidents.map((i) => i.id) } }, { orderBy: { createdAt: 'desc', id: 'desc' } })
    : [];
  const publicIncidents = incidents.map((i): PublicIncident => ({
    id: i.id,
    title: i.title,
    impact: i.impact,
    status: i.status,
    componentIds: i.componentIds,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    resolvedAt: i.resolvedAt,
    updates: updates.filter((u) => u.incident.id === i.id).map((u) => ({ id: u.id, status: u.status, message: u.message, createdAt: u.createdAt })),
  }));

  // Maintenance windows covering a component (one of its checks, or every check): shown as scheduled maintenance.
  const maintenances: PublicMaintenance[] = [];
  if (checkIds.length) {
    const windows = await conn.execute<{ id: string; name: string; starts_at: Date; ends_at: Date; created_at: Date; check_ids: string[] }[]>(
      `select id, name, starts_at, ends_at, created_at, check_ids from maintenance_windows
        where organization_id = ? and ends_at > ? and (cardinality(check_ids) = 0 or check_ids && ?::text[])
        order by starts_at desc limit ${MAX_LISTED}`,
      [org, since, arrayLiteral(checkIds)],
    );
    for (const w of windows) {
      const startsAt = new Date(w.starts_at);
      const endsAt = new Date(w.ends_at);
      const covered = components.filter((c) => c.checkIds.some((id) => !w.check_ids.length || w.check_ids.includes(id))).map((c) => c.id);
      const state = startsAt > at ? 'scheduled' : endsAt > at ? 'in_progress' : 'completed';
      maintenances.push({ id: w.id, name: w.name, startsAt, endsAt, createdAt: new Date(w.created_at), state, componentIds: covered });
    }
  }

  return {
    page: { id: page.id, name: page.name, slug: page.slug, customDomain: page.domainStatus === 'VERIFIED' ? page.customDomain : null, showUptime: page.showUptime, updatedAt: page.updatedAt },
    at,
    state: worstState(publicComponents.map((c) => c.state)),
    components: publicComponents,
    incidents: publicIncidents,
    maintenances,
  };
}
