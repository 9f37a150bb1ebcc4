import { useCallback, useEffect, useState } from 'react';
import { MonitorDocument, MonitorRunsDocument, RunMonitorDocument, type MonitorQuery, type MonitorRunsQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../App';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { ScopedButton } from '../components/ScopedButton';
import { MonitorStats } from '../components/MonitorStats';

/** One monitor and its runs, each with its assertion results. */
export function MonitorDetail({ s, id }: { s: Session; id: string }) {
  const [monitor, setMonitor] = useState<MonitorQuery['monitor'] | null>(null);
  const [runs, setRuns] = useState<MonitorRunsQuery['monitorRuns']['nodes']>([]);
  const [busy, setBusy] = useState(false);
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    const data = await call(() => Promise.all([gql(s.key, MonitorDocument, { id }), gql(s.key, MonitorRunsDocument, { monitorId: id, first: 20 })]));
    if (!data) return;
    setMonitor(data[0].monitor);
    setRuns(data[1].monitorRuns.nodes);
  }, [s, id, call]);
  useEffect(() => void load(), [load]);

  const runNow = async () => {
    setBusy(true);
    if (await call(() => gql(s.key, RunMonitorDocument, { id }))) await load();
    setBusy(false);
  };

  return (
    <section aria-labelledby="monitor-title">
      <p>
        <a href="#/monitors">← Monitors</a>
      </p>
      <ErrorNote error={error} />
      {monitor && (
        <>
          <div className="section-head">
            <h1 id="monitor-title">{monitor.name}</h1>
            <span className={`status ${monitor.status.toLowerCase()}`}>{monitor.status}</span>
            <ScopedButton held={s.me.key.permissions} scope="monitors:run" onClick={runNow} disabled={busy}>
              {busy ? 'Running…' : 'Run now'}
            </ScopedButton>
          </div>
          <p className="hint url">
            {monitor.method} {monitor.url} · every {monitor.intervalSeconds} s · timeout {monitor.timeoutMs} ms
          </p>
          <MonitorStats s={s} id={id} />
          <h2>Runs</h2>
          {runs.length === 0 && <p className="hint">No runs yet.</p>}
          <ol className="runs">
            {runs.map((r) => (
              <li key={r.id} className={`run ${r.status.toLowerCase()}`}>
                <div>
                  <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.trigger.toLowerCase()} ·{' '}
                  {r.responseStatus ?? 'no response'} · {r.durationMs ?? '—'} ms
                </div>
                {r.error && <div className="error">{r.error}</div>}
                {r.assertions.length > 0 && (
                  <ul className="assertions" aria-label="Assertions">
                    {r.assertions.map((a, i) => (
                      <li key={i} className={a.passed ? 'pass' : 'fail'}>
                        {a.passed ? '✓' : '✗'} {a.source}
                        {a.property ? ` ${a.property}` : ''} {a.comparison} {a.target ?? ''} <span className="hint">(actual: {a.actual ?? '—'})</span>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
