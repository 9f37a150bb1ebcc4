import { useEffect, useState, type FormEvent } from 'react';
import {
  CreateMonitorDocument,
  LocationsDocument,
  UpdateMonitorDocument,
  type CreateMonitorInput,
  type LocationsQuery,
  type MonitorFieldsFragment,
} from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import type { Session } from '../App';
import { fieldErrors, type FieldErrors } from '../fieldErrors';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';
import { FieldNote, describe } from './FieldNote';
import { AssertionsEditor, HeadersEditor, MASK, METHODS, type AssertionRow, type HeaderRow } from './CheckEditors';

/**
 * The form's state: text as typed. A new field is one entry here, one line in `fromMonitor` and `toInput`, and one
 * <label>+input below (a field whose errors the API reports under its own name needs nothing else).
 */
interface Draft {
  name: string;
  url: string;
  method: CreateMonitorInput['method'] & string;
  headers: HeaderRow[];
  body: string;
  expectedStatusCodes: string;
  assertions: AssertionRow[];
  intervalSeconds: string;
  timeoutMs: string;
  failureThreshold: string;
  locations: string[];
}

const EMPTY: Draft = {
  name: '',
  url: '',
  method: 'GET',
  headers: [],
  body: '',
  expectedStatusCodes: '200-299',
  assertions: [],
  intervalSeconds: '300',
  timeoutMs: '10000',
  failureThreshold: '2',
  locations: [],
};

const fromMonitor = (m: MonitorFieldsFragment): Draft => ({
  name: m.name,
  url: m.url,
  method: m.method,
  // `stored`: the name a masked value is stored under, which the API looks it up by when `[masked]` comes back
  headers: m.headers.map((h) => ({ name: h.name, value: h.value, stored: h.value === MASK ? h.name : undefined })),
  body: m.body ?? '',
  expectedStatusCodes: m.expectedStatusCodes.join(', '),
  assertions: m.assertions.map((a) => ({ source: a.source, property: a.property ?? '', comparison: a.comparison, target: a.target ?? '' })),
  intervalSeconds: String(m.intervalSeconds),
  timeoutMs: String(m.timeoutMs),
  failureThreshold: String(m.failureThreshold),
  locations: [...m.locations],
});

const WHOLE = /^\d+$/;
const NUMBERS = ['intervalSeconds', 'timeoutMs', 'failureThreshold'] as const;

/** The API's input, or the errors the form can tell without asking it (a number that is not one). */
function toInput(d: Draft): { input: CreateMonitorInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  for (const f of NUMBERS) if (!WHOLE.test(d[f].trim())) errors[f] = 'must be a whole number';
  d.headers.forEach((h, i) => {
    if (h.value === MASK && h.stored?.toLowerCase() !== h.name.trim().toLowerCase())
      errors[`headers[${i}].value`] = h.stored ? `type the value again: the stored one is kept only under ${h.stored}` : 'type the value';
  });
  const input: CreateMonitorInput = {
    name: d.name,
    url: d.url.trim(),
    method: d.method,
    headers: d.headers.map((h) => ({ name: h.name.trim(), value: h.value })),
    body: d.body === '' ? null : d.body,
    expectedStatusCodes: d.expectedStatusCodes.split(/[\s,]+/).filter(Boolean),
    assertions: d.assertions.map((a) => ({ source: a.source, comparison: a.comparison, property: a.property.trim() || null, target: a.target === '' ? null : a.target })),
    intervalSeconds: Number(d.intervalSeconds),
    timeoutMs: Number(d.timeoutMs),
    failureThreshold: Number(d.failureThreshold),
    locations: d.locations,
  };
  return { input, errors };
}

/** Only what changed: an edit that leaves the URL alone does not judge it again, and the audit log names real changes. */
function changes(before: CreateMonitorInput, after: CreateMonitorInput): Partial<CreateMonitorInput> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(v) !== JSON.stringify(before[k as keyof CreateMonitorInput])) out[k] = v;
  return out;
}

/** Where an error is shown: its own input when there is one, else its row or group, else the form. */
function place(errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  const put = (k: string, m: string) => (out[k] = out[k] ? `${out[k]}; ${m}` : m);
  for (const [f, m] of Object.entries(errors)) {
    const row = /^(headers|assertions)\[(\d+)\](?:\.(\w+))?/.exec(f);
    if (row) put(row[3] ? `${row[1]}[${row[2]}].${row[3]}` : `${row[1]}[${row[2]}]`, m);
    else if (/^expectedStatusCodes/.test(f)) put('expectedStatusCodes', m);
    else if (f === 'minFailedLocations') put('locations', `minFailedLocations ${m}`);
    else if (f in EMPTY) put(f, m);
    else put('form', f === 'form' ? m : `${f}: ${m}`);
  }
  return out;
}

