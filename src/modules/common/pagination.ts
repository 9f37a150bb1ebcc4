import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import type { EntityKey, EntityMetadata, EntityName, QueryOrderMap } from '@mikro-orm/core';
import { Cursor, ReferenceKind } from '@mikro-orm/core';
import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from '../../errors';

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;

  @Field()
  hasNextPage!: boolean;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: 20, description: '1 to 100.' })
  @Min(1, { message: 'must be at least 1' })
  @Max(100, { message: 'must be at most 100' })
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the previous page.' })
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

/**
 * Keyset pagination on `(time, id)`, newest first: one statement per page whatever the offset (no OFFSET scans; the
 * `(organization_id, <time>, id)` indexes serve it), with an opaque `endCursor` in MikroORM's cursor format
 * (base64url JSON of `[time, id]`, so cursors handed out before stay valid). A cursor that does not decode is
 * BAD_USER_INPUT on `after`.
 *
 * A page is read and answered, never changed, so its rows are not turned into managed entities: the query builder
 * maps them to property names and types (dates, JSON) and a many-to-one reads as `{ id }`, which is all a view
 * needs. Hydrating 51 entities into the unit of work was most of the cost of a list request (issue 4: ~2 ms of CPU
 * for a page of 50 monitors; README › Performance).
 */
export async function paginate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  time: EntityKey<T>,
  { first, after }: PageArgs,
): Promise<Page<T>> {
  const meta = em.getMetadata(entity);
  let cursor: [Date, string] | undefined;
  if (after) {
    try {
      const decoded = Cursor.decode(after);
      if (!Array.isArray(decoded) || decoded.length !== 2 || !(decoded[0] instanceof Date) || Number.isNaN(decoded[0].getTime()) || typeof decoded[1] !== 'string')
        throw new Error('shape');
      cursor = decoded as [Date, string];
    } catch {
      throw badInput([{ field: 'after', message: 'is not a cursor this API returned' }]);
    }
  }
  const values = Object.values(where as object);
  // The statement of a page depends only on its shape (entity, filter keys, order, cursor or not): its SQL text is
  // built by the query builder once and kept; later pages only bind their values, in the same order.
  const simple = values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
  const shape = simple ? `${meta.className}:${Object.keys(where as object).join(',')}:${String(time)}:${cursor ? 'after' : 'first'}` : undefined;
  let sql = shape ? statements.get(shape) : undefined;
  if (!sql) {
    const qb = em
      .createQueryBuilder(entity, 'e')
      .select('*')
      .where(where)
      .orderBy({ [time]: 'desc', id: 'desc' } as QueryOrderMap<T>)
      .limit(first + 1);
    if (cursor) qb.andWhere(`(e.${meta.properties[time].fieldNames[0]}, e.id) < (?, ?)`, cursor);
    if (!shape) return pageOf((await qb.execute('all', true)) as Record<string, unknown>[], meta, time, first);
    sql = qb.getKnexQuery().toSQL().sql;
    statements.set(shape, sql);
  }
  const raw = (await em.getConnection().execute(sql, [...values, ...(cursor ?? []), first + 1], 'all')) as Record<string, unknown>[];
  const driver = em.getDriver();
  return pageOf(
    raw.map((row) => driver.mapResult(row as never, meta) as Record<string, unknown>),
    meta,
    time,
    first,
  );
}

/** SQL text of list pages by shape: a few per list (with and without a cursor, each filter). */
const statements = new Map<string, string>();

function pageOf<T extends object>(rows: Record<string, unknown>[], meta: EntityMetadata<T>, time: EntityKey<T>, first: number): Page<T> {
  const hasNextPage = rows.length > first;
  if (hasNextPage) rows.pop();
  const references = meta.relations.filter((p) => p.kind === ReferenceKind.MANY_TO_ONE).map((p) => p.name);
  for (const row of rows) for (const name of references) if (row[name] != null) row[name] = { id: row[name] };
  const last = rows.at(-1);
  return {
    nodes: rows as T[],
    pageInfo: { endCursor: last ? Cursor.encode([last[time], last.id]) : null, hasNextPage },
  };
}

/** A `{ nodes, pageInfo }` GraphQL type for a node type, e.g. `MonitorConnection`. */
export function connectionOf<T extends object>(node: new () => T, name: string) {
  @ObjectType(name)
  class Connection {
    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return Connection;
}

