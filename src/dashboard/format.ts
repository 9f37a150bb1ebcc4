const DAY = 86_400_000;

/** "99.95 %", or "—" when there were no runs. */
export const percent = (v: number | null | undefined) => (v == null ? '—' : `${v.toFixed(2)} %`);

export const dateTime = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/** "never", "in 5 days", "expired 2 days ago". */
export function expiryText(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never expires';
  const ms = new Date(iso).getTime() - now;
  const days = Math.ceil(Math.abs(ms) / DAY);
  if (ms <= 0) return `expired ${days} day${days === 1 ? '' : 's'} ago`;
  return `expires in ${days} day${days === 1 ? '' : 's'}`;
}

/** Expiring within 7 days: shown with a warning style. */
export const expiresSoon = (iso: string | null | undefined, now = Date.now()) => !!iso && new Date(iso).getTime() - now <= 7 * DAY && new Date(iso).getTime() > now;
