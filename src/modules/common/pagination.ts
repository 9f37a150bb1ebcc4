import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import type { EntityKey, EntityMetadata, EntityName, QueryOrderMap } from '@mikro-orm/core';
import { Cursor, ReferenceKind } from '@mikro-orm/core';
import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
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
 * A page is read and answered, never changed, so its rows are not turned into managed entities: each row is mapped
 * to property names (a many-to-one reads as `{ id }`, which is all a view needs). Hydrating 51 entities into the
 * unit of work was most of the cost of a list request (issue 4: ~2 ms of CPU for a page of 50 monitors;
 * docs/explanation/performance.md).
 *
 * `columns` (from `pageColumns`, the GraphQL selection of the list's nodes) narrows the statement to the properties
 * a view reads; the nodes then carry only those (and the primary key and the organization). The time column is
 * always read, for the cursor, but carried only when the selection reads it. Without `columns` every column is
 * read and carried.
 *
 * The statement of a page depends only on its shape (entity, filter keys, columns, cursor or not): its SQL text is
 * built by the query builder once and kept, and it runs as a named prepared statement (PostgreSQL's extended
 * protocol), so each connection parses and plans it once and later pages only bind their values.
 */
export async function paginate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  time: EntityKey<T>,
  { first, after }: PageArgs,
  columns?: PageColumns,
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
  const mapper = mapperOf(meta, time, columns);
  const values = Object.values(where as object);
  const simple = values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
  const shape = simple ? `${meta.className}:${Object.keys(where as object).join(',')}:${String(time)}:${mapper.key}:${cursor ? 'after' : 'first'}` : undefined;
  let statement = shape ? statements.get(shape) : undefined;
  if (!statement) {
    const qb = em
      .createQueryBuilder(entity, 'e')
      .select(mapper.props as never)
      .where(where)
      .orderBy({ [time]: 'desc', id: 'desc' } as QueryOrderMap<T>)
      .limit(first + 1);
    if (cursor) qb.andWhere(`(e.${meta.properties[time].fieldNames[0]}, e.id) < (?, ?)`, cursor);
    // A filter on a list or an object (`tags @> …`) binds values of its own: such a page is built each time.
    const native = qb.getKnexQuery().toSQL().toNative();
    if (!shape) return pageOf(await query(em, { text: native.sql }, native.bindings as unknown[]), mapper, first);
    const text = native.sql;
    // The shapes are few (a handful per list and selection); past the bound a page still runs, unnamed and unkept.
    if (statements.size >= MAX_STATEMENTS) return pageOf(await query(em, { text }, [...values, ...(cursor ?? []), first + 1]), mapper, first);
    statement = { name: `tracer_page_${statements.size + 1}`, text };
    statements.set(shape, statement);
  }
  return pageOf(await query(em, statement, [...values, ...(cursor ?? []), first + 1]), mapper, first);
}

/** SQL text (and prepared-statement name) of list pages by shape: a few per list and selection. */
const statements = new Map<string, { name: string; text: string }>();
const MAX_STATEMENTS = 500;

/** A result in `pg`'s array row mode: each row's values in the order of `fields` (no object per row to build). */
interface Rows {
  fields: { name: string }[];
  rows: unknown[][];
}
interface Queryable {
  query(config: { name?: string; text: string; values: unknown[]; rowMode?: 'array' }): Promise<Rows>;
}
interface KnexClient {
  acquireConnection(): Promise<Queryable>;
  releaseConnection(connection: Queryable): Promise<unknown>;
}

/**
 * Runs one statement on the `pg` connection the entity manager would use: its transaction's, or one of the pool's,
 * released after. The values travel bound, never inlined into the text. Logged as MikroORM logs its own.
 */
