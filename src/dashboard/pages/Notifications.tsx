import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  CreateNotificationChannelDocument,
  DeleteNotificationChannelDocument,
  NotificationChannelsDocument,
  NotificationDeliveriesDocument,
  TestNotificationChannelDocument,
  UpdateNotificationChannelDocument,
  type NotificationChannelType,
  type OpsgenieRegion,
  type NotificationChannelsQuery,
  type NotificationDeliveriesQuery,
} from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { holds } from '../scopes';
import { dateTime } from '../format';
import { Dialog } from '../components/Dialog';
import { ConfirmAction } from '../components/ConfirmAction';
import { ErrorNote } from '../components/ErrorNote';
import { ScopedButton } from '../components/ScopedButton';

type Channel = NotificationChannelsQuery['notificationChannels']['nodes'][number];
type Delivery = NotificationDeliveriesQuery['notificationDeliveries']['nodes'][number];

/**
 * Settings › Notifications: the organization's channels (add one, its secret shown once; send a test) and the
 * delivery log with status and attempts. Channels need organization:read, the log alerts:read: a key with one of
 * them sees that part and is told about the other.
 */
export function Notifications({ s }: { s: Session }) {
  const held = s.perms;
  const canChannels = holds(held, 'organization:read');
  const canLog = holds(held, 'alerts:read');
  const canWrite = holds(held, 'organization:write');
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [log, setLog] = useState<Delivery[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [fixing, setFixing] = useState<Channel | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    if (canChannels) {
      const data = await call(() => gql(NotificationChannelsDocument, { first: 100 }));
      if (data) setChannels(data.notificationChannels.nodes);
    }
    if (canLog) {
      const data = await call(() => gql(NotificationDeliveriesDocument, { first: 50 }));
      if (data) setLog(data.notificationDeliveries.nodes);
    }
  }, [s, call, canChannels, canLog]);
  useEffect(() => void load(), [load]);

  const test = async (c: Channel) => {
    const data = await call(() => gql(TestNotificationChannelDocument, { id: c.id }));
    if (data) {
      setSent(`Test sent to ${c.name}`);
      void load();
    }
  };
  const names = new Map((channels ?? []).map((c) => [c.id, c.name]));

  return (
    <section aria-labelledby="notify-title">
      <div className="section-head">
        <h1 id="notify-title">Notifications</h1>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
        <ScopedButton held={held} scope="organization:write" onClick={() => setAdding(true)} aria-describedby={canWrite ? undefined : 'add-why'}>
          Add channel
        </ScopedButton>
        {!canWrite && (
          <span id="add-why" className="hint">
            Your role lacks organization:write
          </span>
        )}
      </div>
      <ErrorNote error={error} />
      {sent && (
        <p className="hint" role="status">
          {sent}
        </p>
      )}

      <h2 id="channels-title">Channels</h2>
      {!canChannels && <p className="hint">Your role lacks organization:read, so it cannot list channels.</p>}
      {channels && (
        <div className="table-wrap">
          <table aria-labelledby="channels-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Destination</th>
                <th scope="col">Status</th>
                <th scope="col">Events</th>
                <th scope="col">Checks</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr key={c.id} data-channel-id={c.id} className={c.status === 'BROKEN' ? 'broken' : undefined}>
                  <td>{c.name}</td>
                  <td>{TYPE_NAMES[c.type] ?? c.type.toLowerCase()}</td>
                  <td>
                    <code>{destination(c)}</code>
                  </td>
                  <td>
                    <span className={`status ${c.status.toLowerCase()}`}>{c.status.toLowerCase()}</span>
                    {c.brokenReason && <span className="hint"> {c.brokenReason}</span>}
                  </td>
                  <td>
                    {c.events.map((e) => e.toLowerCase().replace(/_/g, ' ')).join(', ')}
                    {c.remindEveryMinutes && <span className="hint"> · reminds every {c.remindEveryMinutes} min</span>}
                  </td>
                  <td>{c.checkIds.length ? c.checkIds.length : 'all'}</td>
                  <td>
                    <ScopedButton held={held} scope="organization:write" onClick={() => void test(c)} aria-label={`Send test to ${c.name}`}>
                      Send test
                    </ScopedButton>{' '}
                    <ScopedButton held={held} scope="organization:write" onClick={() => setFixing(c)} aria-label={`Edit ${c.name}`}>
                      Edit
                    </ScopedButton>{' '}
                    <ConfirmAction
                      s={s}
                      held={held}
                      scope="organization:write"
                      label="Delete"
                      ariaLabel={`Delete ${c.name}`}
                      title={`Delete “${c.name}”?`}
                      action="Delete channel"
                      onConfirm={() => gql(DeleteNotificationChannelDocument, { id: c.id })}
                      onDone={load}
                    >
                      <p>It hears nothing more, and its delivery log goes with it; escalation policies naming it send it nothing.</p>
                    </ConfirmAction>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {channels.length === 0 && <p className="hint">No channels yet: alerts are only seen here and through the API.</p>}
        </div>
      )}

      <h2 id="log-title">Delivery log</h2>
      {!canLog && <p className="hint">Your role lacks alerts:read, so it cannot read the delivery log.</p>}
      {log && (
        <div className="table-wrap">
          <table aria-labelledby="log-title">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Channel</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {log.map((d) => (
                <tr key={d.id} data-delivery-id={d.id}>
                  <td>{dateTime(d.createdAt)}</td>
                  <td>
                    <code>{d.event}</code>
                  </td>
                  <td>{names.get(d.channelId) ?? d.channelId}</td>
                  <td>
                    <span className={`status ${d.status.toLowerCase()}`}>{d.status.toLowerCase()}</span>
                    {d.nextAttemptAt && <span className="hint"> · next {dateTime(d.nextAttemptAt)}</span>}
                  </td>
                  <td>{d.attempts}</td>
                  <td>{d.lastResponseStatus ?? d.error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {log.length === 0 && <p className="hint">Nothing sent yet.</p>}
        </div>
      )}
      {adding && <AddChannelDialog s={s} onClose={() => setAdding(false)} onAdded={() => void load()} />}
      {fixing && <AddChannelDialog s={s} channel={fixing} onClose={() => setFixing(null)} onAdded={() => void load()} />}
    </section>
  );
}

const TYPES: { value: NotificationChannelType; label: string }[] = [
  { value: 'WEBHOOK', label: 'Webhook (signed JSON)' },
  { value: 'SLACK', label: 'Slack incoming webhook' },
  { value: 'EMAIL', label: 'Email' },
  { value: 'PAGERDUTY', label: 'PagerDuty (Events API v2)' },
  { value: 'OPSGENIE', label: 'Opsgenie' },
  { value: 'MSTEAMS', label: 'Microsoft Teams (Workflows webhook)' },
  { value: 'DISCORD', label: 'Discord webhook' },
  { value: 'TELEGRAM', label: 'Telegram bot' },
];
const TYPE_NAMES: Partial<Record<NotificationChannelType, string>> = { PAGERDUTY: 'PagerDuty', OPSGENIE: 'Opsgenie', MSTEAMS: 'Teams', DISCORD: 'Discord', TELEGRAM: 'Telegram' };

/** Where a channel sends, as far as it can be shown (credentials never are). */
const destination = (c: Channel) =>
  c.url ?? c.email ?? (c.type === 'OPSGENIE' ? `${c.region} instance` : c.type === 'TELEGRAM' ? `chat ${c.chatId}` : c.type === 'PAGERDUTY' ? `routing key set${c.hasSigningSecret ? ', two-way' : ''}` : '—');

/** The secret fields each type takes: typed in, never read back (an edit leaves them as they are when left empty). */
const SECRET_FIELDS: Partial<Record<NotificationChannelType, { field: 'routingKey' | 'apiKey' | 'botToken' | 'signingSecret'; label: string; optional?: boolean }[]>> = {
  PAGERDUTY: [
    { field: 'routingKey', label: 'Integration (routing) key' },
    { field: 'signingSecret', label: 'Webhook signing secret (two-way: PagerDuty acknowledges and resolves here)', optional: true },
  ],
  OPSGENIE: [{ field: 'apiKey', label: 'API key' }],
  TELEGRAM: [{ field: 'botToken', label: 'Bot token' }],
};
const URL_TYPES: NotificationChannelType[] = ['WEBHOOK', 'SLACK', 'MSTEAMS', 'DISCORD'];

/**
 * Add channel (name, type and the type's fields), or edit one (`channel`: its type stays; an edit clears BROKEN).
 * A webhook's secret is shown once, as a new key is; closing forgets it.
 */
function AddChannelDialog({ s, channel, onClose, onAdded }: { s: Session; channel?: Channel; onClose: () => void; onAdded: () => void }) {
  const [name, setName] = useState(channel?.name ?? '');
  const [type, setType] = useState<NotificationChannelType>(channel?.type ?? 'WEBHOOK');
  const [target, setTarget] = useState('');
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [region, setRegion] = useState<OpsgenieRegion>(channel?.region ?? 'US');
  const [chatId, setChatId] = useState(channel?.chatId ?? '');
  const [remind, setRemind] = useState(channel?.remindEveryMinutes ? String(channel.remindEveryMinutes) : '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const fields: Record<string, string | number> = {};
      if (target) fields[type === 'EMAIL' ? 'email' : 'url'] = target;
      for (const f of SECRET_FIELDS[type] ?? []) if (secrets[f.field]) fields[f.field] = secrets[f.field];
      if (type === 'OPSGENIE') fields.region = region;
      if (type === 'TELEGRAM' && chatId) fields.chatId = chatId;
      // Empty: no reminders (0 on an edit stops them); a value that is not a whole number is the server's to refuse.
      const minutes = remind.trim() === '' ? 0 : Number(remind);
      if (channel ? minutes !== (channel.remindEveryMinutes ?? 0) : minutes !== 0) fields.remindEveryMinutes = Number.isFinite(minutes) ? minutes : -1;
      if (channel) {
        await gql(UpdateNotificationChannelDocument, { id: channel.id, input: { name, ...fields } });
        onAdded();
        setDone(true);
        return;
      }
      const res = await gql(CreateNotificationChannelDocument, { input: { name, type, ...fields } });
      onAdded();
      if (res.createNotificationChannel.secret) setSecret(res.createNotificationChannel.secret);
      else setDone(true);
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 401) return s.lost(err.display);
        const byField: Record<string, string> = {};
        for (const f of err.fields) byField[f.field.replace(/^input\./, '')] = f.message;
        if (!err.fields.length) byField.form = err.display;
        setErrors(byField);
      } else setErrors({ form: String(err) });
    } finally {
      setBusy(false);
    }
  };

  if (secret || done)
    return (
      <Dialog title={secret ? 'Copy the signing secret' : channel ? 'Channel saved' : 'Channel added'} onClose={onClose}>
        {secret && (
          <>
            <p className="warning" role="alert">
              Copy the secret immediately - it won't be shown again. Receivers verify each webhook with it.
            </p>
            <label htmlFor="new-secret">Signing secret</label>
            <div className="copy-row">
              <input id="new-secret" readOnly value={secret} onFocus={(e) => e.target.select()} data-testid="new-secret" />
            </div>
          </>
        )}
        <div className="actions">
          <button type="button" onClick={onClose} autoFocus={!secret}>
            Done
          </button>
        </div>
      </Dialog>
    );

  const targetLabel =
    type === 'EMAIL' ? 'Email address' : type === 'SLACK' || type === 'DISCORD' ? 'Incoming-webhook URL' : type === 'MSTEAMS' ? 'Workflow webhook URL' : 'URL';
  const targetField = type === 'EMAIL' ? 'email' : 'url';
  const fieldError = (f: string, id: string) =>
    errors[f] && (
      <p id={id} className="error">
        {errors[f]}
      </p>
    );
  return (
    <Dialog title={channel ? `Edit ${channel.name}` : 'Add channel'} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {channel?.status === 'BROKEN' && (
          <p className="warning" role="alert">
            Broken: {channel.brokenReason}. Saving the fixed settings sends to it again.
          </p>
        )}
        <label htmlFor="channel-name">Name</label>
        <input id="channel-name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} placeholder="On-call" aria-invalid={!!errors.name} aria-describedby={errors.name ? 'channel-name-error' : undefined} autoFocus />
        {fieldError('name', 'channel-name-error')}
        <label htmlFor="channel-type">Type</label>
        <select id="channel-type" value={type} disabled={!!channel} onChange={(e) => setType(e.target.value as NotificationChannelType)} aria-invalid={!!errors.type} aria-describedby={errors.type ? 'channel-type-error' : undefined}>
          {TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
        {fieldError('type', 'channel-type-error')}
        {(type === 'EMAIL' || URL_TYPES.includes(type)) && (
          <>
            <label htmlFor="channel-target">{targetLabel}</label>
            <input
              id="channel-target"
              value={target}
              type={type === 'EMAIL' ? 'email' : 'url'}
              placeholder={channel ? (channel.url ?? channel.email ?? '') : undefined}
              onChange={(e) => setTarget(e.target.value)}
              aria-invalid={!!errors[targetField]}
              aria-describedby={errors[targetField] ? 'channel-target-error' : undefined}
            />
            {fieldError(targetField, 'channel-target-error')}
          </>
        )}
        {(SECRET_FIELDS[type] ?? []).map((f) => (
          <div key={f.field}>
            <label htmlFor={`channel-${f.field}`}>{f.label}</label>
            <input
              id={`channel-${f.field}`}
              type="password"
              autoComplete="off"
              value={secrets[f.field] ?? ''}
              placeholder={channel ? 'unchanged' : f.optional ? 'optional' : undefined}
              onChange={(e) => setSecrets({ ...secrets, [f.field]: e.target.value })}
              aria-invalid={!!errors[f.field]}
              aria-describedby={errors[f.field] ? `channel-${f.field}-error` : undefined}
            />
            {fieldError(f.field, `channel-${f.field}-error`)}
          </div>
        ))}
        {type === 'OPSGENIE' && (
          <>
            <label htmlFor="channel-region">Region</label>
            <select id="channel-region" value={region} onChange={(e) => setRegion(e.target.value as OpsgenieRegion)}>
              <option value="US">US (api.opsgenie.com)</option>
              <option value="EU">EU (api.eu.opsgenie.com)</option>
            </select>
          </>
        )}
        {type === 'TELEGRAM' && (
          <>
            <label htmlFor="channel-chatId">Chat id</label>
            <input id="channel-chatId" value={chatId} placeholder="-1001234567890 or @channel" onChange={(e) => setChatId(e.target.value)} aria-invalid={!!errors.chatId} aria-describedby={errors.chatId ? 'channel-chatId-error' : undefined} />
            {fieldError('chatId', 'channel-chatId-error')}
          </>
        )}
        <label htmlFor="channel-remind">Remind every (minutes)</label>
        <input
          id="channel-remind"
          type="number"
          min={1}
          max={1440}
          step={1}
          inputMode="numeric"
          value={remind}
          placeholder="no reminders"
          onChange={(e) => setRemind(e.target.value)}
          aria-invalid={!!errors.remindEveryMinutes}
          aria-describedby={errors.remindEveryMinutes ? 'channel-remind-error' : 'channel-remind-hint'}
        />
        <p id="channel-remind-hint" className="hint">
          For checks without an escalation policy: tells this channel again until the alert is acknowledged or resolved (at most 100 times). Empty: once.
        </p>
        {fieldError('remindEveryMinutes', 'channel-remind-error')}
        <p className="hint">Every event, for every check; narrow it with the API (events, checkIds).</p>
        <ErrorNote error={errors.form} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {channel ? 'Save' : 'Add channel'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
