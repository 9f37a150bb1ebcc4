import type { EntityManager } from '@mikro-orm/postgresql';
import type { FieldError } from '../../errors';

/**
 * A `checkIds` list (notification channels, maintenance windows) must name monitors or journeys of this
 * organization; another organization's ids are as unknown as made-up ones. One statement, on `checks` (every
 * kind's).
 */
export async function unknownCheckErrors(em: EntityManager, organizationId: string, ids: string[], field = 'checkIds'): Promise<FieldError[]> {
  if (!ids.length) return [];
  const list = `{${ids.map((i) => `"${i.replace(/["\\]/g, '')}"`).join(',')}}`;
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(
      'select id from checks where organization_id = ? and id = any(?::text[])',
      [organizationId, list],
    );
  const known = new Set(rows.map((r) => r.id));
  const unknown = [...new Set(ids.filter((i) => !known.has(i)))];
  return unknown.length ? [{ field, message: `no monitor or journey ${unknown.join(', ')} in this organization` }] : [];
}
