import type { DashboardMeQuery } from '../client/generated/graphql';

/**
 * The dashboard signs people in with the server's session cookie (HttpOnly: no script reads it). The browser keeps
 * no credential of its own: nothing in sessionStorage or localStorage, no API key anywhere.
 */
export type Me = DashboardMeQuery['me'] & { member: NonNullable<DashboardMeQuery['me']['member']> };

/** What every page gets: who is signed in, what their role may do, and how to react to the API's refusals. */
export interface Session {
  me: Me;
  /** The signed-in member's scopes (their role's, `Member.permissions`). */
  perms: readonly string[];
  /** A 401 from any call: the session ended (signed out elsewhere, revoked, expired); back to sign-in. */
  lost(message: string): void;
  /** MFA_SETUP_REQUIRED from any call: the organization requires two-factor; to the account page to set it up. */
  mfaSetup(): void;
  /** Ends the session on the server, then shows the sign-in page. */
  signOut(): void;
  /** Reads `me` again (after two-factor was turned on or off). */
  refresh(): void;
}
