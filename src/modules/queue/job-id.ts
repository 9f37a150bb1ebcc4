import { createHash } from 'node:crypto';

/**
 * The one way tracer names a pg-boss job: an id derived from what the job is (a check's location and slot, a
 * delivery's attempt, a maintenance period), so enqueuing the same thing twice, from any number of processes,
 * inserts one job (pg-boss inserts with ON CONFLICT DO NOTHING). A UUID in form, as pg-boss stores ids.
 */
export function jobId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
