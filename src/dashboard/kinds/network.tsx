import {
  DeleteDnsMonitorDocument,
  DeleteTcpMonitorDocument,
  DnsMonitorDocument,
  DnsMonitorRunsDocument,
  DnsMonitorsOverviewDocument,
  PauseDnsMonitorDocument,
  PauseTcpMonitorDocument,
  ResumeDnsMonitorDocument,
  ResumeTcpMonitorDocument,
  RunDnsMonitorDocument,
  RunTcpMonitorDocument,
  TcpMonitorDocument,
  TcpMonitorRunsDocument,
  TcpMonitorsOverviewDocument,
  type DnsMonitorFieldsFragment,
  type DnsMonitorRunsQuery,
  type DnsMonitorsOverviewQuery,
  type TcpMonitorFieldsFragment,
  type TcpMonitorRunsQuery,
  type TcpMonitorsOverviewQuery,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { dateTime } from '../format';
import { CheckSettings } from '../components/CheckViews';
import { DnsMonitorForm, TcpMonitorForm } from '../components/TcpDnsForms';
import type { DashboardKind } from './kind';

type TcpRow = TcpMonitorsOverviewQuery['tcpMonitors']['nodes'][number];
type TcpRun = TcpMonitorRunsQuery['tcpMonitorRuns']['nodes'][number];
type DnsRow = DnsMonitorsOverviewQuery['dnsMonitors']['nodes'][number];
type DnsRun = DnsMonitorRunsQuery['dnsMonitorRuns']['nodes'][number];

type RunHead = { status: string; startedAt: string; trigger: string; location: string; durationMs: number; degraded: boolean; attempts: number; attemptErrors: string[] };

const runHead = (r: RunHead, timing: string) => (
  <>
    <div>
      <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.trigger.toLowerCase()} · {r.location} · {timing}
      {r.degraded && <> · <span className="status degraded">degraded</span></>}
      {r.attempts > 1 && <> · {r.attempts} attempts</>}
    </div>
    {r.attemptErrors.length > (r.status === 'FAILED' ? 1 : 0) && (
      <div className="hint">Earlier attempts: {r.attemptErrors.slice(0, r.status === 'FAILED' ? -1 : undefined).join('; ')}</div>
    )}
  </>
);

/** Degraded threshold and retries, as the settings list shows them. */
const probeSettings = (c: { degradedResponseTimeMs?: number | null; retry?: { strategy: string; maxRetries: number; baseBackoffMs: number } | null }) => (
  <>
    <dt>Degraded above</dt>
    <dd>{c.degradedResponseTimeMs != null ? `${c.degradedResponseTimeMs} ms` : 'never'}</dd>
    <dt>Retries</dt>
    <dd>{c.retry ? `${c.retry.maxRetries} × ${c.retry.strategy.toLowerCase()}, base wait ${c.retry.baseBackoffMs} ms` : 'none'}</dd>
  </>
);

