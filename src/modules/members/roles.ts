import { ALL, SCOPES, type Permission } from '../../authorization/scopes';
import type { MemberRole } from './member.entity';

/**
 * What each role may do, written once (README "Roles"; `Member.permissions`). A signed-in member's principal holds
 * exactly these, so `@requiresScope` judges people and keys by the same rule. OWNER holds `all` (scopes added
 * later included); ADMIN holds every scope there is today but is refused changing or removing an OWNER
 * (MemberService); MEMBER works with checks and alerts; VIEWER only reads.
 */
export const ROLE_PERMISSIONS: Readonly<Record<MemberRole, readonly Permission[]>> = Object.freeze({
  OWNER: Object.freeze([ALL]),
  ADMIN: Object.freeze([...SCOPES]),
  MEMBER: Object.freeze<Permission[]>([
    'monitors:read',
    'monitors:write',
    'monitors:run',
    'journeys:read',
    'journeys:write',
    'journeys:run',
    'alerts:read',
    'alerts:write',
    'organization:read',
    'status_pages:read',
  ]),
  VIEWER: Object.freeze<Permission[]>(['monitors:read', 'journeys:read', 'alerts:read', 'organization:read']),
});

export const MEMBER_ROLES = Object.keys(ROLE_PERMISSIONS) as MemberRole[];
