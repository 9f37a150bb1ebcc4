import type { EntityManager } from '@mikro-orm/postgresql';

export type TimelineType = 'OPENED' | 'NOTIFIED' | 'ESCALATED' | 'ACKNOWLEDGED' | 'RESOLVED';
export type TimelineActorType = 'KEY' | 'MEMBER' | 'LINK' | 'SYSTEM';

export interface TimelineEntry {
  type: TimelineType;
  at: Date;
  step: number | null;
  repeat: number | null;
  channelId: string | null;
  channelName: string | null;
  deliveryId: string | null;
  deliveryStatus: string | null;
  actorType: TimelineActorType | null;
  actorName: string | null;
}

/** The alert's own columns the timeline reads (AlertView's). */
export interface TimelineAlert {
  id: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgedByName: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolvedByName: string | null;
}

/** Who, from the id an alert records: `key_…`, `mem_…`, `link` (a one-click link), or the system. */
const actorType = (id: string | null): TimelineActorType => (id?.startsWith('key_') ? 'KEY' : id?.startsWith('mem_') ? 'MEMBER' : id === 'link' ? 'LINK' : 'SYSTEM');

/** Same instant: the opening first, the recorded lines in their order, then acknowledgement and resolution. */
const ORDER: Record<TimelineType, number> = { OPENED: 0, ESCALATED: 1, NOTIFIED: 1, ACKNOWLEDGED: 2, RESOLVED: 3 };

const blank = { step: null, repeat: null, channelId: null, channelName: null, deliveryId: null, deliveryStatus: null, actorType: null, actorName: null };

/**
 * An alert's timeline, oldest first: its opening, acknowledgement and resolution (from the alert's own columns),
 * and the escalations and notifications recorded with it (alert_events), each notification with its delivery's
 * status now and its channel's name (null once the channel is deleted).
 */
export async function timelineOf(em: EntityManager, organizationId: string, a: TimelineAlert): Promise<TimelineEntry[]> {
  const rows = await em.execute<{ type: TimelineType; at: Date; step: number | null; repeat: number | null; channel_id: string | null; channel_name: string | null; delivery_id: string | null; delivery_status: string | null }[]>(
    `select e.type, e.at, e.step, e.repeat, e.channel_id, c.name as channel_name, e.delivery_id, d.status as delivery_status
       from alert_events e
       left join notification_channels c on c.id = e.channel_id
       left join notification_deliveries d on d.id = e.delivery_id
      where e.alert_id = ? and e.organization_id = ?
      order by e.at, e.repeat nulls last, e.step nulls last, e.type, e.channel_id`,
    [a.id, organizationId],
  );
  const entries: TimelineEntry[] = [{ ...blank, type: 'OPENED', at: a.openedAt }];
  for (const r of rows)
    entries.push({ ...blank, type: r.type, at: new Date(r.at), step: r.step, repeat: r.repeat, channelId: r.channel_id, channelName: r.channel_name, deliveryId: r.delivery_id, deliveryStatus: r.delivery_status });
  if (a.acknowledgedAt) entries.push({ ...blank, type: 'ACKNOWLEDGED', at: a.acknowledgedAt, actorType: actorType(a.acknowledgedBy), actorName: a.acknowledgedByName });
  if (a.resolvedAt) entries.push({ ...blank, type: 'RESOLVED', at: a.resolvedAt, actorType: actorType(a.resolvedBy), actorName: a.resolvedByName });
  // A stable sort: lines of one instant (two steps one tick sent) keep the query's order, each step's escalation
  // before its notifications.
  return entries.sort((x, y) => x.at.getTime() - y.at.getTime() || ORDER[x.type] - ORDER[y.type]);
}
