import { useEffect, useState } from 'react';
import { AlertTimelineDocument, type AlertTimelineQuery } from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import { dateTime } from '../format';

type Entry = AlertTimelineQuery['alert']['timeline'][number];

/** One line of the timeline, in words. */
function line(e: Entry): string {
  const step = e.step !== null ? ` (step ${e.step}${e.repeat ? `, repeat ${e.repeat}` : ''})` : '';
  switch (e.type) {
    case 'OPENED':
      return 'Opened';
    case 'NOTIFIED':
      return `Notified ${e.channelName ?? 'a deleted channel'}${step}: ${e.deliveryStatus?.toLowerCase() ?? 'unknown'}`;
    case 'ESCALATED':
      return `Escalated${step}`;
    case 'ACKNOWLEDGED':
      return e.actorType === 'LINK' ? `Acknowledged (${e.actorName})` : `Acknowledged by ${e.actorName} (${e.actorType?.toLowerCase()})`;
    default:
      return `Resolved by ${e.actorName}`;
  }
}

/** An alert's timeline: opened, each notification (channel, step, delivery status), escalations, acknowledged, resolved. */
export function AlertTimeline({ id }: { id: string }) {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    gql(AlertTimelineDocument, { id })
      .then((r) => setEntries(r.alert.timeline))
      .catch((e) => setError(e instanceof ApiError ? e.display : String(e)));
  }, [id]);
  if (error) return <p className="error">{error}</p>;
  if (!entries) return <p className="hint">Loading the timeline…</p>;
  return (
    <ol className="timeline" aria-label="Timeline">
      {entries.map((e, i) => (
        <li key={i} data-type={e.type}>
          <time dateTime={String(e.at)}>{dateTime(e.at)}</time> {line(e)}
        </li>
      ))}
    </ol>
  );
}
