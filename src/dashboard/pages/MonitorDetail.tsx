import {
  DeleteMonitorDocument,
  MonitorDocument,
  MonitorRunsDocument,
  PauseMonitorDocument,
  ResumeMonitorDocument,
  RunMonitorDocument,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { useCheckDetail } from '../useCheckDetail';
import type { Session } from '../session';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { CheckHead } from '../components/CheckHead';
import { MonitorForm } from '../components/MonitorForm';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { AssertionResults, CheckSettings, RequestHeaders } from '../components/CheckViews';
import { MonitorStats } from '../components/MonitorStats';

/** One monitor: what it checks, Edit / Pause / Resume / Delete / Run now, and its runs with their assertion results. */
export function MonitorDetail({ s, id }: { s: Session; id: string }) {
  const { check: monitor, setCheck: setMonitor, runs, busy, dialog, setDialog, closeDialog, error, runNow, togglePaused } = useCheckDetail(s, id, {
    load: async () => {
      const [m, r] = await Promise.all([gql(s.key, MonitorDocument, { id }), gql(s.key, MonitorRunsDocument, { monitorId: id, first: 20 })]);
      return [m.monitor, r.monitorRuns.nodes];
    },
    run: () => gql(s.key, RunMonitorDocument, { id }),
    pause: async () => (await gql(s.key, PauseMonitorDocument, { id })).pauseMonitor,
    resume: async () => (await gql(s.key, ResumeMonitorDocument, { id })).resumeMonitor,
  });
  const held = s.me.key.permissions;

  return (
    <section aria-labelledby="monitor-title">
      <p>
        <a href="#/monitors">← Monitors</a>
      </p>
      <ErrorNote error={error} />
      {monitor && (
        <>
          <CheckHead
            kind="monitor"
            held={held}
            check={monitor}
            busy={busy}
            onRun={runNow}
            onEdit={() => setDialog('edit')}
            onTogglePaused={togglePaused}
            onDelete={() => setDialog('delete')}
          />
          <p className="hint url">
            {monitor.method} {monitor.url}
          </p>
          <MonitorStats s={s} id={id} />
          <CheckSettings check={monitor} />
          <h2>Request</h2>
          <dl className="settings">
            <dt>Headers</dt>
            <dd>
              <RequestHeaders headers={monitor.headers} />
            </dd>
            <dt>Body</dt>
            <dd>{monitor.body ? <pre className="body">{monitor.body}</pre> : 'none'}</dd>
            <dt>Expected status codes</dt>
            <dd>{monitor.expectedStatusCodes.join(', ')}</dd>
            <dt>Assertions</dt>
            <dd>
              {monitor.assertions.length === 0 ? (
                'none'
              ) : (
                <ul className="plain">
                  {monitor.assertions.map((a, i) => (
                    <li key={i}>
                      {a.source}
                      {a.property ? ` ${a.property}` : ''} {a.comparison} {a.target ?? ''}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
          <h2>Runs</h2>
          {runs.length === 0 && <p className="hint">No runs yet.</p>}
          <ol className="runs">
            {runs.map((r) => (
              <li key={r.id} className={`run ${r.status.toLowerCase()}`}>
                <div>
                  <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.trigger.toLowerCase()} · {r.location} ·{' '}
                  {r.responseStatus ?? 'no response'} · {r.durationMs ?? '—'} ms
                </div>
                {r.error && <div className="error">{r.error}</div>}
                <AssertionResults results={r.assertions} />
              </li>
            ))}
          </ol>
          {dialog === 'edit' && (
            <MonitorForm
              s={s}
              monitor={monitor}
              onClose={closeDialog}
              onSaved={(m) => {
                setDialog(null);
                setMonitor(m);
              }}
            />
          )}
          {dialog === 'delete' && (
            <ConfirmDialog
              s={s}
              title={`Delete “${monitor.name}”?`}
              action="Delete monitor"
              onClose={closeDialog}
              onConfirm={async () => {
                await gql(s.key, DeleteMonitorDocument, { id });
                window.location.hash = '#/monitors';
              }}
            >
              <p>The monitor stops running and its runs and alerts are deleted with it. This cannot be undone.</p>
            </ConfirmDialog>
          )}
        </>
      )}
    </section>
  );
}
