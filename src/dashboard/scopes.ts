/** The scopes as the dashboard groups them (the API's list; `all` grants every one). */
export const GROUPS: { resource: string; scopes: string[] }[] = [
  { resource: 'Monitors', scopes: ['monitors:read', 'monitors:write', 'monitors:run'] },
  { resource: 'Journeys', scopes: ['journeys:read', 'journeys:write', 'journeys:run'] },
  { resource: 'Alerts', scopes: ['alerts:read', 'alerts:write'] },
  { resource: 'Organization', scopes: ['organization:read', 'organization:write'] },
  { resource: 'Billing', scopes: ['billing:read'] },
  { resource: 'Status pages', scopes: ['status_pages:read', 'status_pages:write'] },
];

/** The API reference's presets. */
export const PRESETS: { name: string; permissions: string[] }[] = [
  { name: 'CI/CD Pipeline', permissions: ['monitors:read', 'monitors:run', 'journeys:read', 'journeys:run'] },
  { name: 'Monitoring Dashboard', permissions: ['monitors:read', 'journeys:read', 'alerts:read'] },
  { name: 'Full Access', permissions: ['all'] },
];

/** Whether a key with `held` may use (or grant) `scope`: only `all` grants `all`. */
export const holds = (held: readonly string[], scope: string) => held.includes('all') || held.includes(scope);
