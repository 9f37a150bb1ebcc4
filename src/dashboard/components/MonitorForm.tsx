import { CreateMonitorDocument, UpdateMonitorDocument, type CreateMonitorInput, type HttpMethod, type MonitorFieldsFragment } from '../../client/generated/graphql';
import { gql } from '../api';
import type { Session } from '../session';
import { rowFields, type FieldErrors } from '../fieldErrors';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';
import { FieldNote, describe } from './FieldNote';
import { AssertionsEditor, HeadersEditor, MASK, METHODS, type AssertionRow, type HeaderRow } from './CheckEditors';
import { DEFAULT_SCHEDULE, SCHEDULE_FIELDS, ScheduleEditor, scheduleInput, scheduleOf, type Schedule } from './ScheduleEditor';
import { useCheckForm } from './useCheckForm';
import { DEFAULT_PROBE, PROBE_FIELDS, ProbeEditor, probeInput, probeOf, type Probe } from './ProbeEditor';

/**
 * The form's state: text as typed. A new field (tags, say) is one entry here, one line each in `EMPTY`,
 * `fromMonitor`, `toInput` and `shownFields` (so the API's errors for it land next to it), and one label+input below.
 */
interface Draft {
  name: string;
  url: string;
  method: HttpMethod;
  headers: HeaderRow[];
  body: string;
  expectedStatusCodes: string;
  assertions: AssertionRow[];
  schedule: Schedule;
  probe: Probe;
  /** Empty: no certificate warning. */
  tlsExpiryWarningDays: string;
  skipTlsVerification: boolean;
}

const EMPTY: Draft = {
  name: '',
  url: '',
  method: 'GET',
  headers: [],
  body: '',
  expectedStatusCodes: '200-299',
  assertions: [],
  schedule: DEFAULT_SCHEDULE,
  probe: DEFAULT_PROBE,
  tlsExpiryWarningDays: '14',
  skipTlsVerification: false,
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
  schedule: scheduleOf(m),
  probe: probeOf(m),
  tlsExpiryWarningDays: m.tlsExpiryWarningDays == null ? '' : String(m.tlsExpiryWarningDays),
  skipTlsVerification: m.skipTlsVerification,
});

/** The API's input, and the errors the form can tell without asking (a number that is not one, a masked value under a new name). */
function toInput(d: Draft): { input: CreateMonitorInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
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
    ...scheduleInput(d.schedule, errors),
    ...probeInput(d.probe, errors),
    tlsExpiryWarningDays: d.tlsExpiryWarningDays.trim() ? Number(d.tlsExpiryWarningDays) : null,
    skipTlsVerification: d.skipTlsVerification,
  };
  if (d.tlsExpiryWarningDays.trim() && !/^\d+$/.test(d.tlsExpiryWarningDays.trim())) errors.tlsExpiryWarningDays = 'must be a whole number of days, or empty';
  return { input, errors };
}

/** The fields the form shows, for placing the API's errors next to them. */
const shownFields = (d: Draft) => [
  'name',
  'url',
  'method',
  'body',
  'expectedStatusCodes',
  ...SCHEDULE_FIELDS,
  ...PROBE_FIELDS,
  'tlsExpiryWarningDays',
  'skipTlsVerification',
  ...rowFields('headers', d.headers.length, ['name', 'value']),
  ...rowFields('assertions', d.assertions.length, ['source', 'property', 'comparison', 'target']),
];

/** Create a monitor, or edit one (`monitor` given). The API's field errors appear next to their field. */
export function MonitorForm({ s, monitor, onClose, onSaved }: { s: Session; monitor?: MonitorFieldsFragment; onClose: () => void; onSaved: (m: MonitorFieldsFragment) => void }) {
  const { d, setD, errors, busy, locations, submit } = useCheckForm(
    s,
    { blank: () => EMPTY, original: monitor && fromMonitor(monitor) },
    {
      toInput,
      shownFields,
      create: async (input) => (await gql(CreateMonitorDocument, { input })).createMonitor,
      update: async (input) => (await gql(UpdateMonitorDocument, { id: monitor!.id, input })).updateMonitor,
    },
    onSaved,
  );
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

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

        <ScheduleEditor idPrefix="m" value={d.schedule} errors={e} locations={locations} onChange={(v) => set('schedule', v)} />

        <ProbeEditor idPrefix="m" value={d.probe} errors={e} onChange={(v) => set('probe', v)} />

        <div className="form-row">
          <div>
            <label htmlFor="m-tls-days">Warn when the certificate expires within (days)</label>
            <input id="m-tls-days" inputMode="numeric" value={d.tlsExpiryWarningDays} placeholder="off" onChange={(x) => set('tlsExpiryWarningDays', x.target.value)} {...describe('m-tls-days', e.tlsExpiryWarningDays)} />
            <FieldNote id="m-tls-days" error={e.tlsExpiryWarningDays} />
          </div>
        </div>
        <label className="scope">
          <input type="checkbox" checked={d.skipTlsVerification} onChange={(x) => set('skipTlsVerification', x.target.checked)} /> Skip certificate verification (self-signed endpoints)
        </label>

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
