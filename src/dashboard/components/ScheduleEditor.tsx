import { useEffect, useState } from 'react';
import { EscalationPoliciesDocument, LocationsDocument, type EscalationPoliciesQuery, type LocationsQuery } from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import type { Session } from '../session';
import type { FieldErrors } from '../fieldErrors';
import { FieldNote, describe } from './FieldNote';

/** The schedule, alert rule and tags of a monitor or journey, as typed (both forms share them). */
export interface Schedule {
  intervalSeconds: string;
  timeoutMs: string;
  failureThreshold: string;
  locations: string[];
  /** Comma- or space-separated, as `tracer trigger --tag` selects them. */
  tags: string;
  /** The escalation policy's id; '' none. */
  escalationPolicyId: string;
}

export const DEFAULT_SCHEDULE: Schedule = { intervalSeconds: '300', timeoutMs: '10000', failureThreshold: '2', locations: [], tags: '', escalationPolicyId: '' };

export const scheduleOf = (c: { intervalSeconds: number; timeoutMs: number; failureThreshold: number; locations: string[]; tags: string[]; escalationPolicyId?: string | null }): Schedule => ({
  intervalSeconds: String(c.intervalSeconds),
  timeoutMs: String(c.timeoutMs),
  failureThreshold: String(c.failureThreshold),
  locations: [...c.locations],
  tags: c.tags.join(', '),
  escalationPolicyId: c.escalationPolicyId ?? '',
});

const NUMBERS = ['intervalSeconds', 'timeoutMs', 'failureThreshold'] as const;

/** The API's fields, and the errors the form can tell without asking (a number that is not a whole number). */
export function scheduleInput(s: Schedule, errors: FieldErrors) {
  for (const f of NUMBERS) if (!/^\d+$/.test(s[f].trim())) errors[f] = 'must be a whole number';
  // the API judges each tag (format, length, count, repeats) and names the bad one: the form only splits them
  const tags = s.tags.split(/[\s,]+/).filter(Boolean);
  // '' takes a policy off (an edit sends it only when it changed)
  return { intervalSeconds: Number(s.intervalSeconds), timeoutMs: Number(s.timeoutMs), failureThreshold: Number(s.failureThreshold), locations: s.locations, tags, escalationPolicyId: s.escalationPolicyId };
}

export const SCHEDULE_FIELDS = new Set<string>([...NUMBERS, 'locations', 'tags', 'escalationPolicyId']);

/** The organization's escalation policies, or null while loading or when the key may not read them (alerts:read). */
function usePolicies() {
  const [policies, setPolicies] = useState<EscalationPoliciesQuery['escalationPolicies']['nodes'] | null>(null);
  useEffect(() => {
    gql(EscalationPoliciesDocument, { first: 100 }, { quiet: true })
      .then((r) => setPolicies(r.escalationPolicies.nodes))
      .catch(() => setPolicies(null)); // no alerts:read: the field is left as it is
  }, []);
  return policies;
}

/**
 * The known locations (the `locations` query); a new check starts with `local`, or the first there is. A failure
 * to load them is reported through `onError`.
 */
export function useLocations(s: Session, onDefault: (name: string) => void, onError: (message: string) => void) {
  const [locations, setLocations] = useState<LocationsQuery['locations'] | null>(null);
  useEffect(() => {
    gql(LocationsDocument)
      .then((r) => {
        setLocations(r.locations);
        const first = r.locations.find((l) => l.name === 'local') ?? r.locations[0];
        if (first) onDefault(first.name);
      })
      .catch((e) => onError(e instanceof ApiError ? e.display : String(e)));
    // once per form (per key): the callbacks only set state
  }, []);
  return locations;
}

/** Interval, timeout, failures before an alert, the locations it runs in, and its tags. */
export function ScheduleEditor({ idPrefix, value, errors, onChange, locations }: { idPrefix: string; value: Schedule; errors: FieldErrors; onChange: (v: Schedule) => void; locations: LocationsQuery['locations'] | null }) {
  const set = <K extends keyof Schedule>(k: K, v: Schedule[K]) => onChange({ ...value, [k]: v });
  const policies = usePolicies();
  const field = (k: (typeof NUMBERS)[number], label: string) => (
    <div>
      <label htmlFor={`${idPrefix}-${k}`}>{label}</label>
      <input id={`${idPrefix}-${k}`} inputMode="numeric" value={value[k]} onChange={(x) => set(k, x.target.value)} {...describe(`${idPrefix}-${k}`, errors[k])} />
      <FieldNote id={`${idPrefix}-${k}`} error={errors[k]} />
    </div>
  );
  return (
    <>
      <div className="form-row">
        {field('intervalSeconds', 'Interval (seconds)')}
        {field('timeoutMs', 'Timeout (ms)')}
        {field('failureThreshold', 'Failures before an alert')}
      </div>
      <fieldset {...describe(`${idPrefix}-locations`, errors.locations)}>
        <legend>Locations</legend>
        {locations === null && <p className="hint">Loading locations…</p>}
        {locations?.map((l) => (
          <label key={l.name} className="scope">
            <input
              type="checkbox"
              name="location"
              value={l.name}
              checked={value.locations.includes(l.name)}
              onChange={(x) => set('locations', x.target.checked ? [...value.locations, l.name] : value.locations.filter((n) => n !== l.name))}
            />{' '}
            <code>{l.name}</code> <span className="hint">{l.workers === 0 ? 'no live worker' : `${l.workers} worker${l.workers === 1 ? '' : 's'}`}</span>
          </label>
        ))}
        <FieldNote id={`${idPrefix}-locations`} error={errors.locations} />
      </fieldset>
      <label htmlFor={`${idPrefix}-tags`}>Tags</label>
      <input id={`${idPrefix}-tags`} value={value.tags} placeholder="smoke, checkout" onChange={(x) => set('tags', x.target.value)} {...describe(`${idPrefix}-tags`, errors.tags, `${idPrefix}-tags-hint`)} />
      <p id={`${idPrefix}-tags-hint`} className="hint">
        Separated by commas; <code>tracer trigger --tag smoke</code> runs every check tagged <code>smoke</code>.
      </p>
      <FieldNote id={`${idPrefix}-tags`} error={errors.tags} />
      {policies && (
        <>
          <label htmlFor={`${idPrefix}-policy`}>Escalation policy</label>
          <select id={`${idPrefix}-policy`} value={value.escalationPolicyId} onChange={(x) => set('escalationPolicyId', x.target.value)} {...describe(`${idPrefix}-policy`, errors.escalationPolicyId)}>
            <option value="">None: the channels subscribed to its alerts</option>
            {policies.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <FieldNote id={`${idPrefix}-policy`} error={errors.escalationPolicyId} />
        </>
      )}
    </>
  );
}
