import { useCallback, useEffect, useState } from 'react';
import { JourneysOverviewDocument, RunJourneyDocument, type JourneysOverviewQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { Sparkline } from '../components/Sparkline';
import { ErrorNote } from '../components/ErrorNote';
import { ChecksHead, RunNowButton } from '../components/CheckHead';
import { JourneyForm } from '../components/JourneyForm';

type Journey = JourneysOverviewQuery['journeys']['nodes'][number];

/** Journeys with their status, steps and the duration of their last runs; New journey, and Run now for keys holding journeys:run. */
export function Journeys({ s }: { s: Session }) {
  const [journeys, setJourneys] = useState<Journey[] | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const { error, call } = useApi(s);
  const held = s.me.key.permissions;

  const load = useCallback(async () => {
    const data = await call(() => gql(s.key, JourneysOverviewDocument, { first: 50, runs: 20 }));
    if (data) setJourneys(data.journeys.nodes);
  }, [s, call]);
  useEffect(() => void load(), [load]);

  const runNow = async (j: Journey) => {
    setRunning(j.id);
    if (await call(() => gql(s.key, RunJourneyDocument, { id: j.id }))) await load();
    setRunning(null);
  };

  return (
    <section aria-labelledby="journeys-title">
      <ChecksHead kind="journey" held={held} onNew={() => setCreating(true)} />
      <ErrorNote error={error} />
      {journeys && journeys.length === 0 && (
        <p className="hint">
          No journeys yet. Create one with New journey, or with the API (<code>createJourney</code> or <code>POST /v1/journeys</code>).
        </p>
      )}
      {journeys && journeys.length > 0 && (
        <div className="table-wrap">
          <table className="checks">
            <caption className="sr-only">Journeys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Last run</th>
                <th scope="col">Duration (last 20 runs)</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {journeys.map((j) => (
                <tr key={j.id} data-journey-id={j.id}>
                  <td>
                    <a href={`#/journeys/${j.id}`}>{j.name}</a>
                    <div className="hint">
                      {j.steps.length} step{j.steps.length === 1 ? '' : 's'}: {j.steps.map((st) => st.name).join(' → ')}
                    </div>
                  </td>
                  <td data-label="Status">
                    <span className={`status ${j.status.toLowerCase()}`}>{j.status}</span>
                  </td>
                  <td data-label="Last run">{dateTime(j.lastRunAt)}</td>
                  <td className="chart">
                    <Sparkline runs={j.recentRuns} label={`Durations of the last ${j.recentRuns.length} runs of ${j.name}`} />
                  </td>
                  <td>
                    <RunNowButton kind="journey" held={held} check={j} running={running} onRun={() => runNow(j)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <JourneyForm
          s={s}
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            void load();
          }}
        />
      )}
    </section>
  );
}