async function query(em: EntityManager, statement: { name?: string; text: string }, values: unknown[]): Promise<Rows> {
  const trx = em.getTransactionContext<{ client: KnexClient }>();
  const client = (trx ?? em.getConnection().getKnex()).client as unknown as KnexClient;
  // Inside a transaction a failed statement would abort it: there the statement goes unnamed (still bound).
  const name = trx ? undefined : statement.name;
  const started = Date.now();
  const connection = await client.acquireConnection();
  try {
    const run = (prepared?: string) => connection.query({ name: prepared, text: statement.text, values, rowMode: 'array' });
    let result: Rows;
    try {
      result = await run(name);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!name || (code !== '42P05' && code !== '26000')) throw e;
      result = (code === '42P05' && (await reprepared(connection, name, run))) || (await unnamedFromNowOn(statement, run));
    }
    em.config.getLogger().logQuery({ query: statement.text, params: values, took: Date.now() - started, results: result.rows.length, level: 'info' });
    return result;
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * The embedded database is one PostgreSQL session for every connection made to it: a new connection finds the
 * statement its predecessor prepared (42P05, duplicate_prepared_statement). Dropped and prepared again; undefined
 * when that fails too.
 */
async function reprepared(connection: Queryable, name: string, run: (name: string) => Promise<Rows>): Promise<Rows | undefined> {
  try {
    await connection.query({ text: `deallocate "${name}"`, values: [] });
    return await run(name);
  } catch {
    return undefined;
  }
}

/**
 * A pooler in transaction mode (PgBouncer without prepared-statement support) hands each statement to any server
 * connection: the statement is missing there (26000) or already there (42P05). This shape runs unnamed from now
 * on, still bound.
 */
function unnamedFromNowOn(statement: { name?: string }, run: () => Promise<Rows>): Promise<Rows> {
  statement.name = undefined;
  return run();
}

/** Maps a page's rows (values by column) to property names; one per entity and column set, made once. */
interface RowMapper {
  key: string;
  /** The properties the statement selects. */
  props: readonly string[];
  map(result: Rows): Record<string, unknown>[];
  /** The `(time, id)` of a row of the result, which its cursor holds. */
  keysetOf(result: Rows, index: number): [Date, string];
}

const mappers = new WeakMap<EntityMetadata, Map<string, RowMapper>>();

/** The mapper of a column set from `pageColumns` (cached per field node, so the same object every request). */
const mapperOfColumns = new WeakMap<PageColumns, RowMapper>();

function mapperOf<T extends object>(meta: EntityMetadata<T>, time: EntityKey<T>, columns: PageColumns | undefined): RowMapper {
  const cached = columns && mapperOfColumns.get(columns);
  if (cached) return cached;
  const mapper = makeMapper(meta, time, columns);
  if (columns) mapperOfColumns.set(columns, mapper);
  return mapper;
}

function makeMapper<T extends object>(meta: EntityMetadata<T>, time: EntityKey<T>, columns: PageColumns | undefined): RowMapper {
  let byKey = mappers.get(meta as EntityMetadata);
  if (!byKey) mappers.set(meta as EntityMetadata, (byKey = new Map()));
  // What the nodes carry: the primary key, the organization and what the view reads. The time column is always
  // read (the cursor is made of it) but carried only when wanted: when it is not, its text is turned into a Date
  // for the page's last row alone.
  const kept = columns ? new Set([...meta.primaryKeys, ...('organization' in meta.properties ? ['organization'] : []), ...columns.props]) : undefined;
  const key = kept ? `${[...kept].sort().join(',')};${String(time)}` : '*';
  const known = byKey.get(key);
  if (known) return known;
  const selectable = meta.props.filter((p) => p.fieldNames?.length === 1 && p.persist !== false && (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE));
  const chosen = kept ? selectable.filter((p) => kept.has(p.name) || p.name === time) : selectable;
  const fields = chosen.filter((p) => !kept || kept.has(p.name)).map((p) => ({ column: p.fieldNames[0], name: p.name, ref: p.kind === ReferenceKind.MANY_TO_ONE, date: p.runtimeType === 'Date' }));
  const timeColumn = meta.properties[time].fieldNames[0];
  const idColumn = meta.properties[meta.primaryKeys[0] as EntityKey<T>].fieldNames[0];
  const mapper: RowMapper = {
    key,
    props: chosen.map((p) => p.name),
    map({ fields: columns, rows }) {
      // Positions by name, once per result: the row's values are in the statement's column order.
      const at = fields.map((f) => columns.findIndex((c) => c.name === f.column));
      return rows.map((row) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i];
          const v = at[i] < 0 ? undefined : row[at[i]];
          out[f.name] = v == null ? v : f.ref ? { id: v } : f.date ? toDate(v) : v;
        }
        return out;
      });
    },
    keysetOf({ fields: columns, rows }, index) {
      const row = rows[index];
      return [toDate(row[columns.findIndex((c) => c.name === timeColumn)]), row[columns.findIndex((c) => c.name === idColumn)] as string];
    },
  };
  // Column sets come from clients' selections: kept up to a bound, past it made for the page and dropped.
  if (byKey.size < MAX_STATEMENTS) byKey.set(key, mapper);
  return mapper;
}

