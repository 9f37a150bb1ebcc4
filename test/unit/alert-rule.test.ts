import { describe, expect, it } from 'vitest';
import { decide, type LocationState } from '../../src/modules/alerts/alert-rule';

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
