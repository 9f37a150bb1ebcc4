import { useEffect, useState } from 'react';
import {
  DeleteMonitorDocument,
  MonitorDocument,
  MonitorRunsDocument,
  MonitorsOverviewDocument,
  MonitorsUptimeDocument,
  PauseMonitorDocument,
  ResumeMonitorDocument,
  RunMonitorDocument,
  type MonitorFieldsFragment,
  type MonitorRunsQuery,
  type MonitorsOverviewQuery,
  type MonitorsUptimeQuery,
  type TlsFieldsFragment,
} from '../../client/generated/graphql';
import { gql } from '../api';
import type { Session } from '../session';
import { dateTime, percent } from '../format';
import { MonitorForm } from '../components/MonitorForm';
import { MonitorStats } from '../components/MonitorStats';
import { AssertionResults, CheckSettings, RequestHeaders, RunDetails } from '../components/CheckViews';
import type { DashboardKind } from './kind';

type Row = MonitorsOverviewQuery['monitors']['nodes'][number] & { uptime?: MonitorsUptimeQuery['monitors']['nodes'][number] };
type Run = MonitorRunsQuery['monitorRuns']['nodes'][number];

const uptimeColumn = (header: string, window: 'day' | 'week' | 'month') => ({
  header,
  cell: (m: Row) => (
    <td className="uptime" data-window={window} data-label={header}>
      {percent(m.uptime?.[window].uptimePercent)}
    </td>
  ),
});

/** Monitors: one request each; the list adds uptime over three windows, the detail page the request and statistics. */
export const monitorKind: DashboardKind<Row, MonitorFieldsFragment, Run> = {
  name: 'monitor',
  label: 'Monitor',
  plural: 'monitors',
  title: 'Monitors',
  list: {
    load: async () => {
      const [overview, uptime] = await Promise.all([gql(MonitorsOverviewDocument, { first: 50, runs: 20 }), gql(MonitorsUptimeDocument, { first: 50 })]);
      const byId = new Map(uptime.monitors.nodes.map((u) => [u.id, u]));
      return overview.monitors.nodes.map((m) => ({ ...m, uptime: byId.get(m.id) }));
    },
    tableClass: 'checks monitors',
    summary: (m) => (
      <div className="hint url">
        {m.method} {m.url}
      </div>
    ),
    chart: { header: 'Response time (last 20 runs)', label: (m) => `Response times of the last ${m.recentRuns.length} runs of ${m.name}` },
    columns: [uptimeColumn('Uptime 24 h', 'day'), uptimeColumn('7 d', 'week'), uptimeColumn('30 d', 'month')],
  },
  detail: {
    load: async (id) => {
      const [m, r] = await Promise.all([gql(MonitorDocument, { id }), gql(MonitorRunsDocument, { monitorId: id, first: 20 })]);
      return [m.monitor, r.monitorRuns.nodes];
    },
    Overview: MonitorOverview,
    RunItem: ({ run: r, open }) => (
      <RunDetails
        open={open}
        summary={
          <>
            <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.trigger.toLowerCase()} · {r.location} ·{' '}
            {r.responseStatus ?? 'no response'} · {r.durationMs ?? '—'} ms
            {r.degraded && <> · <span className="status degraded">degraded</span></>}
            {r.attempts > 1 && <> · {r.attempts} attempts</>}
            {r.tls && <> · certificate {daysLeft(r.tls.daysRemaining)}</>}
          </>
        }
      >
        {r.error && <div className="error">{r.error}</div>}
        {r.attemptErrors.length > (r.status === 'FAILED' ? 1 : 0) && (
          <div className="hint">Earlier attempts: {r.attemptErrors.slice(0, r.status === 'FAILED' ? -1 : undefined).join('; ')}</div>
        )}
        {r.assertions.length > 0 && <AssertionResults results={r.assertions} />}
      </RunDetails>
    ),
  },
  run: (id) => gql(RunMonitorDocument, { id }),
  pause: async (id) => (await gql(PauseMonitorDocument, { id })).pauseMonitor,
  resume: async (id) => (await gql(ResumeMonitorDocument, { id })).resumeMonitor,
  remove: (id) => gql(DeleteMonitorDocument, { id }),
  Form: ({ check, ...rest }) => <MonitorForm {...rest} monitor={check} />,
};

const daysLeft = (n: number) => (n < 0 ? `expired ${-n} day${n === -1 ? '' : 's'} ago` : `${n} day${n === 1 ? '' : 's'} left`);

/** An HTTPS monitor's certificate as its newest run saw it: days left, and when it expires. */
function Certificate({ id, warningDays }: { id: string; warningDays: number | null }) {
  const [tls, setTls] = useState<TlsFieldsFragment | null | undefined>(undefined);
  useEffect(() => {
    gql(MonitorRunsDocument, { monitorId: id, first: 1 }).then(
      (r) => setTls(r.monitorRuns.nodes[0]?.tls ?? null),
      () => setTls(null),
    );
  }, [id]);
  if (!tls) return tls === null ? <p className="hint">Certificate: not seen yet (no run has finished a TLS handshake).</p> : null;
  const warn = warningDays !== null && tls.daysRemaining < warningDays;
  return (
    <p className={warn ? 'error' : 'hint'}>
      Certificate: <strong>{daysLeft(tls.daysRemaining)}</strong> (expires {dateTime(tls.validTo)}; {tls.subject}, issued by {tls.issuer}
      {tls.protocol ? `, ${tls.protocol}` : ''})
    </p>
  );
}

/** What a monitor requests and expects, after its statistics and schedule. */
function MonitorOverview({ s, id, check: monitor }: { s: Session; id: string; check: MonitorFieldsFragment }) {
  return (
    <>
      <p className="hint url">
        {monitor.method} {monitor.url}
      </p>
      {monitor.url.startsWith('https:') && <Certificate id={id} warningDays={monitor.tlsExpiryWarningDays ?? null} />}
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
    </>
  );
}
