import { useCallback, useState } from 'react';
import { ApiError } from './api';
import type { Session } from './session';

/**
 * One way for pages to call the API: a 401 means the session ended (signed out elsewhere, revoked, expired), so the
 * dashboard returns to sign-in with the API's message; MFA_SETUP_REQUIRED goes to the two-factor setup; any other
 * error is kept for the page to show ("Your role lacks …").
 */
export function useApi(s: Session) {
  const [error, setError] = useState<string | null>(null);
  const call = useCallback(
    async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        const result = await fn();
        setError(null);
        return result;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) s.lost(e.display);
        else if (e instanceof ApiError && e.code === 'MFA_SETUP_REQUIRED') s.mfaSetup();
        else setError(e instanceof ApiError ? e.display : String(e));
        return undefined;
      }
    },
    [s],
  );
  return { error, call };
}
