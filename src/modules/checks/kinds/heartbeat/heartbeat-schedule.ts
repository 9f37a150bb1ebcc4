import { Cron } from 'croner';

/** When a heartbeat is expected: every `periodSeconds`, or at each instant of `cron` read in `timezone`. */
export interface HeartbeatSchedule {
  periodSeconds: number | null;
  cron: string | null;
  timezone: string;
  graceSeconds: number;
}

/** Why a cron expression or time zone cannot be used, or null. Parsed by croner (docs/adr/0064). */
export function cronError(cron: string, timezone: string): string | null {
  try {
    const job = new Cron(cron, { timezone, paused: true });
    const next = job.nextRun();
    job.stop();
    return next ? null : 'has no future instant';
  } catch (e) {
    return (e as Error).message.replace(/^CronPattern: /, '');
  }
}

/** Whether `timezone` is an IANA zone this runtime knows. */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The next instant a ping is expected after `from`: `from + period`, or the cron schedule's next instant. */
export function nextExpectedAt(s: HeartbeatSchedule, from: Date): Date | null {
  if (s.cron) {
    const job = new Cron(s.cron, { timezone: s.timezone, paused: true });
    const next = job.nextRun(from);
    job.stop();
    return next;
  }
  return s.periodSeconds ? new Date(from.getTime() + s.periodSeconds * 1000) : null;
}

/** The deadline after a success at `from` (or creation, resume, a missed deadline): the next expected instant + grace. */
export function deadlineAfter(s: HeartbeatSchedule, from: Date): Date | null {
  const expected = nextExpectedAt(s, from);
  return expected && new Date(expected.getTime() + s.graceSeconds * 1000);
}
