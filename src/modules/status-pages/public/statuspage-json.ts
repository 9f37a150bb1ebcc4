import type { ComponentState } from '../component-state';
import type { IncidentImpact } from '../status-page.entity';
import type { PublicIncident, PublicMaintenance, Snapshot } from './snapshot';

/**
 * The Atlassian Statuspage v2 JSON API (`/api/v2/summary.json` …), with its field names and vocabulary, so tools
 * that read Statuspage pages read these. Fields tracer has nothing for are present with Statuspage's neutral value
 * (`group_id: null`, `showcase: true`).
 */
export type Indicator = 'none' | 'minor' | 'major' | 'critical';

const INDICATOR_OF_STATE: Record<ComponentState, Indicator> = {
  OPERATIONAL: 'none',
  UNDER_MAINTENANCE: 'none',
  DEGRADED_PERFORMANCE: 'minor',
  PARTIAL_OUTAGE: 'major',
  MAJOR_OUTAGE: 'critical',
};
const RANK: Record<Indicator, number> = { none: 0, minor: 1, major: 2, critical: 3 };
const DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major Service Outage',
};

/** The page's indicator: the worse of its components' states and its unresolved incidents' impacts. */
export function statusOf(s: Snapshot): { indicator: Indicator; description: string } {
  let indicator = INDICATOR_OF_STATE[s.state];
  for (const i of s.incidents) {
    const impact = i.impact.toLowerCase() as Indicator;
    if (i.status !== 'RESOLVED' && RANK[impact] > RANK[indicator]) indicator = impact;
  }
  const maintenance = indicator === 'none' && s.state === 'UNDER_MAINTENANCE';
  return { indicator, description: maintenance ? 'Service Under Maintenance' : DESCRIPTION[indicator] };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function pageJson(s: Snapshot, url: string) {
  return { id: s.page.id, name: s.page.name, url, time_zone: 'Etc/UTC', updated_at: iso(latest(s)) };
}

/** The newest change a visitor could see: the page, a component, an incident or a maintenance. */
function latest(s: Snapshot): Date {
  let t = s.page.updatedAt.getTime();
  for (const c of s.components) t = Math.max(t, c.updatedAt.getTime());
  for (const i of s.incidents) t = Math.max(t, i.updatedAt.getTime());
  for (const m of s.maintenances) t = Math.max(t, m.createdAt.getTime());
  return new Date(t);
}

export function componentsJson(s: Snapshot) {
  return s.components.map((c) => ({
    id: c.id,
    name: c.name,
    status: c.state.toLowerCase(),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    position: c.position + 1,
    description: c.description,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: s.page.id,
    group: false,
    only_show_if_degraded: false,
  }));
}

function incidentJson(s: Snapshot, i: PublicIncident, url: string) {
  const byId = new Map(componentsJson(s).map((c) => [c.id, c]));
  const monitoring = [...i.updates].reverse().find((u) => u.status === 'MONITORING');
  return {
    id: i.id,
    name: i.title,
    status: i.status.toLowerCase(),
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(monitoring?.createdAt ?? null),
    resolved_at: iso(i.resolvedAt),
    impact: i.impact.toLowerCase() as Lowercase<IncidentImpact>,
    shortlink: `${url}#${i.id}`,
    started_at: iso(i.createdAt),
    page_id: s.page.id,
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status.toLowerCase(),
      body: u.message,
      incident_id: i.id,
      created_at: iso(u.createdAt),
      updated_at: iso(u.createdAt),
      display_at: iso(u.createdAt),
      affected_components: null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: i.componentIds.flatMap((id) => byId.get(id) ?? []),
  };
}

function maintenanceJson(s: Snapshot, m: PublicMaintenance, url: string) {
  const byId = new Map(componentsJson(s).map((c) => [c.id, c]));
  return {
    id: m.id,
    name: m.name,
    status: m.state,
    created_at: iso(m.createdAt),
    updated_at: iso(m.createdAt),
    monitoring_at: null,
    resolved_at: m.state === 'completed' ? iso(m.endsAt) : null,
    impact: 'maintenance',
    shortlink: `${url}#${m.id}`,
    started_at: iso(m.startsAt),
    page_id: s.page.id,
    incident_updates: [],
    components: m.componentIds.flatMap((id) => byId.get(id) ?? []),
    scheduled_for: iso(m.startsAt),
    scheduled_until: iso(m.endsAt),
  };
}

/** The body of each endpoint, by its path after `/api/v2/`. */
export function statuspageJson(s: Snapshot, url: string): Record<string, unknown> {
  const page = pageJson(s, url);
  const status = statusOf(s);
  const incidents = s.incidents.map((i) => incidentJson(s, i, url));
  const unresolved = incidents.filter((i) => i.status !== 'resolved');
  const maintenances = s.maintenances.map((m) => maintenanceJson(s, m, url));
  const upcomingOrActive = maintenances.filter((m) => m.status !== 'completed');
  return {
    'summary.json': { page, components: componentsJson(s), incidents: unresolved, scheduled_maintenances: upcomingOrActive, status },
    'status.json': { page, status },
    'components.json': { page, components: componentsJson(s) },
    'incidents.json': { page, incidents },
    'incidents/unresolved.json': { page, incidents: unresolved },
    'scheduled-maintenances.json': { page, scheduled_maintenances: maintenances },
    'scheduled-maintenances/upcoming.json': { page, scheduled_maintenances: maintenances.filter((m) => m.status === 'scheduled') },
    'scheduled-maintenances/active.json': { page, scheduled_maintenances: maintenances.filter((m) => m.status === 'in_progress') },
  };
}
