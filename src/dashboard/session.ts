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
