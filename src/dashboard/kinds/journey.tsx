import {
  DeleteJourneyDocument,
  JourneyDocument,
  JourneyRunsDocument,
  JourneysOverviewDocument,
  PauseJourneyDocument,
  ResumeJourneyDocument,
  RunJourneyDocument,
  type JourneyFieldsFragment,
  type JourneyRunsQuery,
  type JourneysOverviewQuery,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { dateTime } from '../format';
import { JourneyForm } from '../components/JourneyForm';
import { AssertionResults, CheckSettings, RequestHeaders, RunDetails } from '../components/CheckViews';
import type { DashboardKind } from './kind';

type Row = JourneysOverviewQuery['journeys']['nodes'][number];
type Run = JourneyRunsQuery['journeyRuns']['nodes'][number];

/** Journeys: ordered steps; the list names the steps, the detail page shows each step and each run's step results. */
export const journeyKind: DashboardKind<Row, JourneyFieldsFragment, Run> = {
  name: 'journey',
  label: 'Journey',
  plural: 'journeys',
  title: 'Journeys',
  list: {
    load: async () => (await gql(JourneysOverviewDocument, { first: 50, runs: 20 })).journeys.nodes,
    tableClass: 'checks',
    summary: (j) => (
      <div className="hint">
        {j.steps.length} step{j.steps.length === 1 ? '' : 's'}: {j.steps.map((st) => st.name).join(' → ')}
      </div>
    ),
    chart: { header: 'Duration (last 20 runs)', label: (j) => `Durations of the last ${j.recentRuns.length} runs of ${j.name}` },
    columns: [],
  },
  detail: {
    load: async (id) => {
      const [j, r] = await Promise.all([gql(JourneyDocument, { id }), gql(JourneyRunsDocument, { journeyId: id, first: 20 })]);
      return [j.journey, r.journeyRuns.nodes];
    },
    Overview: ({ check }) => <JourneyOverview journey={check} />,
    RunItem: ({ run: r, open }) => (
      <RunDetails
        open={open}
        summary={
          <>
            <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.trigger.toLowerCase()} · {r.location} · {r.durationMs} ms
          </>
        }
      >
        {r.error && <div className="error">{r.error}</div>}
        <ol className="step-results" aria-label="Step results">
          {r.steps.map((st, i) => (
            <li key={i} className={st.status.toLowerCase()}>
              <span className={`status ${st.status.toLowerCase()}`}>{st.status}</span> <strong>{st.name}</strong> · {st.responseStatus ?? 'no response'} ·{' '}
              {st.timings?.total != null ? `${Math.round(st.timings.total)} ms` : '—'}
              {st.error && <div className="error">{st.error}</div>}
              <AssertionResults results={st.assertions} label={`Assertions of ${st.name}`} />
            </li>
          ))}
        </ol>
      </RunDetails>
    ),
  },
  run: (id) => gql(RunJourneyDocument, { id }),
  pause: async (id) => (await gql(PauseJourneyDocument, { id })).pauseJourney,
  resume: async (id) => (await gql(ResumeJourneyDocument, { id })).resumeJourney,
  remove: (id) => gql(DeleteJourneyDocument, { id }),
  Form: ({ check, ...rest }) => <JourneyForm {...rest} journey={check} />,
};

/** The schedule, then every step in order: its request, assertions and extractions. */
function JourneyOverview({ journey }: { journey: JourneyFieldsFragment }) {
  return (
    <>
      <CheckSettings check={journey} />
      <h2>Steps</h2>
      <ol className="steps">
        {journey.steps.map((st, i) => (
          <li key={i}>
            <strong>{st.name}</strong>
            <div className="hint url">
              {st.request.method} {st.request.url}
            </div>
            {st.request.headers.length > 0 && <RequestHeaders headers={st.request.headers} />}
            {st.assertions.length > 0 && (
              <ul className="plain">
                {st.assertions.map((a, j) => (
                  <li key={j}>
                    {a.source}
                    {a.property ? ` ${a.property}` : ''} {a.comparison} {a.target ?? ''}
                  </li>
                ))}
              </ul>
            )}
            {st.extractions.length > 0 && (
              <div className="hint">
                Extracts{' '}
                {st.extractions.map((x) => (
                  <code key={x.name}>
                    {`{{${x.name}}}`} ← {x.source}
                    {x.property ? ` ${x.property}` : ''}{' '}
                  </code>
                ))}
              </div>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
