import { kindOfEnum } from '../checks/kinds/registry';

/** What a person reads of a notification (Slack, email): built from the same payload a webhook receives. */

interface AlertData {
  alert?: { id: string; cause: string; status: string; subject?: string | null };
  check?: { id: string; name: string; kind: string } | null;
  locations?: string[];
  apiKey?: { id: string; name: string; expiresAt: string };
  daysLeft?: number;
  channel?: { name: string };
  plan?: string;
  /** A status page's incident (status-pages/subscribers.ts): only what the page shows publicly. */
  statusPage?: { name: string; url: string };
  incident?: { title: string; status: string; impact: string };
  update?: { status: string; message: string; createdAt: string };
  /** A status page's scheduled maintenance: its window's name and times, and the page's components it covers. */
  maintenance?: { name: string; startsAt: string; endsAt: string; components: string[]; cancelledAt?: string; inProgress?: boolean };
  ackUrl?: string | null;
  run?: { id: string; location: string; responseTimeMs: number; degradedResponseTimeMs: number };
  /** An escalation policy's step (and repeat) that sent it. */
  escalation?: { step: number; repeat: number };
  /** A channel's reminder (`remindEveryMinutes`), its number. */
  reminder?: { number: number };
}

export interface Readable {
  title: string;
  lines: string[];
  link: string;
  /** An open alert's one-click acknowledge link (`/alerts/ack?token=…`), for this message's channel: email, Slack, Teams and Telegram show it. */
  ackUrl?: string;
}

const TITLES: Record<string, string> = {
  'alert.opened': 'Alert opened',
  'alert.acknowledged': 'Alert acknowledged',
  'alert.resolved': 'Alert resolved',
  'quota.exhausted': 'Monthly runs used up',
  'api_key.expiring': 'API key expiring',
  'check.degraded': 'Check degraded',
  test: 'Test notification',
};

/** The title, a few lines and a link into the dashboard (`<publicUrl>/dashboard/#/…`). */
export function readable(payload: { type: string; data: AlertData }, publicUrl: string): Readable {
  const d = payload.data;
  const base = `${publicUrl.replace(/\/$/, '')}/dashboard/`;
  const title = TITLES[payload.type] ?? payload.type;
  if (payload.type.startsWith('incident.') && d.statusPage && d.incident && d.update)
    return {
      title: `${d.statusPage.name}: ${d.incident.title}`,
      lines: [`${d.update.status.charAt(0)}${d.update.status.slice(1).toLowerCase()} (${d.update.createdAt})`, d.update.message],
      link: d.statusPage.url,
    };
  if (payload.type === 'maintenance.scheduled' && d.statusPage && d.maintenance)
    return {
      title: `${d.statusPage.name}: scheduled maintenance: ${d.maintenance.name}`,
      lines: [`From ${d.maintenance.startsAt} to ${d.maintenance.endsAt}`, `Affects: ${d.maintenance.components.join(', ')}`],
      link: d.statusPage.url,
    };
  if (payload.type === 'maintenance.cancelled' && d.statusPage && d.maintenance)
    return {
      title: `${d.statusPage.name}: maintenance ${d.maintenance.inProgress ? 'ended early' : 'cancelled'}: ${d.maintenance.name}`,
      lines: [
        d.maintenance.inProgress
          ? `The maintenance planned from ${d.maintenance.startsAt} to ${d.maintenance.endsAt} ended at ${d.maintenance.cancelledAt}.`
          : `The maintenance planned from ${d.maintenance.startsAt} to ${d.maintenance.endsAt} will not take place.`,
        `Affects: ${d.maintenance.components.join(', ')}`,
      ],
      link: d.statusPage.url,
    };
  if (payload.type === 'test')
    return { title: `${title} for ${d.channel?.name ?? 'a channel'}`, lines: ['This channel works: tracer can reach it.'], link: `${base}#/settings/notifications` };
  if (payload.type === 'api_key.expiring' && d.apiKey)
    return {
      title: `${title}: ${d.apiKey.name}`,
      lines: [`The key ${d.apiKey.id} expires on ${d.apiKey.expiresAt} (in ${d.daysLeft} day${d.daysLeft === 1 ? '' : 's'}).`, 'Create a new key before expiration to avoid disruption.'],
      link: `${base}#/settings/api-keys`,
    };
  const lines: string[] = [];
  if (d.check) lines.push(`Check: ${d.check.name} (${d.check.kind.toLowerCase()} ${d.check.id})`);
  if (d.locations?.length) lines.push(`Locations: ${d.locations.join(', ')}`);
  if (d.run && payload.type === 'check.degraded') lines.push(`Response time: ${d.run.responseTimeMs} ms, over ${d.run.degradedResponseTimeMs} ms`);
  if (d.alert) lines.push(`${payload.type === 'alert.opened' || payload.type === 'quota.exhausted' ? 'Error' : 'Cause'}: ${d.alert.cause}`);
  if (d.escalation && (d.escalation.step > 1 || d.escalation.repeat > 0))
    lines.push(`Still not acknowledged: escalation step ${d.escalation.step}${d.escalation.repeat ? `, repeat ${d.escalation.repeat}` : ''}`);
  if (d.reminder) lines.push(`Still not acknowledged: reminder ${d.reminder.number}`);
  // A kind with a page of its own in the dashboard links there; everything else is on the alerts page.
  const page = d.check && kindOfEnum(d.check.kind)?.notificationPage;
  const link = page ? `${base}#/${page}/${d.check!.id}` : `${base}#/alerts`;
  const ackUrl = typeof d.ackUrl === 'string' && /^https?:\/\//.test(d.ackUrl) ? d.ackUrl : undefined;
  return { title: d.check ? `${title}: ${d.check.name}` : title, lines, link, ...(ackUrl ? { ackUrl } : {}) };
}

