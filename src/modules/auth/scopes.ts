/**
 * The permission scopes of the API reference, in its order. `all` grants every scope, including scopes added later.
 * This list is the only place a scope string is written down: the schema build rejects any other.
 */
export const SCOPES = [
  'monitors:read',
  'monitors:write',
  'monitors:run',
  'journeys:read',
  'journeys:write',
  'journeys:run',
  'alerts:read',
  'alerts:write',
  'organization:read',
  'organization:write',
  'billing:read',
] as const;

export type Scope = (typeof SCOPES)[number];
export const ALL = 'all' as const;
export type Permission = Scope | typeof ALL;
export const PERMISSIONS: readonly Permission[] = [...SCOPES, ALL];

const scopeSet = new Set<string>(SCOPES);

export const isScope = (s: string): s is Scope => scopeSet.has(s);

/** Does a key holding `held` have `needed`? `all` satisfies every scope. */
export function grants(held: ReadonlySet<string>, needed: Scope): boolean {
  return held.has(ALL) || held.has(needed);
}

/** Sorted, de-duplicated permission list; `all` absorbs everything else. */
export function normalizePermissions(perms: readonly Permission[]): Permission[] {
  if (perms.includes(ALL)) return [ALL];
  return SCOPES.filter((s) => perms.includes(s));
}
