import type { MeQuery } from '../client/generated/graphql';

/**
 * The signed-in key lives in sessionStorage only: it is gone when the tab closes or on sign-out, and never in
 * localStorage, a cookie or the URL.
 */
const STORAGE_KEY = 'tracer.apiKey';

export const session = {
  get: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  set: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** The dashboard still signs in with a pasted key (sign-in pages come later): its `me` always has the key. */
export type Me = MeQuery['me'] & { key: NonNullable<MeQuery['me']['key']> };

/** What every page gets: the key, who it is, and how to report that the key stopped working. */
export interface Session {
  key: string;
  me: Me;
  /** A 401 from any call: the key was revoked or expired; back to sign-in with the API's message. */
  lost(message: string): void;
  /** Signing out, also used when the signed-in key revokes itself. */
  signOut(): void;
}
