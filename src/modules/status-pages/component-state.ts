import type { EntityManager } from '@mikro-orm/postgresql';
import { CHECK_KINDS } from '../checks/kinds/registry';

export const COMPONENT_STATES = ['OPERATIONAL', 'DEGRADED_PERFORMANCE', 'PARTIAL_OUTAGE', 'MAJOR_OUTAGE', 'UNDER_MAINTENANCE'] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

/** What the state of a component is derived from, for one check. */
export interface CheckFacts {
  /** Its kind's status (`UP`, `DOWN`, `DEGRADED` where a kind records it, …). */
  status: string | null;
  alertOpen: boolean;
  underMaintenance: boolean;
}

/**
 * A component's state from its checks, in this order: a maintenance window covering one of its checks →
 * UNDER_MAINTENANCE (alerts do not open then); an open (or acknowledged) alert on every check → MAJOR_OUTAGE, on
 * some → PARTIAL_OUTAGE; a check DEGRADED → DEGRADED_PERFORMANCE; else OPERATIONAL. A component with no (remaining)
 * checks is OPERATIONAL: it says what a person chose to show, nothing more.
 */
export function componentState(facts: readonly CheckFacts[]): ComponentState {
  if (!facts.length) return 'OPERATIONAL';
  if (facts.some((f) => f.underMaintenance)) return 'UNDER_MAINTENANCE';
  const open = facts.filter((f) => f.alertOpen).length;
  if (open === facts.length) return 'MAJOR_OUTAGE';
  if (open) return 'PARTIAL_OUTAGE';
  if (facts.some((f) => f.status === 'DEGRADED')) return 'DEGRADED_PERFORMANCE';
  return 'OPERATIONAL';
}

const SEVERITY: Record<ComponentState, number> = { OPERATIONAL: 0, UNDER_MAINTENANCE: 1, DEGRADED_PERFORMANCE: 2, PARTIAL_OUTAGE: 3, MAJOR_OUTAGE: 4 };

/** The worst of several states (a page's overall state). */
export const worstState = (states: readonly ComponentState[]): ComponentState =>
  states.reduce<ComponentState>((w, s) => (SEVERITY[s] > SEVERITY[w] ? s : w), 'OPERATIONAL');

const arrayLiteral = (ids: readonly string[]) => `{${ids.map((i) => `"${i.replace(/["\\]/g, '')}"`).join(',')}}`;

/**
 * The facts of these checks of one organization, now: three statements whatever the number of checks (every
 * kind's table through the registry, open alerts, current maintenance windows). Ids of checks deleted since, or
 * of another organization, are simply absent from the answer.
 */
export async function checkFacts(em: EntityManager, organizationId: string, ids: readonly string[], at: Date): Promise<Map<string, CheckFacts>> {
  const out = new Map<string, CheckFacts>();
  if (!ids.length) return out;
  const list = arrayLiteral([...new Set(ids)]);
  const conn = em.getConnection();
  const statuses = CHECK_KINDS.map((k) => `select id, status from "${k.table}" where organization_id = ? and id = any(?::text[])`).join(' union all ');
  const rows = await conn.execute<{ id: string; status: string }[]>(statuses, CHECK_KINDS.flatMap(() => [organizationId, list]));
  for (const r of rows) out.set(r.id, { status: r.status, alertOpen: false, underMaintenance: false });
  const alerts = await conn.execute<{ check_id: string }[]>(
    `select check_id from alerts where organization_id = ? and check_id = any(?::text[]) and status <> 'RESOLVED' and cause_code = 'CHECK_FAILED'`,
    [organizationId, list],
  );
  for (const a of alerts) {
    const f = out.get(a.check_id);
    if (f) f.alertOpen = true;
  }
  const windows = await conn.execute<{ check_ids: string[] }[]>(
    `select check_ids from maintenance_windows where organization_id = ? and starts_at <= ? and ends_at > ?`,
    [organizationId, at, at],
  );
  for (const w of windows) {
    for (const [id, f] of out) if (!w.check_ids.length || w.check_ids.includes(id)) f.underMaintenance = true;
  }
  return out;
}
