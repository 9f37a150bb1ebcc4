import type { CheckKind } from '../check-kind';
import { journeyKind } from './journey/journey.kind';
import { monitorKind } from './monitor/monitor.kind';

/**
 * Every kind of check, in the order the scheduler claims them and lists show them. A new kind is its own folder
 * (entity, service, resolver, types, `<name>.kind.ts`, `<name>.api.ts`) plus its line here and in apis.ts.
 */
export const CHECK_KINDS = [monitorKind, journeyKind] as const;

/** One of the registered kinds, with its own entity type. */
export type RegisteredKind = (typeof CHECK_KINDS)[number];

/** A kind's name as jobs, runs and alert sources carry it: 'monitor' | 'journey'. */
export type CheckKindName = RegisteredKind['name'];

const ALL: readonly CheckKind[] = CHECK_KINDS;
const byName = new Map(ALL.map((k) => [k.name, k]));

/** The kind of that name; a name no kind has is a bug (jobs and rows only carry registered names). */
export function checkKind(name: string): CheckKind {
  const kind = byName.get(name);
  if (!kind) throw new Error(`unknown check kind "${name}"`);
  return kind;
}

/** The kind whose ids start with this id's prefix (`mon_…`), if any. */
export const kindOfId = (id: string): CheckKind | undefined => ALL.find((k) => id.startsWith(`${k.idPrefix}_`));

/** The kind with this GraphQL enum value (`MONITOR`). */
export const kindOfEnum = (value: string): CheckKind | undefined => ALL.find((k) => k.enumValue === value);

/** The kind a row references (the one of its kind columns that is set), with that id. */
export function kindOfRow(row: Record<string, unknown>): { kind: CheckKind; id: string } | undefined {
  for (const kind of ALL) if (row[kind.column] != null) return { kind, id: row[kind.column] as string };
  return undefined;
}

/**
 * A row's references to its check (a run, a session's run, a rollup): its kind's property (or column) set to the
 * id, every other kind's null.
 */
export const referencesTo = (kind: CheckKind, id: string, key: 'property' | 'column' = 'property'): Record<string, string | null> =>
  Object.fromEntries(ALL.map((k) => [k[key], k.name === kind.name ? id : null]));