/** A Slack incoming-webhook message: `text` (notifications, fallbacks) and `blocks` (the message). */
export function slackMessage(r: Readable): { text: string; blocks: unknown[] } {
  return {
    // The fallback is mrkdwn too (notifications, clients without blocks): escaped like the blocks.
    text: escapeSlack(`${r.title}\n${r.lines.join('\n')}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: r.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: r.lines.map(escapeSlack).join('\n') || ' ' } },
      { type: 'section', text: { type: 'mrkdwn', text: `<${r.link}|Open in tracer>${r.ackUrl ? ` · <${r.ackUrl}|Acknowledge>` : ''}` } },
    ],
  };
}

/** Slack's mrkdwn gives &, < and > meaning: a check name or an error must not become a link or a mention. */
const escapeSlack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function emailMessage(r: Readable, unsubscribe?: string): { subject: string; text: string } {
  const ack = r.ackUrl ? `\nAcknowledge (stops escalation; the link works for 24 hours, once):\n${r.ackUrl}\n` : '';
  const footer = unsubscribe ? `\n--\nUnsubscribe: ${unsubscribe}\n` : '';
  return { subject: `[tracer] ${r.title}`.slice(0, 200), text: `${r.title}\n\n${r.lines.join('\n')}\n\n${r.link}\n${ack}${footer}` };
}

/**
 * The confirmation email of an EMAIL channel: fixed words and the link, nothing a caller wrote (no channel or
 * organization name): until the address's owner confirms it through the link, whoever made the channel cannot put text in front
 * of them.
 */
export function confirmationMessage(link: string): { subject: string; text: string } {
  return {
    subject: '[tracer] Confirm this address for notifications',
    text:
      'Someone asked tracer, a monitoring service, to send notifications to this address.\n\n' +
      `To receive them, open this link and press the Confirm button on its page:\n\n${link}\n\n` +
      'If you did not expect this email, ignore it: nothing else is sent to this address until it is confirmed there.\n',
  };
}