/** Create a monitor, or edit one (`monitor` given). The API's field errors appear next to their field. */
export function MonitorForm({ s, monitor, onClose, onSaved }: { s: Session; monitor?: MonitorFieldsFragment; onClose: () => void; onSaved: (m: MonitorFieldsFragment) => void }) {
  const [d, setD] = useState<Draft>(() => (monitor ? fromMonitor(monitor) : EMPTY));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [locations, setLocations] = useState<LocationsQuery['locations'] | null>(null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  useEffect(() => {
    gql(s.key, LocationsDocument)
      .then((r) => {
        setLocations(r.locations);
        if (!monitor) setD((x) => (x.locations.length ? x : { ...x, locations: [r.locations.find((l) => l.name === 'local')?.name ?? r.locations[0]?.name].filter(Boolean) as string[] }));
      })
      .catch((e) => setErrors({ form: e instanceof ApiError ? e.display : String(e) }));
  }, [s, monitor]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { input, errors: mine } = toInput(d);
    if (Object.keys(mine).length) return setErrors(mine);
    setBusy(true);
    setErrors({});
    try {
      const saved = monitor
        ? (await gql(s.key, UpdateMonitorDocument, { id: monitor.id, input: changes(toInput(fromMonitor(monitor)).input, input) })).updateMonitor
        : (await gql(s.key, CreateMonitorDocument, { input })).createMonitor;
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return s.lost(err.display);
      setErrors(place(fieldErrors(err)));
      setBusy(false);
    }
  };

  const e = errors;
  return (
    <Dialog title={monitor ? `Edit “${monitor.name}”` : 'New monitor'} labelledBy="monitor-form-title" onClose={onClose}>
      <form onSubmit={submit} noValidate className="check-form">
        <ErrorNote error={e.form} />
        <div className="form-row">
          <div>
            <label htmlFor="m-name">Name</label>
            <input id="m-name" value={d.name} maxLength={100} onChange={(x) => set('name', x.target.value)} {...describe('m-name', e.name)} autoFocus />
            <FieldNote id="m-name" error={e.name} />
          </div>
          <div className="narrow">
            <label htmlFor="m-method">Method</label>
            <select id="m-method" value={d.method} onChange={(x) => set('method', x.target.value as Draft['method'])} {...describe('m-method', e.method)}>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
            <FieldNote id="m-method" error={e.method} />
          </div>
        </div>
        <label htmlFor="m-url">URL</label>
        <input id="m-url" type="url" inputMode="url" value={d.url} placeholder="https://api.example.com/health" onChange={(x) => set('url', x.target.value)} {...describe('m-url', e.url)} />
        <FieldNote id="m-url" error={e.url} />

        <HeadersEditor idPrefix="m-headers" rows={d.headers} errors={e} onChange={(rows) => set('headers', rows)} />

        <label htmlFor="m-body">Body</label>
        <textarea id="m-body" rows={3} value={d.body} onChange={(x) => set('body', x.target.value)} {...describe('m-body', e.body)} />
        <FieldNote id="m-body" error={e.body} />

        <label htmlFor="m-status">Expected status codes</label>
        <input id="m-status" value={d.expectedStatusCodes} onChange={(x) => set('expectedStatusCodes', x.target.value)} {...describe('m-status', e.expectedStatusCodes, 'm-status-hint')} />
        <p id="m-status-hint" className="hint">
          Codes or ranges, separated by commas: <code>200-299, 301</code>
        </p>
        <FieldNote id="m-status" error={e.expectedStatusCodes} />

        <AssertionsEditor idPrefix="m-assertions" rows={d.assertions} errors={e} onChange={(rows) => set('assertions', rows)} />

        <div className="form-row">
          <div>
            <label htmlFor="m-interval">Interval (seconds)</label>
            <input id="m-interval" inputMode="numeric" value={d.intervalSeconds} onChange={(x) => set('intervalSeconds', x.target.value)} {...describe('m-interval', e.intervalSeconds)} />
            <FieldNote id="m-interval" error={e.intervalSeconds} />
          </div>
          <div>
            <label htmlFor="m-timeout">Timeout (ms)</label>
            <input id="m-timeout" inputMode="numeric" value={d.timeoutMs} onChange={(x) => set('timeoutMs', x.target.value)} {...describe('m-timeout', e.timeoutMs)} />
            <FieldNote id="m-timeout" error={e.timeoutMs} />
          </div>
          <div>
            <label htmlFor="m-threshold">Failures before an alert</label>
            <input id="m-threshold" inputMode="numeric" value={d.failureThreshold} onChange={(x) => set('failureThreshold', x.target.value)} {...describe('m-threshold', e.failureThreshold)} />
            <FieldNote id="m-threshold" error={e.failureThreshold} />
          </div>
        </div>

        <fieldset {...describe('m-locations', e.locations)}>
          <legend>Locations</legend>
          {locations === null && <p className="hint">Loading locations…</p>}
          {locations?.map((l) => (
            <label key={l.name} className="scope">
              <input
                type="checkbox"
                name="location"
                value={l.name}
                checked={d.locations.includes(l.name)}
                onChange={(x) => set('locations', x.target.checked ? [...d.locations, l.name] : d.locations.filter((n) => n !== l.name))}
              />{' '}
              <code>{l.name}</code>{' '}
              <span className="hint">
                {l.workers === 0 ? 'no live worker' : `${l.workers} worker${l.workers === 1 ? '' : 's'}`}
              </span>
            </label>
          ))}
          <FieldNote id="m-locations" error={e.locations} />
        </fieldset>

        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {monitor ? 'Save changes' : 'Create monitor'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
