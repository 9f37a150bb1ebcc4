import { describe, expect, it } from 'vitest';
import { decide, type LocationState } from '../../src/modules/alerts/alert-rule';
import { decideTlsExpiry } from '../../src/modules/alerts/tls-expiry-rule';
import { backoffMs, retryBudgetMs, withRetries } from '../../src/modules/checks/retry';

const at = (counts: Record<string, number>): LocationState[] => Object.entries(counts).map(([location, consecutiveFailures]) => ({ location, consecutiveFailures }));
const run = (counts: Record<string, number>, extra: { underMaintenance?: boolean; error?: string | null } = {}) => ({
  states: at(counts),
  underMaintenance: extra.underMaintenance ?? false,
  error: extra.error === undefined ? 'Status 500' : extra.error,
});

describe('the alert rule (k of n locations, failureThreshold slots in a row)', () => {
  const oneOfOne = { failureThreshold: 3, minFailedLocations: 1 };
  const twoOfThree = { failureThreshold: 2, minFailedLocations: 2 };

  it('opens only when a location reaches the threshold', () => {
    expect(decide(oneOfOne, run({ local: 2 }))).toEqual({ action: 'name', failing: [] });
    expect(decide(oneOfOne, run({ local: 3 }))).toEqual({ action: 'open', failing: ['local'], cause: '3 failed runs in a row in local: Status 500' });
    expect(decide(oneOfOne, run({ local: 7 }))).toMatchObject({ action: 'open', failing: ['local'] });
  });

  it('needs minFailedLocations of the locations at the threshold, names them sorted, and counts the worst', () => {
    expect(decide(twoOfThree, run({ us: 5, local: 1, eu: 0 }))).toEqual({ action: 'name', failing: ['us'] });
    expect(decide(twoOfThree, run({ us: 5, local: 2, eu: 0 }))).toEqual({
      action: 'open',
      failing: ['local', 'us'],
      cause: '5 failed runs in a row in 2 locations (local, us): Status 500',
    });
    expect(decide(twoOfThree, run({ us: 2, local: 2, eu: 2 }))).toMatchObject({ action: 'open', failing: ['eu', 'local', 'us'] });
  });

  it('resolves only when every location passes; until then an open alert names what still fails', () => {
    expect(decide(twoOfThree, run({ us: 3, local: 0 }))).toEqual({ action: 'name', failing: ['us'] });
    expect(decide(twoOfThree, run({ us: 1, local: 0 }))).toEqual({ action: 'name', failing: [] });
    expect(decide(twoOfThree, run({ us: 0, local: 0 }))).toEqual({ action: 'resolve' });
    expect(decide(oneOfOne, run({}))).toEqual({ action: 'resolve' });
  });

  it('opens nothing during a maintenance window, but keeps naming what fails; a resolution is not held back', () => {
    expect(decide(oneOfOne, run({ local: 3 }, { underMaintenance: true }))).toEqual({ action: 'name', failing: ['local'] });
    expect(decide(oneOfOne, run({ local: 0 }, { underMaintenance: true }))).toEqual({ action: 'resolve' });
  });

  it('says "failed" when the run gave no error', () => {
    expect(decide(oneOfOne, run({ local: 3 }, { error: null }))).toMatchObject({ cause: '3 failed runs in a row in local: failed' });
  });
});

describe('the certificate rule (tlsExpiryWarningDays)', () => {
  const tls = (daysRemaining: number) => ({ daysRemaining, validTo: '2027-01-01T00:00:00.000Z', subject: 'CN=shop.example.com' });

  it('opens below the warning days, with the days left; resolves at or above them, or when turned off', () => {
    expect(decideTlsExpiry({ warningDays: 14, tls: tls(13), underMaintenance: false })).toEqual({
      action: 'open',
      daysRemaining: 13,
      cause: 'TLS_CERTIFICATE_EXPIRING: the certificate (CN=shop.example.com) expires in 13 days, on 2027-01-01T00:00:00.000Z',
    });
    expect(decideTlsExpiry({ warningDays: 14, tls: tls(-1), underMaintenance: false })).toMatchObject({ cause: expect.stringContaining('expired 1 day ago') });
    expect(decideTlsExpiry({ warningDays: 14, tls: tls(14), underMaintenance: false })).toEqual({ action: 'resolve' });
    expect(decideTlsExpiry({ warningDays: null, tls: tls(1), underMaintenance: false })).toEqual({ action: 'resolve' });
  });

  it('opens nothing during a maintenance window, and still resolves', () => {
    expect(decideTlsExpiry({ warningDays: 14, tls: tls(3), underMaintenance: true })).toEqual({ action: 'none' });
    expect(decideTlsExpiry({ warningDays: 14, tls: tls(90), underMaintenance: true })).toEqual({ action: 'resolve' });
  });
});

describe('retries (checks/retry.ts)', () => {
  it('waits FIXED, LINEAR and EXPONENTIAL backoffs, and budgets every attempt and wait', () => {
    const waits = (strategy: 'FIXED' | 'LINEAR' | 'EXPONENTIAL') => [1, 2, 3].map((n) => backoffMs({ strategy, maxRetries: 3, baseBackoffMs: 100 }, n));
    expect(waits('FIXED')).toEqual([100, 100, 100]);
    expect(waits('LINEAR')).toEqual([100, 200, 300]);
    expect(waits('EXPONENTIAL')).toEqual([100, 200, 400]);
    expect(retryBudgetMs(1000, { strategy: 'EXPONENTIAL', maxRetries: 3, baseBackoffMs: 100 })).toBe(4700);
    expect(retryBudgetMs(1000, null)).toBe(1000);
  });

  it('retries FAILED only, up to maxRetries, keeping each error; ERROR and PASSED end it', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    const answers = (...statuses: string[]) => {
      let i = 0;
      return async () => ({ status: statuses[i], error: statuses[i] === 'PASSED' ? null : `attempt ${++i}` });
    };
    const policy = { strategy: 'LINEAR' as const, maxRetries: 2, baseBackoffMs: 10 };
    expect(await withRetries(policy, answers('FAILED', 'FAILED', 'FAILED', 'FAILED'), sleep)).toMatchObject({ status: 'FAILED', attempts: 3, attemptErrors: ['attempt 1', 'attempt 2', 'attempt 3'] });
    expect(slept).toEqual([10, 20]);
    expect(await withRetries(policy, answers('ERROR'), sleep)).toMatchObject({ status: 'ERROR', attempts: 1, attemptErrors: [] });
    expect(await withRetries(null, answers('FAILED', 'PASSED'), sleep)).toMatchObject({ status: 'FAILED', attempts: 1 });
  });
});
