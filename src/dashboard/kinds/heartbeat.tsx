import {
  DeleteHeartbeatDocument,
  HeartbeatDocument,
  HeartbeatPingUrlDocument,
  HeartbeatRunsDocument,
  HeartbeatsOverviewDocument,
  PauseHeartbeatDocument,
  ResumeHeartbeatDocument,
  RotateHeartbeatTokenDocument,
  RunHeartbeatDocument,
  type HeartbeatFieldsFragment,
  type HeartbeatRunsQuery,
  type HeartbeatsOverviewQuery,
} from '../../client/generated/graphql';
import { useEffect, useState } from 'react';
import { holds } from '../scopes';
import { lacks } from '../components/ScopedButton';
import { gql } from '../api';
import type { Session } from '../session';
import { dateTime } from '../format';
import { HeartbeatForm } from '../components/HeartbeatForm';
import type { DashboardKind } from './kind';

type Row = HeartbeatsOverviewQuery['heartbeats']['nodes'][number];
type Run = HeartbeatRunsQuery['heartbeatRuns']['nodes'][number];

const schedule = (h: { periodSeconds?: number | null; cron?: string | null; timezone: string; graceSeconds: number }) =>
  h.cron ? `cron ${h.cron} (${h.timezone}) + ${h.graceSeconds} s grace` : `every ${h.periodSeconds} s + ${h.graceSeconds} s grace`;

/** Heartbeats: jobs ping tracer; the page shows the ping URL with copyable curl and crontab lines, and the recent pings. */
export const heartbeatKind: DashboardKind<Row, HeartbeatFieldsFragment, Run> = {
  name: 'heartbeat',
  label: 'Heartbeat',
  plural: 'heartbeats',
  scopes: 'monitors',
  title: 'Heartbeats',
  list: {
    load: async () => (await gql(HeartbeatsOverviewDocument, { first: 50, runs: 20 })).heartbeats.nodes,
    tableClass: 'checks heartbeats',
    summary: (h) => <div className="hint">{schedule(h)}</div>,
    chart: { header: 'Job duration (last 20 pings)', label: (h) => `Durations of the last ${h.recentRuns.length} pings of ${h.name}` },
    columns: [
      { header: 'Last ping', cell: (h) => <td data-label="Last ping">{dateTime(h.lastPingAt)}</td> },
      { header: 'Late after', cell: (h) => <td data-label="Late after">{dateTime(h.nextDeadlineAt)}</td> },
    ],
  },
  detail: {
    load: async (id) => {
      const [h, r] = await Promise.all([gql(HeartbeatDocument, { id }), gql(HeartbeatRunsDocument, { heartbeatId: id, first: 20 })]);
      return [h.heartbeat, r.heartbeatRuns.nodes];
    },
    Overview: HeartbeatOverview,
    RunItem: ({ run: r }) => (
      <>
        <div>
          <span className={`status ${r.status.toLowerCase()}`}>{r.status}</span> {dateTime(r.startedAt)} · {r.ping?.kind.toLowerCase().replace('_', ' ') ?? r.trigger.toLowerCase()}
          {r.ping?.exitCode != null ? ` ${r.ping.exitCode}` : ''} · {r.durationMs} ms
        </div>
        {r.error && <div className="error">{r.error}</div>}
        {r.ping?.log && <pre className="body">{r.ping.log}</pre>}
      </>
    ),
  },
  run: (id) => gql(RunHeartbeatDocument, { id }),
  pause: async (id) => (await gql(PauseHeartbeatDocument, { id })).pauseHeartbeat,
  resume: async (id) => (await gql(ResumeHeartbeatDocument, { id })).resumeHeartbeat,
  remove: (id) => gql(DeleteHeartbeatDocument, { id }),
  Form: ({ check, ...rest }) => <HeartbeatForm {...rest} heartbeat={check} />,
};

/** A line and a button that copies it. */
function Copyable({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copyable">
      <code data-testid={`copy-${label}`}>{text}</code>{' '}
      <button type="button" aria-label={`Copy the ${label} line`} onClick={() => void navigator.clipboard?.writeText(text).then(() => setCopied(true))}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** The ping URL and how to use it, then the schedule. */
function HeartbeatOverview({ s, id, check: h }: { s: Session; id: string; check: HeartbeatFieldsFragment }) {
  // The URL writes (a success hides a dead job): read only by a role holding monitors:write.
  const mayWrite = holds(s.perms, 'monitors:write');
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (mayWrite) void gql(HeartbeatPingUrlDocument, { id }).then((d) => setUrl(d.heartbeat.pingUrl), () => undefined);
  }, [id, mayWrite]);
  const when = h.cron ?? '*/5 * * * *';
  const rotate = async () => {
    if (!window.confirm('Make a new ping URL? The current one stops working at once.')) return;
    try {
      setUrl((await gql(RotateHeartbeatTokenDocument, { id })).rotateHeartbeatToken.pingUrl);
    } catch (err) {
      s.lost?.((err as Error).message);
    }
  };
  return (
    <>
      <h2>Ping URL</h2>
      {!mayWrite && <p className="hint">{lacks('monitors:write')}: the ping URL is not shown (whoever has it can report the job's runs).</p>}
      {url && (
        <>
          <Copyable label="url" text={url} />
          <p className="hint">GET, POST or HEAD it when the job succeeds; add /start when it begins, /fail or /&lt;exit code&gt; when it ends. No API key: keep it secret.</p>
          <Copyable label="curl" text={`curl -fsS -m 10 --retry 3 ${url} > /dev/null`} />
          <Copyable label="crontab" text={`${when} /path/to/job.sh && curl -fsS -m 10 --retry 3 ${url} > /dev/null`} />
          <button type="button" onClick={() => void rotate()}>
            New ping URL
          </button>
        </>
      )}
      <dl className="settings" aria-label="Settings">
        <dt>Expected</dt>
        <dd>{schedule(h)}</dd>
        <dt>Last ping</dt>
        <dd>{dateTime(h.lastPingAt)}</dd>
        <dt>Next expected</dt>
        <dd>{dateTime(h.nextExpectedAt)}</dd>
        <dt>Late after</dt>
        <dd>{dateTime(h.nextDeadlineAt)}</dd>
        <dt>Tags</dt>
        <dd>{h.tags.length ? h.tags.join(', ') : 'none'}</dd>
      </dl>
      <h2>Recent pings</h2>
    </>
  );
}
