import { useCallback, useState } from 'react';
import { ApiError } from './api';
import type { Session } from './session';

/**
 * One way for pages to call the API: a 401 means the key stopped working (revoked, expired), so the dashboard
 * signs out with the API's message; any other error is kept for the page to show ("This key lacks …").
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
        else setError(e instanceof ApiError ? e.display : String(e));
        return undefined;
      }
    },
    [s],
  );
  return { error, call };
}
