import type { RetryStrategy } from '../../client/generated/graphql';
import type { FieldErrors } from '../fieldErrors';
import { FieldNote, describe } from './FieldNote';

/** When a passing run is DEGRADED, and how a failed attempt is retried (monitors, journeys, TCP and DNS checks), as typed. */
export interface Probe {
  /** Empty: never degraded. */
  degradedResponseTimeMs: string;
  /** Empty: no retries. */
  strategy: '' | RetryStrategy;
  maxRetries: string;
  baseBackoffMs: string;
}

export const DEFAULT_PROBE: Probe = { degradedResponseTimeMs: '', strategy: '', maxRetries: '1', baseBackoffMs: '1000' };

type Stored = { degradedResponseTimeMs?: number | null; retry?: { strategy: RetryStrategy; maxRetries: number; baseBackoffMs: number } | null };

export const probeOf = (c: Stored): Probe => ({
  degradedResponseTimeMs: c.degradedResponseTimeMs == null ? '' : String(c.degradedResponseTimeMs),
  strategy: c.retry?.strategy ?? '',
  maxRetries: String(c.retry?.maxRetries ?? 1),
  baseBackoffMs: String(c.retry?.baseBackoffMs ?? 1000),
});

const whole = (v: string) => /^\d+$/.test(v.trim());

/** The API's fields (null turns each off), and the errors the form can tell without asking. */
export function probeInput(p: Probe, errors: FieldErrors) {
  if (p.degradedResponseTimeMs.trim() && !whole(p.degradedResponseTimeMs)) errors.degradedResponseTimeMs = 'must be a whole number of milliseconds, or empty';
  if (p.strategy && !whole(p.maxRetries)) errors['retry.maxRetries'] = 'must be a whole number';
  if (p.strategy && !whole(p.baseBackoffMs)) errors['retry.baseBackoffMs'] = 'must be a whole number';
  return {
    degradedResponseTimeMs: p.degradedResponseTimeMs.trim() ? Number(p.degradedResponseTimeMs) : null,
    retry: p.strategy ? { strategy: p.strategy, maxRetries: Number(p.maxRetries), baseBackoffMs: Number(p.baseBackoffMs) } : null,
  };
}

export const PROBE_FIELDS = new Set<string>(['degradedResponseTimeMs', 'retry', 'retry.maxRetries', 'retry.baseBackoffMs', 'retry.strategy']);

/** Degraded threshold and retries. */
export function ProbeEditor({ idPrefix, value, errors, onChange }: { idPrefix: string; value: Probe; errors: FieldErrors; onChange: (v: Probe) => void }) {
  const set = <K extends keyof Probe>(k: K, v: Probe[K]) => onChange({ ...value, [k]: v });
  const id = (k: string) => `${idPrefix}-${k}`;
  return (
    <>
      <label htmlFor={id('degraded')}>Degraded above (ms)</label>
      <input
        id={id('degraded')}
        inputMode="numeric"
        value={value.degradedResponseTimeMs}
        placeholder="off"
        onChange={(x) => set('degradedResponseTimeMs', x.target.value)}
        {...describe(id('degraded'), errors.degradedResponseTimeMs, id('degraded-hint'))}
      />
      <p id={id('degraded-hint')} className="hint">
        A passing run slower than this is <span className="status degraded">degraded</span>; empty: never.
      </p>
      <FieldNote id={id('degraded')} error={errors.degradedResponseTimeMs} />
      <div className="form-row">
        <div>
          <label htmlFor={id('retry')}>Retries before failing</label>
          <select id={id('retry')} value={value.strategy} onChange={(x) => set('strategy', x.target.value as Probe['strategy'])} {...describe(id('retry'), errors.retry)}>
            <option value="">None</option>
            <option value="FIXED">Fixed wait</option>
            <option value="LINEAR">Linear backoff</option>
            <option value="EXPONENTIAL">Exponential backoff</option>
          </select>
          <FieldNote id={id('retry')} error={errors.retry} />
        </div>
        {value.strategy && (
          <>
            <div>
              <label htmlFor={id('max-retries')}>Retries (0–3)</label>
              <input id={id('max-retries')} inputMode="numeric" value={value.maxRetries} onChange={(x) => set('maxRetries', x.target.value)} {...describe(id('max-retries'), errors['retry.maxRetries'])} />
              <FieldNote id={id('max-retries')} error={errors['retry.maxRetries']} />
            </div>
            <div>
              <label htmlFor={id('backoff')}>Base wait (ms)</label>
              <input id={id('backoff')} inputMode="numeric" value={value.baseBackoffMs} onChange={(x) => set('baseBackoffMs', x.target.value)} {...describe(id('backoff'), errors['retry.baseBackoffMs'])} />
              <FieldNote id={id('backoff')} error={errors['retry.baseBackoffMs']} />
            </div>
          </>
        )}
      </div>
    </>
  );
}
