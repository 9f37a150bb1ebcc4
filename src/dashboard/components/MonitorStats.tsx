import { useCallback, useEffect, useState } from 'react';
import { MonitorStatsDocument, MonitorStatsOverviewDocument, type MonitorStatsOverviewQuery, type MonitorStatsQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { percent } from '../format';
import { ErrorNote } from './ErrorNote';
import { ResponseChart } from './ResponseChart';

type Overview = MonitorStatsOverviewQuery['monitor'];
type Stats = MonitorStatsQuery['monitor']['stats'];

const CHARTS = {
  '24h': { window: 'LAST_24_HOURS', interval: 'HOUR', label: 'Last 24 hours, hourly' },
  '7d': { window: 'LAST_7_DAYS', interval: 'HOUR', label: 'Last 7 days, hourly' },
  '30d': { window: 'LAST_30_DAYS', interval: 'DAY', label: 'Last 30 days, daily' },
  '90d': { window: 'LAST_90_DAYS', interval: 'DAY', label: 'Last 90 days, daily' },
} as const;
type ChartKey = keyof typeof CHARTS;

const ms = (v: number | null | undefined) => (v == null ? '—' : `${v} ms`);

/** Uptime over three windows, the response-time chart, and the same statistics per location. */
export function MonitorStats({ s, id }: { s: Session; id: string }) {
  const [chart, setChart] = useState<ChartKey>('24h');
  // the series with the window it was read for: the chart's title and axis follow the data drawn, not the selector
  const [overview, setOverview] = useState<(Overview & { chart: ChartKey }) | null>(null);
  const [byLocation, setByLocation] = useState<{ location: string; stats: Stats }[]>([]);
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    const { window, interval } = CHARTS[chart];
    const data = await call(() => gql(MonitorStatsOverviewDocument, { id, window, interval }));
    if (!data) return;
    setOverview({ ...data.monitor, chart });
    const per = await call(() =>
      Promise.all(data.monitor.locations.map(async (location) => ({ location, stats: (await gql(MonitorStatsDocument, { id, window: 'LAST_7_DAYS', location })).monitor.stats }))),
    );
    if (per) setByLocation(per);
  }, [s, id, chart, call]);
  useEffect(() => void load(), [load]);

  if (!overview) return <ErrorNote error={error} />;
  const windows = [
    ['24 hours', overview.day],
    ['7 days', overview.week],
    ['30 days', overview.month],
  ] as const;
  return (
    <section aria-labelledby="stats-title">
      <h2 id="stats-title">Uptime and response time</h2>
      <ErrorNote error={error} />
      <div className="cards">
        {windows.map(([label, st]) => (
          <div className="card" key={label} data-testid={`uptime-${label.replace(' ', '')}`}>
            <span className="hint">Uptime, last {label}</span>
            <strong className="uptime">{percent(st.uptimePercent)}</strong>
            <span className="hint">
              {st.runs} runs · p95 {ms(st.responseTime.p95)}
            </span>
          </div>
        ))}
      </div>
      <div className="toolbar">
        <label htmlFor="chart-window">Chart</label>
        <select id="chart-window" value={chart} onChange={(e) => setChart(e.target.value as ChartKey)}>
          {Object.entries(CHARTS).map(([k, c]) => (
            <option key={k} value={k}>
              {c.label}
            </option>
          ))}
        </select>
      </div>
      <ResponseChart buckets={overview.series} daily={CHARTS[overview.chart].interval === 'DAY'} title={`Response time, ${CHARTS[overview.chart].label.toLowerCase()}`} />
      <h3>By location, last 7 days</h3>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Statistics per location over the last 7 days</caption>
          <thead>
            <tr>
              <th scope="col">Location</th>
              <th scope="col">Uptime</th>
              <th scope="col">Runs</th>
              <th scope="col">Failures</th>
              <th scope="col">p50</th>
              <th scope="col">p95</th>
              <th scope="col">p99</th>
            </tr>
          </thead>
          <tbody>
            {byLocation.map(({ location, stats }) => (
              <tr key={location} data-location={location}>
                <th scope="row">{location}</th>
                <td className="uptime">{percent(stats.uptimePercent)}</td>
                <td>{stats.runs}</td>
                <td>{stats.failures}</td>
                <td>{ms(stats.responseTime.p50)}</td>
                <td>{ms(stats.responseTime.p95)}</td>
                <td>{ms(stats.responseTime.p99)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
