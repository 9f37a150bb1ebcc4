import {
  DeleteJourneyDocument,
  JourneyDocument,
  JourneyRunsDocument,
  PauseJourneyDocument,
  ResumeJourneyDocument,
  RunJourneyDocument,
  type JourneyQuery,
  type JourneyRunsQuery,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { useCheckDetail } from '../useCheckDetail';
import type { Session } from '../session';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { CheckHead } from '../components/CheckHead';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { JourneyForm } from '../components/JourneyForm';
import { AssertionResults, CheckSettings, RequestHeaders } from '../components/CheckViews';

type Run = JourneyRunsQuery['journeyRuns']['nodes'][number];

/** One journey: its steps in order, Run now / Edit / Pause / Resume / Delete, and its runs with every step's result. */
export function JourneyDetail({ s, id }: { s: Session; id: string }) {
  const { check: journey, setCheck: setJourney, runs, busy, dialog, setDialog, closeDialog, error, runNow, togglePaused } = useCheckDetail(s, id, {
    load: async (): Promise<[JourneyQuery['journey'], Run[]]> => {
      const [j, r] = await Promise.all([gql(s.key, JourneyDocument, { id }), gql(s.key, JourneyRunsDocument, { journeyId: id, first: 20 })]);
      return [j.journey, r.journeyRuns.nodes];
    },
    run: () => gql(s.key, RunJourneyDocument, { id }),
    pause: async () => (await gql(s.key, PauseJourneyDocument, { id })).pauseJourney,
    resume: async () => (await gql(s.key, ResumeJourneyDocument, { id })).resumeJourney,
  });
  const held = s.me.key.permissions;

  return (
    <section aria-labelledby="journey-title">
      <p>
        <a href="#/journeys">← Journeys</a>
      </p>
      <ErrorNote error={error} />
      {journey && (
        <>
          <CheckHead
            kind="journey"
            held={held}
            check={journey}
            busy={busy}
            onRun={runNow}
            onEdit={() => setDialog('edit')}
            onTogglePaused={togglePaused}
            onDelete={() => setDialog('delete')}
          />
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
          <h2>Runs</h2>
          {runs.length === 0 && <p className="hint">No runs yet.</p>}
          <ol className="runs">
            {runs.map((r) => (
              <li key={r.id} className={`run ${r.status.toLowerCase()}`}>
                <div>
                  <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.trigger.toLowerCase()} · {r.location} · {r.durationMs} ms
                </div>
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
              </li>
            ))}
          </ol>
          {dialog === 'edit' && (
            <JourneyForm
              s={s}
              journey={journey}
              onClose={closeDialog}
              onSaved={(j) => {
                setDialog(null);
                setJourney(j);
              }}
            />
          )}
          {dialog === 'delete' && (
            <ConfirmDialog
              s={s}
              title={`Delete “${journey.name}”?`}
              action="Delete journey"
              onClose={closeDialog}
              onConfirm={async () => {
                await gql(s.key, DeleteJourneyDocument, { id });
                window.location.hash = '#/journeys';
              }}
            >
              <p>The journey stops running and its runs and alerts are deleted with it. This cannot be undone.</p>
            </ConfirmDialog>
          )}
        </>
      )}
    </section>
  );
}
