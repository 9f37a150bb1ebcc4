import { useCallback, useEffect, useState } from 'react';
import { MonitorsOverviewDocument, MonitorsUptimeDocument, RunMonitorDocument, type MonitorsOverviewQuery, type MonitorsUptimeQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime, percent } from '../format';
import { Sparkline } from '../components/Sparkline';
import { ErrorNote } from '../components/ErrorNote';
import { ChecksHead, RunNowButton } from '../components/CheckHead';
import { MonitorForm } from '../components/MonitorForm';

type Monitor = MonitorsOverviewQuery['monitors']['nodes'][number];
type Uptime = MonitorsUptimeQuery['monitors']['nodes'][number];

export function Monitors({ s }: { s: Session }) {
  const [monitors, setMonitors] = useState<Monitor[] | null>(null);
  const [uptime, setUptime] = useState<Map<string, Uptime>>(new Map());
  const [running, setRunning] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const held = s.me.key.permissions;
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    const data = await call(() => Promise.all([gql(s.key, MonitorsOverviewDocument, { first: 50, runs: 20 }), gql(s.key, MonitorsUptimeDocument, { first: 50 })]));
    if (!data) return;
    setMonitors(data[0].monitors.nodes);
    setUptime(new Map(data[1].monitors.nodes.map((u) => [u.id, u])));
  }, [s, call]);
  useEffect(() => void load(), [load]);

  const runNow = async (m: Monitor) => {
    setRunning(m.id);
    if (await call(() => gql(s.key, RunMonitorDocument, { id: m.id }))) await load();
    setRunning(null);
  };

  return (
    <section aria-labelledby="monitors-title">
      <ChecksHead kind="monitor" held={held} onNew={() => setCreating(true)} />
      <ErrorNote error={error} />
      {monitors?.some((m) => m.quotaExhausted) && (
        <p className="warning" role="status">
          This month’s runs are used up: checks are paused until next month or a bigger plan (see Alerts).
        </p>
      )}
      {monitors && monitors.length === 0 && (
        <p className="hint">
          No monitors yet. Create one with New monitor, or with the API (<code>createMonitor</code> or <code>POST /v1/monitors</code>).
        </p>
      )}
      {monitors && monitors.length > 0 && (
        <div className="table-wrap">
          <table className="checks monitors">
            <caption className="sr-only">Monitors, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Last run</th>
                <th scope="col">Response time (last 20 runs)</th>
                <th scope="col">Uptime 24 h</th>
                <th scope="col">7 d</th>
                <th scope="col">30 d</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {monitors.map((m) => (
                <tr key={m.id} data-monitor-id={m.id}>
                  <td>
                    <a href={`#/monitors/${m.id}`}>{m.name}</a>
                    <div className="hint url">
                      {m.method} {m.url}
                    </div>
                  </td>
                  <td data-label="Status">
                    <span className={`status ${m.status.toLowerCase()}`}>{m.status}</span>
                  </td>
                  <td data-label="Last run">{dateTime(m.lastRunAt)}</td>
                  <td className="chart">
                    <Sparkline runs={m.recentRuns} label={`Response times of the last ${m.recentRuns.length} runs of ${m.name}`} />
                  </td>
                  <td className="uptime" data-window="day" data-label="Uptime 24 h">{percent(uptime.get(m.id)?.day.uptimePercent)}</td>
                  <td className="uptime" data-window="week" data-label="7 d">{percent(uptime.get(m.id)?.week.uptimePercent)}</td>
                  <td className="uptime" data-window="month" data-label="30 d">{percent(uptime.get(m.id)?.month.uptimePercent)}</td>
                  <td>
                    <RunNowButton kind="monitor" held={held} check={m} running={running} onRun={() => runNow(m)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <MonitorForm
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