/**
 * MikroORM's cursor format (`Cursor.encode`: base64url of the JSON of the keyset), with the date written by
 * `toISOString` as JSON.stringify would: JSON.stringify reaching a Date through its `toJSON` measured ~2.7 µs
 * against ~1.1 µs this way.
 */
const encodeCursor = ([time, id]: [Date, string]): string => Buffer.from(JSON.stringify([time.toISOString(), id])).toString('base64url');

/** The driver hands timestamps over as text (MikroORM's setting); a view's dates are Dates. */
const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(v as string));

function pageOf(result: Rows, mapper: RowMapper, first: number): Page<never> {
  const hasNextPage = result.rows.length > first;
  const shown: Rows = hasNextPage ? { fields: result.fields, rows: result.rows.slice(0, first) } : result;
  const rows = mapper.map(shown);
  return {
    nodes: rows as never[],
    pageInfo: { endCursor: rows.length ? encodeCursor(mapper.keysetOf(shown, rows.length - 1)) : null, hasNextPage },
  };
}

/** The properties a list's GraphQL selection reads of its nodes (see `pageColumns`). */
export interface PageColumns {
  props: readonly string[];
}

/**
 * The entity properties the selection of a list's `nodes` reads, for `paginate`. A selected field that names a
 * property of the entity reads that property; `extra` names what the other fields read (field resolvers such as
 * `recentRuns` read only the primary key and the organization, which every page has); `__typename` reads nothing.
 * Any other field, or a view field computed from other columns, would need every column: then the answer is
 * undefined (read everything). Fragments, inline fragments and aliases are followed; `@skip`/`@include` are not
 * evaluated (a field under either counts as selected: the set does not depend on variables).
 *
 * Computed once per field node of a (cached) document: later requests with the same document only look it up.
 */
export function pageColumns(
  em: EntityManager,
  entity: EntityName<object>,
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  extra: Record<string, readonly string[]> = {},
  /** Properties the view itself reads whatever the selection (e.g. which kind of run a row is). */
  always: readonly string[] = [],
): PageColumns | undefined {
  const node = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  if (node && columnCache.has(node)) return columnCache.get(node) ?? undefined;
  const meta = em.getMetadata(entity);
  const names = new Set<string>();
  for (const list of info.fieldNodes) for (const nodes of fieldsOf(list.selectionSet, info.fragments)) if (nodes.name.value === 'nodes') for (const f of fieldsOf(nodes.selectionSet, info.fragments)) names.add(f.name.value);
  const props = new Set<string>(always);
  let all = false;
  for (const name of names) {
    if (name === '__typename') continue;
    const given = extra[name];
    const prop = meta.properties[name as never] as EntityMetadata['props'][number] | undefined;
    if (given) for (const p of given) props.add(p);
    else if (prop && prop.fieldNames?.length === 1 && (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE)) props.add(name);
    else all = true;
  }
  const columns = all ? undefined : { props: [...props].sort() };
  if (node) columnCache.set(node, columns ?? null);
  return columns;
}

const columnCache = new WeakMap<FieldNode, PageColumns | null>();

/** The fields of a selection set, through fragment spreads and inline fragments (each fragment once). */
function fieldsOf(set: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of set?.selections ?? []) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(s.selectionSet, fragments, seen));
    else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      out.push(...fieldsOf(fragments[s.name.value]?.selectionSet, fragments, seen));
    }
  }
  return out;
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

