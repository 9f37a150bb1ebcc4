/**
 * An index over one kind's rows of a table whose rows belong to a monitor or to a journey (`monitor_id` or
 * `journey_id` set, the other null): `("<kind>_id", ...columns)`, partial, so each index skips the other kind's
 * half of the rows. Named as MikroORM names an index, `<table>_<columns>_index`, which the migrations created.
 */
export function perCheckIndex(table: string, kind: 'monitor' | 'journey', columns: readonly string[] = []): { name: string; expression: string } {
  const all = [`${kind}_id`, ...columns];
  const name = `${table}_${all.join('_')}_index`;
  return { name, expression: `create index "${name}" on "${table}" (${all.map((c) => `"${c}"`).join(', ')}) where "${kind}_id" is not null` };
}
