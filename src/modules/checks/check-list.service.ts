import type { EntityManager } from '@mikro-orm/postgresql';
import { Cursor } from '@mikro-orm/core';
import { badInput, forbidden } from '../../errors';
import type { Page } from '../common/pagination';
import { missingScopes, type Scope } from '../../authorization/scopes';
import type { CheckEntity, CheckKind } from './check-kind';
import { CHECK_KINDS } from './kinds/registry';
import type { CheckStatus } from './scheduled-check';

export interface ChecksArgs {
  first: number;
  after?: string | null;
  kinds?: string[] | null;
  tags?: string[] | null;
  status?: CheckStatus | null;
}

/**
 * `checks(…)`: one organization's checks of every kind, newest first, in one keyset page over the kinds' tables
 * (`union all` of each table's `(created_at, id)`, filtered by status and tags there, so each table's own
 * `(organization_id, created_at, id)` and GIN tag indexes serve it), then each page's rows read from their kind's
 * table. Which kinds: those named by `kinds`, each needing its read scope (FORBIDDEN names what is missing); without
 * `kinds`, every kind whose read scope the caller holds.
 */
export async function listChecks(em: EntityManager, organizationId: string, held: ReadonlySet<string>, args: ChecksArgs): Promise<Page<CheckEntity>> {
  const kinds = chosenKinds(held, args.kinds);
  let cursor: [string, string] | undefined;
  if (args.after) {
    try {
      const decoded = Cursor.decode(args.after);
      if (!Array.isArray(decoded) || decoded.length !== 2 || !(decoded[0] instanceof Date) || Number.isNaN(decoded[0].getTime()) || typeof decoded[1] !== 'string') throw new Error('shape');
      cursor = [decoded[0].toISOString(), decoded[1]];
    } catch {
      throw badInput([{ field: 'after', message: 'is not a cursor this API returned' }]);
    }
  }
  const tags = args.tags ?? [];
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const kind of kinds) {
    let sql = `select id, created_at from "${kind.table}" where organization_id = ?`;
    params.push(organizationId);
    if (args.status) (sql += ' and status = ?'), params.push(args.status);
    // An array literal bound as one text value (a bound array would be spread); tags are `[a-z0-9_.:/-]` (TAG).
    if (tags.length) (sql += ' and tags @> ?::text[]'), params.push(`{${tags.join(',')}}`);
    if (cursor) (sql += ' and (created_at, id) < (?::timestamptz, ?)'), params.push(...cursor);
    parts.push(`(${sql} order by created_at desc, id desc limit ?)`);
    params.push(args.first + 1);
  }
  const rows = kinds.length
    ? await em.getConnection().execute<{ id: string; created_at: string | Date }[]>(`select id, created_at from (${parts.join(' union all ')}) c order by created_at desc, id desc limit ?`, [...params, args.first + 1])
    : [];
  const shown = rows.slice(0, args.first);
  const byKind = new Map<CheckKind, string[]>();
  for (const r of shown) {
    const kind = kinds.find((k) => r.id.startsWith(`${k.idPrefix}_`))!;
    byKind.set(kind, [...(byKind.get(kind) ?? []), r.id]);
  }
  const found = new Map<string, CheckEntity>();
  for (const [kind, ids] of byKind)
    for (const c of await em.find(kind.entity as never, { id: { $in: ids }, organization: organizationId } as never)) found.set((c as CheckEntity).id, c as CheckEntity);
  const nodes = shown.map((r) => found.get(r.id)).filter((c): c is CheckEntity => !!c);
  const last = shown[shown.length - 1];
  const endCursor = last ? Buffer.from(JSON.stringify([new Date(last.created_at).toISOString(), last.id])).toString('base64url') : null;
  return { nodes, pageInfo: { endCursor, hasNextPage: rows.length > args.first } };
}

function chosenKinds(held: ReadonlySet<string>, named: string[] | null | undefined): CheckKind[] {
  if (!named?.length) return CHECK_KINDS.filter((k) => !missingScopes(held, [k.scopes.read]).length);
  const kinds = CHECK_KINDS.filter((k) => named.includes(k.enumValue));
  const missing = missingScopes(held, [...new Set(kinds.map((k) => k.scopes.read as Scope))]);
  if (missing.length) throw forbidden({ missingScopes: missing, paths: ['checks'] });
  return kinds;
}
