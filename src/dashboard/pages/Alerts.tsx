import { useCallback, useEffect, useState } from 'react';
import { AcknowledgeAlertDocument, AlertsDocument, ResolveAlertDocument, type AlertsQuery, type AlertStatus } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { ScopedButton } from '../components/ScopedButton';
import { AlertChangedDocument } from '../../client/generated/graphql';
import { useLive } from '../live';

type Alert = AlertsQuery['alerts']['nodes'][number];

/**
 * Open (and acknowledged) alerts, with Acknowledge / Resolve for keys holding alerts:write; or, with `history`, every
 * alert newest first (resolved ones too), filtered by status, a page at a time.
 */
export function Alerts({ s, history = false }: { s: Session; history?: boolean }) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [status, setStatus] = useState<AlertStatus | ''>('');
  const [next, setNext] = useState<string | null>(null);
  const { error, call } = useApi(s);
  const held = s.perms;

  const load = useCallback(
    async (after?: string) => {
      const data = await call(() => gql(AlertsDocument, { first: history ? 25 : 100, after, status: history && status ? status : undefined }));
      if (!data) return;
      const page = history ? data.alerts.nodes : data.alerts.nodes.filter((a) => a.status !== 'RESOLVED');
      setAlerts((prev) => (after ? [...(prev ?? []), ...page] : page));
      setNext(history && data.alerts.pageInfo.hasNextPage ? data.alerts.pageInfo.endCursor : null);
    },
    [s, call, history, status],
  );
  useEffect(() => void load(), [load]);
  // an alert opened, was acknowledged or resolved: the open alerts read again (the history keeps the pages it shows)
  useLive(AlertChangedDocument, undefined, () => load(), !history);

  const act = async (a: Alert, what: 'ack' | 'resolve') => {
    const done = await call<unknown>(() =>
      what === 'ack' ? gql(AcknowledgeAlertDocument, { id: a.id }) : gql(ResolveAlertDocument, { id: a.id }),
    );
    if (done) await load();
  };

  return (
    <section aria-labelledby="alerts-title">
      <div className="section-head">
        <h1 id="alerts-title">{history ? 'Alert history' : 'Open alerts'}</h1>
        <nav aria-label="Alerts" className="toolbar">
          <a href="#/alerts" aria-current={history ? undefined : 'page'}>
            Open
          </a>
          <a href="#/alerts/history" aria-current={history ? 'page' : undefined}>
            History
          </a>
        </nav>
      </div>
      {history && (
        <div className="toolbar">
          <label htmlFor="alert-status">Status</label>
          <select id="alert-status" value={status} onChange={(e) => setStatus(e.target.value as AlertStatus | '')}>
            <option value="">All</option>
            <option value="OPEN">Open</option>
            <option value="ACKNOWLEDGED">Acknowledged</option>
            <option value="RESOLVED">Resolved</option>
          </select>
        </div>
      )}
      <ErrorNote error={error} />
      {alerts && alerts.length === 0 && <p className="hint">{history ? 'No alerts.' : 'No open alerts.'}</p>}
      <ul className="alerts">
        {(alerts ?? []).map((a) => (
          <li key={a.id} className={`alert ${a.status.toLowerCase()}`} data-alert-id={a.id}>
            <div>
              <span className={`status ${a.status.toLowerCase()}`}>{a.status}</span> <strong>{a.source.name}</strong> ({a.source.kind.toLowerCase()}) · opened{' '}
              {dateTime(a.openedAt)}
              {a.resolvedAt && <> · resolved {dateTime(a.resolvedAt)}{a.resolvedByName ? ` by ${a.resolvedByName}` : ''}</>}
            </div>
            <div>{a.cause}</div>
            {a.acknowledgedByName && <div className="hint">Acknowledged by {a.acknowledgedByName}</div>}
            {a.status !== 'RESOLVED' && (
              <div className="actions">
                <ScopedButton held={held} scope="alerts:write" disabled={a.status !== 'OPEN'} onClick={() => act(a, 'ack')}>
                  Acknowledge
                </ScopedButton>
                <ScopedButton held={held} scope="alerts:write" onClick={() => act(a, 'resolve')}>
                  Resolve
                </ScopedButton>
              </div>
            )}
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => load(next)}>
          Load more
        </button>
      )}
    </section>
  );
}
