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
  'status_pages:read',
  'status_pages:write',
] as const;

export type Scope = (typeof SCOPES)[number];

/**
 * The scope families a check kind can be guarded by (`CheckKind.scopes`): reading it, changing it, running it. The
 * monitors' and the journeys' predate the registry; a new kind uses the monitors' (issue 27), so adding a kind adds
 * no scope and keys keep meaning what they granted.
 */
export const CHECK_SCOPES = {
  monitors: { read: 'monitors:read', write: 'monitors:write', run: 'monitors:run' },
  journeys: { read: 'journeys:read', write: 'journeys:write', run: 'journeys:run' },
} as const satisfies Record<string, { read: Scope; write: Scope; run: Scope }>;
export const ALL = 'all' as const;
export type Permission = Scope | typeof ALL;
export const PERMISSIONS: readonly Permission[] = [...SCOPES, ALL];

const scopeSet = new Set<string>(SCOPES);

export const isScope = (s: string): s is Scope => scopeSet.has(s);

/**
 * What authorization needs of a caller: the permissions it holds. The principal (modules/auth) has more; asking only
 * for this keeps authorization below the module that authenticates.
 */
export interface ScopeHolder {
  readonly held: ReadonlySet<string>;
  /** Asked to set up two-factor first: only the root fields of MFA_SETUP_ALLOWS may run (scope-guard.ts). */
  readonly mfaSetupRequired?: boolean;
}

const NONE: readonly Scope[] = Object.freeze([]);

/**
 * The scopes of `required` that `granted` lacks, in the constant order (the order FORBIDDEN lists them in):
 * the one answer to "what is missing" for the scope check, the resolver guard, the selection checks and key grants.
 * Non-scope strings in `required` (`all`) are not scopes to be missing; the caller decides what `all` needs.
 */
export function missingScopes(granted: ReadonlySet<string>, required: readonly string[]): readonly Scope[] {
  // The common answer (nothing missing) without an allocation: this runs before every operation.
  if (granted.has(ALL) || required.every((s) => granted.has(s) || !scopeSet.has(s))) return NONE;
  return SCOPES.filter((s) => !granted.has(s) && required.includes(s));
}

/** Sorted, de-duplicated permission list; `all` absorbs everything else. */
export function normalizePermissions(perms: readonly Permission[]): Permission[] {
  if (perms.includes(ALL)) return [ALL];
  return SCOPES.filter((s) => perms.includes(s));
}
