import { useCallback, useEffect, useState } from 'react';
import { AcknowledgeAlertDocument, AlertsDocument, ResolveAlertDocument, type AlertsQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../App';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { ScopedButton } from '../components/ScopedButton';

type Alert = AlertsQuery['alerts']['nodes'][number];

/** Open (and acknowledged) alerts, with Acknowledge / Resolve for keys holding alerts:write. */
export function Alerts({ s }: { s: Session }) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const { error, call } = useApi(s);
  const held = s.me.key.permissions;

  const load = useCallback(async () => {
    const data = await call(() => gql(s.key, AlertsDocument, { first: 100 }));
    if (data) setAlerts(data.alerts.nodes.filter((a) => a.status !== 'RESOLVED'));
  }, [s, call]);
  useEffect(() => void load(), [load]);

  const act = async (a: Alert, what: 'ack' | 'resolve') => {
    const done = await call<unknown>(() =>
      what === 'ack' ? gql(s.key, AcknowledgeAlertDocument, { id: a.id }) : gql(s.key, ResolveAlertDocument, { id: a.id }),
    );
    if (done) await load();
  };

  return (
    <section aria-labelledby="alerts-title">
      <div className="section-head">
        <h1 id="alerts-title">Open alerts</h1>
      </div>
      <ErrorNote error={error} />
      {alerts && alerts.length === 0 && <p className="hint">No open alerts.</p>}
      <ul className="alerts">
        {(alerts ?? []).map((a) => (
          <li key={a.id} className={`alert ${a.status.toLowerCase()}`}>
            <div>
              <span className={`status ${a.status.toLowerCase()}`}>{a.status}</span> <strong>{a.source.name}</strong> ({a.source.kind.toLowerCase()}) · opened{' '}
              {dateTime(a.openedAt)}
            </div>
            <div>{a.cause}</div>
            {a.acknowledgedByName && <div className="hint">Acknowledged by {a.acknowledgedByName}</div>}
            <div className="actions">
              <ScopedButton held={held} scope="alerts:write" disabled={a.status !== 'OPEN'} onClick={() => act(a, 'ack')}>
                Acknowledge
              </ScopedButton>
              <ScopedButton held={held} scope="alerts:write" onClick={() => act(a, 'resolve')}>
                Resolve
              </ScopedButton>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
