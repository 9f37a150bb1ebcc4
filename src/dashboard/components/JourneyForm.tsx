import { CreateJourneyDocument, UpdateJourneyDocument, type CreateJourneyInput, type HttpMethod, type JourneyFieldsFragment } from '../../client/generated/graphql';
import { gql } from '../api';
import type { Session } from '../session';
import { rowFields, type FieldErrors } from '../fieldErrors';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';
import { FieldNote, describe } from './FieldNote';
import { AssertionsEditor, ExtractionsEditor, HeadersEditor, MASK, METHODS, type AssertionRow, type ExtractionRow, type HeaderRow } from './CheckEditors';
import { DEFAULT_SCHEDULE, SCHEDULE_FIELDS, ScheduleEditor, scheduleInput, scheduleOf, type Schedule } from './ScheduleEditor';
import { DEFAULT_PROBE, PROBE_FIELDS, ProbeEditor, probeInput, probeOf, type Probe } from './ProbeEditor';
import { useCheckForm } from './useCheckForm';

/** A step as typed; `from` is its position when the form opened (a masked header is kept only at that position). */
interface StepRow {
  name: string;
  method: HttpMethod;
  url: string;
  headers: HeaderRow[];
  body: string;
  assertions: AssertionRow[];
  extractions: ExtractionRow[];
  from?: number;
}

/** The form's state: a new field is one entry here, one line each in `fromJourney`, `toInput` and `shownFields`, and its input below. */
interface Draft {
  name: string;
  steps: StepRow[];
  schedule: Schedule;
  probe: Probe;
}

const newStep = (): StepRow => ({ name: '', method: 'GET', url: '', headers: [], body: '', assertions: [], extractions: [] });

const fromJourney = (j: JourneyFieldsFragment): Draft => ({
  name: j.name,
  steps: j.steps.map((st, i) => ({
    name: st.name,
    method: st.request.method,
    url: st.request.url,
    headers: st.request.headers.map((h) => ({ name: h.name, value: h.value, stored: h.value === MASK ? h.name : undefined })),
    body: st.request.body ?? '',
    assertions: st.assertions.map((a) => ({ source: a.source, property: a.property ?? '', comparison: a.comparison, target: a.target ?? '' })),
    extractions: st.extractions.map((x) => ({ name: x.name, source: x.source, property: x.property ?? '' })),
    from: i,
  })),
  schedule: scheduleOf(j),
  probe: probeOf(j),
});

function toInput(d: Draft): { input: CreateJourneyInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  d.steps.forEach((st, i) =>
    st.headers.forEach((h, j) => {
      if (h.value !== MASK) return;
      if (st.from !== i) errors[`steps[${i}].request.headers[${j}].value`] = 'type the value again: a masked value is kept only in the step it was stored in';
      else if (h.stored?.toLowerCase() !== h.name.trim().toLowerCase())
        errors[`steps[${i}].request.headers[${j}].value`] = h.stored ? `type the value again: the stored one is kept only under ${h.stored}` : 'type the value';
    }),
  );
  const input: CreateJourneyInput = {
    name: d.name,
    steps: d.steps.map((st) => ({
      name: st.name,
      request: { method: st.method, url: st.url.trim(), headers: st.headers.map((h) => ({ name: h.name.trim(), value: h.value })), body: st.body === '' ? null : st.body },
      assertions: st.assertions.map((a) => ({ source: a.source, comparison: a.comparison, property: a.property.trim() || null, target: a.target === '' ? null : a.target })),
      extractions: st.extractions.map((x) => ({ name: x.name.trim(), source: x.source, property: x.property.trim() || null })),
    })),
    ...scheduleInput(d.schedule, errors),
    ...probeInput(d.probe, errors),
  };
  return { input, errors };
}

const shownFields = (d: Draft) => [
  'name',
  ...SCHEDULE_FIELDS,
  ...PROBE_FIELDS,
  ...rowFields('steps', d.steps.length, ['name', 'request.method', 'request.url', 'request.body']),
  ...d.steps.flatMap((st, i) => [
    ...rowFields(`steps[${i}].request.headers`, st.headers.length, ['name', 'value']),
    ...rowFields(`steps[${i}].assertions`, st.assertions.length, ['source', 'property', 'comparison', 'target']),
    ...rowFields(`steps[${i}].extractions`, st.extractions.length, ['name', 'source', 'property']),
  ]),
];

