import { createHash } from 'node:crypto';

/**
 * Slots are phased per check (docs/explanation/check-engine.md): a check's slots are `k × interval + phase`
 * (milliseconds since the Unix epoch), where the phase is a stable offset within the interval taken from a hash of the
 * check's id. So checks created, resumed or changed together do not fire together for ever: their slots are spread
 * evenly over the interval, and each check keeps its own place in it across updates, pauses and resumes (for a given
 * interval). The same arithmetic exists in SQL for the scheduler (`phasedSlotSql`); a test holds the two equal.
 */

/** The first 32 bits of the id's MD5, as a non-negative integer (SQL: `('x' || substr(md5(id), 1, 8))::bit(32)::bigint`). */
const idHash = (checkId: string) => parseInt(createHash('md5').update(checkId).digest('hex').slice(0, 8), 16);

/** The check's offset within its interval, in milliseconds (0 ≤ phase < interval). */
export const phaseMs = (checkId: string, intervalSeconds: number): number => idHash(checkId) % (intervalSeconds * 1000);

/** The check's first slot at or after `at`. */
export function phasedSlotAtOrAfter(checkId: string, intervalSeconds: number, at: Date): Date {
  const interval = intervalSeconds * 1000;
  const ms = at.getTime();
  const wait = (((phaseMs(checkId, intervalSeconds) - ms) % interval) + interval) % interval;
  return new Date(ms + wait);
}

/**
 * The same in SQL: the first slot at or after the timestamptz expression `at` of the check whose id and interval
 * are the SQL expressions `id` and `intervalSeconds`. Integer arithmetic on milliseconds throughout, as above.
 */
export function phasedSlotSql(id: string, intervalSeconds: string, at: string): string {
  const interval = `(${intervalSeconds})::bigint * 1000`;
  const phase = `(('x' || substr(md5(${id}), 1, 8))::bit(32)::bigint % (${interval}))`;
  const ms = `(extract(epoch from ${at}) * 1000)::bigint`;
  return `(${at} + ((((${phase} - ${ms}) % (${interval})) + (${interval})) % (${interval})) * interval '1 millisecond')`;
}