/** TCP checks: a connection to host:port, optionally a line sent and a text expected back. */
export const tcpMonitorKind: DashboardKind<TcpRow, TcpMonitorFieldsFragment, TcpRun> = {
  name: 'tcp-check',
  label: 'TcpMonitor',
  plural: 'tcp-monitors',
  scopes: 'monitors',
  title: 'TCP checks',
  list: {
    load: async () => (await gql(TcpMonitorsOverviewDocument, { first: 50, runs: 20 })).tcpMonitors.nodes,
    tableClass: 'checks',
    summary: (c) => <div className="hint">{`${c.host}:${c.port}`}</div>,
    chart: { header: 'Duration (last 20 runs)', label: (c) => `Durations of the last ${c.recentRuns.length} runs of ${c.name}` },
    columns: [],
  },
  detail: {
    load: async (id) => {
      const [c, r] = await Promise.all([gql(TcpMonitorDocument, { id }), gql(TcpMonitorRunsDocument, { tcpMonitorId: id, first: 20 })]);
      return [c.tcpMonitor, r.tcpMonitorRuns.nodes];
    },
    Overview: ({ check: c }) => (
      <>
        <p className="hint">{`${c.host}:${c.port}`}</p>
        <CheckSettings check={c} />
        <dl className="settings">
          <dt>Send</dt>
          <dd>{c.send ?? 'nothing'}</dd>
          <dt>Expect</dt>
          <dd>{c.expect ?? 'a connection'}</dd>
          {probeSettings(c)}
        </dl>
      </>
    ),
    RunItem: ({ run: r }) => (
      <>
        {runHead(r, `connect ${r.timings?.connect != null ? `${Math.round(r.timings.connect)} ms` : '—'}`)}
        {r.error && <div className="error">{r.error}</div>}
        {r.tcp.received && <pre className="body">{r.tcp.received}</pre>}
      </>
    ),
  },
  run: (id) => gql(RunTcpMonitorDocument, { id }),
  pause: async (id) => (await gql(PauseTcpMonitorDocument, { id })).pauseTcpMonitor,
  resume: async (id) => (await gql(ResumeTcpMonitorDocument, { id })).resumeTcpMonitor,
  remove: (id) => gql(DeleteTcpMonitorDocument, { id }),
  Form: (props) => <TcpMonitorForm {...props} />,
};

/** DNS checks: one query of one record type, asserted on the answers. */
export const dnsMonitorKind: DashboardKind<DnsRow, DnsMonitorFieldsFragment, DnsRun> = {
  name: 'dns-check',
  label: 'DnsMonitor',
  plural: 'dns-monitors',
  scopes: 'monitors',
  title: 'DNS checks',
  list: {
    load: async () => (await gql(DnsMonitorsOverviewDocument, { first: 50, runs: 20 })).dnsMonitors.nodes,
    tableClass: 'checks',
    summary: (c) => <div className="hint">{`${c.recordType} ${c.hostname}${c.resolver ? ` @ ${c.resolver}` : ''}`}</div>,
    chart: { header: 'Resolution time (last 20 runs)', label: (c) => `Resolution times of the last ${c.recentRuns.length} runs of ${c.name}` },
    columns: [],
  },
  detail: {
    load: async (id) => {
      const [c, r] = await Promise.all([gql(DnsMonitorDocument, { id }), gql(DnsMonitorRunsDocument, { dnsMonitorId: id, first: 20 })]);
      return [c.dnsMonitor, r.dnsMonitorRuns.nodes];
    },
    Overview: ({ check: c }) => (
      <>
        <p className="hint">{`${c.recordType} ${c.hostname}`}</p>
        <CheckSettings check={c} />
        <dl className="settings">
          <dt>Resolver</dt>
          <dd>{c.resolver ?? "the server's own"}</dd>
          <dt>Expected ({c.match === 'ALL' ? 'every one' : 'any one'})</dt>
          <dd>{c.expectedValues.length ? c.expectedValues.join(', ') : 'any answer'}</dd>
          {probeSettings(c)}
        </dl>
      </>
    ),
    RunItem: ({ run: r }) => (
      <>
        {runHead(r, `resolved in ${r.timings?.dns != null ? `${Math.round(r.timings.dns)} ms` : '—'}`)}
        {r.error && <div className="error">{r.error}</div>}
        {r.dns.answers.length > 0 && (
          <ul className="plain" aria-label="Answers">
            {r.dns.answers.map((a, i) => (
              <li key={i}>{a}</li>
            ))}
          </ul>
        )}
      </>
    ),
  },
  run: (id) => gql(RunDnsMonitorDocument, { id }),
  pause: async (id) => (await gql(PauseDnsMonitorDocument, { id })).pauseDnsMonitor,
  resume: async (id) => (await gql(ResumeDnsMonitorDocument, { id })).resumeDnsMonitor,
  remove: (id) => gql(DeleteDnsMonitorDocument, { id }),
  Form: (props) => <DnsMonitorForm {...props} />,
};