/** Create a journey, or edit one (`journey` given): its steps in order, each a request with assertions and extractions. */
export function JourneyForm({ s, journey, onClose, onSaved }: { s: Session; journey?: JourneyFieldsFragment; onClose: () => void; onSaved: (j: JourneyFieldsFragment) => void }) {
  const { d, setD, errors, busy, locations, submit } = useCheckForm(
    s,
    { blank: (): Draft => ({ name: '', steps: [newStep()], schedule: DEFAULT_SCHEDULE, probe: DEFAULT_PROBE }), original: journey && fromJourney(journey) },
    {
      toInput,
      shownFields,
      create: async (input) => (await gql(CreateJourneyDocument, { input })).createJourney,
      update: async (input) => (await gql(UpdateJourneyDocument, { id: journey!.id, input })).updateJourney,
    },
    onSaved,
  );
  const setStep = (i: number, patch: Partial<StepRow>) => setD((x) => ({ ...x, steps: x.steps.map((st, j) => (j === i ? { ...st, ...patch } : st)) }));

  const e = errors;
  return (
    <Dialog title={journey ? `Edit “${journey.name}”` : 'New journey'} labelledBy="journey-form-title" onClose={onClose}>
      <form onSubmit={submit} noValidate className="check-form">
        <ErrorNote error={e.form} />
        <label htmlFor="j-name">Name</label>
        <input id="j-name" value={d.name} maxLength={100} onChange={(x) => setD({ ...d, name: x.target.value })} {...describe('j-name', e.name)} autoFocus />
        <FieldNote id="j-name" error={e.name} />

        {d.steps.map((st, i) => {
          const at = `steps[${i}]`;
          const id = `j-step-${i}`;
          return (
            <fieldset key={i} className="step" aria-describedby={e[at] ? `${id}-error` : undefined}>
              <legend>Step {i + 1}</legend>
              <div className="form-row">
                <div>
                  <label htmlFor={`${id}-name`}>Step name</label>
                  <input id={`${id}-name`} value={st.name} onChange={(x) => setStep(i, { name: x.target.value })} {...describe(`${id}-name`, e[`${at}.name`])} />
                  <FieldNote id={`${id}-name`} error={e[`${at}.name`]} />
                </div>
                <div>
                  <label htmlFor={`${id}-method`}>Method</label>
                  <select id={`${id}-method`} value={st.method} onChange={(x) => setStep(i, { method: x.target.value as HttpMethod })} {...describe(`${id}-method`, e[`${at}.request.method`])}>
                    {METHODS.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                  <FieldNote id={`${id}-method`} error={e[`${at}.request.method`]} />
                </div>
              </div>
              <label htmlFor={`${id}-url`}>URL</label>
              <input id={`${id}-url`} value={st.url} inputMode="url" placeholder="https://api.example.com/login or {{base}}/items" onChange={(x) => setStep(i, { url: x.target.value })} {...describe(`${id}-url`, e[`${at}.request.url`])} />
              <FieldNote id={`${id}-url`} error={e[`${at}.request.url`]} />
              <HeadersEditor idPrefix={`${id}-headers`} errorKey={`${at}.request.headers`} rows={st.headers} errors={e} onChange={(headers) => setStep(i, { headers })} />
              <label htmlFor={`${id}-body`}>Body</label>
              <textarea id={`${id}-body`} rows={2} value={st.body} onChange={(x) => setStep(i, { body: x.target.value })} {...describe(`${id}-body`, e[`${at}.request.body`])} />
              <FieldNote id={`${id}-body`} error={e[`${at}.request.body`]} />
              <AssertionsEditor idPrefix={`${id}-assertions`} errorKey={`${at}.assertions`} rows={st.assertions} errors={e} onChange={(assertions) => setStep(i, { assertions })} />
              <ExtractionsEditor idPrefix={`${id}-extractions`} errorKey={`${at}.extractions`} rows={st.extractions} errors={e} onChange={(extractions) => setStep(i, { extractions })} />
              <button type="button" className="danger" disabled={d.steps.length === 1} onClick={() => setD({ ...d, steps: d.steps.filter((_, j) => j !== i) })} aria-label={`Remove step ${i + 1}`}>
                Remove step
              </button>
              <FieldNote id={id} error={e[at]} />
            </fieldset>
          );
        })}
        <button type="button" onClick={() => setD({ ...d, steps: [...d.steps, newStep()] })} disabled={d.steps.length >= 20}>
          Add step
        </button>
        <FieldNote id="j-steps" error={e.steps} />

        <ScheduleEditor idPrefix="j" value={d.schedule} errors={e} locations={locations} onChange={(schedule) => setD({ ...d, schedule })} />
        <ProbeEditor idPrefix="j" value={d.probe} errors={e} onChange={(probe) => setD({ ...d, probe })} />

        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {journey ? 'Save changes' : 'Create journey'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
