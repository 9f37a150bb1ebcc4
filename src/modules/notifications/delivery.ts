import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';
import type { SecretBox } from '../checks/secret-box';
import type { AttemptJob, Notifier } from './notifier';
import { postJson, retryAfterMs } from './http-post';
import { UNSUBSCRIBE_PATH } from './notifier';
import { readable } from './render';
import { CHANNEL_PROVIDERS, isMail } from './channels/registry';
import type { ChannelProvider, ProviderEndpoints } from './channels/provider';
import type { ChannelSettings, ChannelType } from './notification-channel.entity';
import type { PublicUrl } from '../common/public-url';

export interface DeliveryOptions {
  /** NOTIFY_RETRY_SCHEDULE_MS: the wait before attempt 2, 3, …; after the last, FAILED. */
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  allowPrivateTargets: boolean;
  smtpUrl: string | undefined;
  smtpFrom: string;
  publicUrl: PublicUrl;
  /** The providers' API endpoints (PAGERDUTY_EVENTS_URL, OPSGENIE_API_URL, OPSGENIE_EU_API_URL, TELEGRAM_API_URL). */
  endpoints: ProviderEndpoints;
  /** The one-click acknowledge link of an open alert for a channel (email and Slack messages carry it). */
  ackUrl?: (alertId: string, channelId: string) => string;
}

const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * An earlier delivery of the same channel and alert still unfinished (PENDING: due, in flight or retrying): `d`'s
 * attempt waits for it (ADR 0070). Deliveries of no alert, or of other channels or alerts, never wait.
 */
const EARLIER_PENDING = `select 1 from notification_deliveries e
   where d.alert_id is not null and e.channel_id = d.channel_id and e.alert_id = d.alert_id and e.status = 'PENDING' and e.seq < d.seq`;

/** The error a parked delivery shows in the log while it waits. */
export const WAITING = 'Waiting: an earlier notification of this alert to this channel is not sent yet';

interface Row {
  id: string;
  organization_id: string;
  channel_id: string;
  alert_id: string | null;
  webhook_id: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
  status: string;
  attempts: number;
  type: ChannelType;
  url: string | null;
  email: string | null;
  secret: string | null;
  credential: string | null;
  settings: ChannelSettings | null;
  broken_reason: string | null;
  /** EMAIL not confirmed yet: only its confirmation email is sent. */
  unconfirmed: boolean;
}

/** How an attempt ended: sent, to try again (after `afterMs` when the receiver said), given up on, or not made by rule. */
type Attempt =
  | { outcome: 'delivered'; status: number | null }
  | { outcome: 'skipped'; error: string }
  | { outcome: 'retry'; status: number | null; error: string; afterMs?: number }
  | { outcome: 'failed'; status: number | null; error: string }
  /** The receiver said the integration is gone: failed, and the channel marked BROKEN with the reason. */
  | { outcome: 'broken'; status: number; error: string };

/**
 * What an attempt told of its receiver, for the circuit breaker: `dead` (no answer, a timeout, 5xx, 429), `alive`
 * (any other answer), or nothing (no attempt was made, or an email: the SMTP server is not the channel's).
 */
export type ReceiverHealth = 'dead' | 'alive' | undefined;

/** A job to put off: until when, and why (written to the delivery's error; none when it only waits for room). */
export interface Deferral {
  job: { id: string; deliveryId: string; attempt: number; organizationId: string; channelId: string };
  until: Date;
  note?: string;
}

/** The log's ids of a delivery: never its URL or address. */
const alertIdOf = (payload: Row['payload']) => (payload.data.alert as { id?: string } | undefined)?.id ?? null;

/**
 * One attempt of one delivery, and its bookkeeping. The attempt is counted before it is made (a worker killed
 * half-way leaves it counted, and the job's lease runs it again with the same webhook-id); the outcome and, for a
 * retry, the next attempt's job are written in one transaction, so a crash between them loses nothing.
 */
export class DeliveryAttempts {
  private mailer: Transporter | undefined;

  constructor(
    private readonly notifier: Notifier,
    private readonly secrets: SecretBox,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date,
    private readonly opts: DeliveryOptions,
  ) {}

  /**
   * Makes attempt `attempt` and writes its outcome; `jobId`, the attempt's job, is completed in the outcome's
   * transaction (outcome, next attempt's job and completion together, through one connection).
   */
  async run(em: EntityManager, deliveryId: string, jobId: string, attempt?: number): Promise<ReceiverHealth> {
    const conn = em.getConnection();
    // Which attempt is due is the job's attempt number against the delivery's count, not a clock: attempt N runs
    // while N - 1 attempts are counted (or N, its own, when its worker died mid-send and the lease runs it again).
    // Jobs written before they carried the number fall back to the database's clock.
    const [row] = await conn.execute<Row[]>(
      `update notification_deliveries d set attempts = d.attempts + 1
         from notification_channels c
        where d.id = ? and d.status = 'PENDING' and c.id = d.channel_id
          and (case when ?::int is null then d.next_attempt_at <= now() + interval '1 second' else d.attempts between ?::int - 1 and ?::int end)
          and not exists (${EARLIER_PENDING})
        returning d.id, d.organization_id, d.channel_id, d.alert_id, d.webhook_id, d.payload, d.status, d.attempts, c.type, c.url, c.email, c.secret, c.credential, c.settings, c.broken_reason, (c.type = 'EMAIL' and c.confirmed_at is null) as unconfirmed`,
      [deliveryId, attempt ?? null, attempt ?? null, attempt ?? null],
    );
    if (!row) {
      // Delivered, failed, its channel deleted since, a job of an attempt made already, or one waiting for an earlier
      // delivery of its channel and alert. A delivery still PENDING keeps a job for its next attempt (the same job id
      // as the one its outcome enqueued: inserted once), or is parked with none until the earlier one is done.
      let enqueued = false;
      await em.transactional(async (tx) => {
        const sql = <T extends object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
        const [pending] = await sql<{ attempts: number; next_attempt_at: Date | null; organization_id: string; channel_id: string; alert_id: string | null; seq: string }[]>(
          `select d.attempts, d.next_attempt_at, d.organization_id, d.channel_id, d.alert_id, d.seq from notification_deliveries d join notification_channels c on c.id = d.channel_id
            where d.id = ? and d.status = 'PENDING'`,
          [deliveryId],
        );
        // This job's attempt is the one due (not one made already): the claim was refused for an earlier delivery.
        const due = pending && attempt !== undefined && pending.attempts === attempt - 1;
        if (due && pending.alert_id) {
          // Locks the earlier ones: one finishing now either commits first (and this sees it done) or waits for
          // this transaction, then finds this delivery parked and lets it go (wakeNext).
          const earlier = await sql<{ id: string }[]>(
            `select id from notification_deliveries where channel_id = ? and alert_id = ? and status = 'PENDING' and seq < ? order by seq for update`,
            [pending.channel_id, pending.alert_id, pending.seq],
          );
          if (earlier.length) {
            await sql(`update notification_deliveries set next_attempt_at = null, error = ? where id = ?`, [WAITING, deliveryId]);
            await this.notifier.complete(tx, jobId);
            return;
          }
        }
        if (pending) {
          const at = this.now();
          const when = pending.next_attempt_at && new Date(pending.next_attempt_at) > at ? new Date(pending.next_attempt_at) : at;
          // The due attempt again (the earlier delivery finished meanwhile): a job of its own, this one's id is taken.
          await this.notifier.enqueue(tx, [
            { deliveryId, attempt: pending.attempts + 1, startAfter: when, organizationId: pending.organization_id, channelId: pending.channel_id, deferral: due ? randomUUID() : undefined },
          ]);
          enqueued = due;
        }
        await this.notifier.complete(tx, jobId);
      });
      if (enqueued) this.notifier.enqueued();
      return undefined;
    }
    const result = await this.attempt(row).catch((e: Error): Attempt => {
      // Not the receiver's fault (a stored value that cannot be opened, a bug): said, and not retried.
      this.log.error({ deliveryId, err: e.message }, 'notification could not be sent');
      return { outcome: 'failed', status: null, error: 'The notification could not be sent (see the server log)' };
    });
    const at = this.now();
    let woke = false;
    await em.transactional(async (tx) => {
      const sql = (text: string, params: unknown[]) => tx.getConnection().execute(text, params as never[], 'run', tx.getTransactionContext());
      const step = this.opts.retryScheduleMs[row.attempts - 1];
      if (result.outcome === 'skipped') {
        // Not attempted after all: the count taken for it is given back.
        await sql(`update notification_deliveries set status = 'SKIPPED', attempts = attempts - 1, error = ?, next_attempt_at = null where id = ?`, [result.error, row.id]);
      } else if (result.outcome === 'delivered') {
        await sql(
          `update notification_deliveries set status = 'DELIVERED', last_response_status = ?, error = null, next_attempt_at = null, delivered_at = ? where id = ?`,
          [result.status, at, row.id],
        );
      } else if (result.outcome === 'retry' && step !== undefined) {
        // Retry-After replaces the step's wait (it says when the receiver can take it), up to an hour (or the
        // schedule's longest step, if longer): a receiver cannot park a notification for a week.
        const wait = result.afterMs !== undefined ? Math.min(result.afterMs, Math.max(MAX_RETRY_AFTER_MS, ...this.opts.retryScheduleMs)) : step;
        const next = new Date(at.getTime() + wait);
        await sql(`update notification_deliveries set last_response_status = ?, error = ?, next_attempt_at = ? where id = ?`, [result.status, result.error, next, row.id]);
        await this.notifier.enqueue(tx, [{ deliveryId: row.id, attempt: row.attempts + 1, startAfter: next, organizationId: row.organization_id, channelId: row.channel_id }]);
      } else if (result.outcome === 'broken') {
        await sql(`update notification_deliveries set status = 'FAILED', last_response_status = ?, error = ?, next_attempt_at = null where id = ?`, [
          result.status,
          `${result.error} (the channel is marked BROKEN: fix it and update it)`,
          row.id,
        ]);
        await sql(`update notification_channels set broken_at = ?, broken_reason = ? where id = ?`, [at, result.error.slice(0, 500), row.channel_id]);
      } else {
        const error = result.outcome === 'retry' ? `${result.error} (gave up after ${row.attempts} attempts)` : result.error;
        await sql(`update notification_deliveries set status = 'FAILED', last_response_status = ?, error = ?, next_attempt_at = null where id = ?`, [result.status, error, row.id]);
      }
      // Done with (anything but a retry): the next delivery of its channel and alert goes, if it waits parked.
      if (!(result.outcome === 'retry' && step !== undefined)) woke = await this.wakeNext(tx, row.channel_id, row.alert_id);
      await this.notifier.complete(tx, jobId);
    });
    if (woke) this.notifier.enqueued();
    if (result.outcome === 'broken')
      this.log.warn({ deliveryId: row.id, channelId: row.channel_id, organizationId: row.organization_id, status: result.status }, 'notification channel marked BROKEN');
    if (result.outcome === 'failed' || (result.outcome === 'retry' && this.opts.retryScheduleMs[row.attempts - 1] === undefined))
      this.log.warn(
        { deliveryId: row.id, channelId: row.channel_id, organizationId: row.organization_id, alertId: alertIdOf(row.payload), attempts: row.attempts, status: result.status },
        'notification delivery failed for good',
      );
    // Email: the SMTP server is every EMAIL channel's; its state is not this channel's to open a circuit on.
    if (result.outcome === 'skipped' || row.type === 'EMAIL') return undefined;
    return result.outcome === 'retry' || (result.outcome === 'failed' && result.status === null) ? 'dead' : 'alive';
  }

  /**
   * Puts jobs' attempts off without making them (the attempts are not counted): for each, a new job for the same
   * attempt due at `until`, and the old one completed, all in one transaction. `note` (the circuit breaker's reason)
   * is written to the delivery's error. A delivery put off by the circuit past its whole retry schedule is FAILED
   * instead: a receiver that never comes back does not keep notifications pending for ever.
   */
  async defer(em: EntityManager, items: Deferral[]): Promise<void> {
    const giveUpAfterMs = this.opts.retryScheduleMs.reduce((a, b) => a + b, 0) + this.opts.timeoutMs;
    const failed: Array<Deferral & { alertId: string | null }> = [];
    let woke = false;
    await em.transactional(async (tx) => {
      const sql = <T extends object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
      // The give-up clock runs from when the delivery could first be sent: its creation, or its release when it waited
      // its turn behind an earlier delivery of its channel and alert (ADR 0070).
      const rows = await sql<{ id: string; due_from: Date; payload: Row['payload']; channel_id: string; alert_id: string | null }[]>(
        `select id, coalesce(due_since, created_at) as due_from, payload, channel_id, alert_id from notification_deliveries where id in (${items.map(() => '?').join(', ')}) and status = 'PENDING' for update`,
        items.map((i) => i.job.deliveryId),
      );
      const pending = new Map(rows.map((r) => [r.id, r]));
      const later: AttemptJob[] = [];
      for (const item of items) {
        const row = pending.get(item.job.deliveryId);
        if (!row) continue;
        if (item.note && this.now().getTime() - new Date(row.due_from).getTime() > giveUpAfterMs) {
          await sql(`update notification_deliveries set status = 'FAILED', error = ?, next_attempt_at = null where id = ?`, [
            `${item.note} (gave up: the receiver did not come back within the retry schedule)`,
            row.id,
          ]);
          failed.push({ ...item, alertId: alertIdOf(row.payload) });
          woke = (await this.wakeNext(tx, row.channel_id, row.alert_id)) || woke;
          continue;
        }
        if (item.note) await sql(`update notification_deliveries set next_attempt_at = ?, error = ? where id = ?`, [item.until, item.note, row.id]);
        else await sql(`update notification_deliveries set next_attempt_at = ? where id = ?`, [item.until, row.id]);
        const { id: _old, ...job } = item.job;
        later.push({ ...job, startAfter: item.until, deferral: randomUUID() });
      }
      if (later.length) await this.notifier.enqueue(tx, later);
      await this.notifier.complete(tx, items.map((i) => i.job.id));
    });
    if (woke) this.notifier.enqueued();
    for (const f of failed)
      this.log.warn({ deliveryId: f.job.deliveryId, channelId: f.job.channelId, organizationId: f.job.organizationId, alertId: f.alertId }, 'notification delivery failed for good');
  }

  /**
   * A delivery of (channel, alert) is done with, in `tx`: the earliest one still PENDING, if it is parked (it found
   * this one unfinished), gets a job for its due attempt now. Locks them in `seq` order, as a parking one does.
   * The one release rule: every ending calls it (an attempt's outcome, a deferral given up, the lost-delivery sweep).
   * The job starts by the database's clock: a worker whose clock runs ahead does not put the next one off.
   */
  async wakeNext(tx: EntityManager, channelId: string, alertId: string | null): Promise<boolean> {
    if (!alertId) return false;
    const sql = <T extends object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
    const [next] = await sql<{ id: string; organization_id: string; attempts: number; next_attempt_at: Date | null }[]>(
      `select id, organization_id, attempts, next_attempt_at from notification_deliveries where channel_id = ? and alert_id = ? and status = 'PENDING' order by seq for update`,
      [channelId, alertId],
    );
    if (!next || next.next_attempt_at !== null) return false;
    const at = this.now();
    await sql(`update notification_deliveries set next_attempt_at = ?, due_since = ?, error = null where id = ?`, [at, at, next.id]);
    await this.notifier.enqueue(tx, [{ deliveryId: next.id, attempt: next.attempts + 1, organizationId: next.organization_id, channelId, deferral: randomUUID() }]);
    return true;
  }

  /** One attempt through the channel type's file (channels/): an email, or an HTTP request read as its receiver means it. */
  private async attempt(row: Row): Promise<Attempt> {
    const provider = CHANNEL_PROVIDERS[row.type];
    if (isMail(provider)) {
      const confirmation = row.payload.data.confirmation as { token?: string } | undefined;
      const message = provider.mail({
        payload: row.payload,
        // A confirmation email is fixed words and its link: it reads nothing of the payload.
        readable: row.payload.type === 'email.confirmation' ? { title: '', lines: [], link: '' } : this.readable(row),
        unconfirmed: row.unconfirmed,
        confirmationUrl: row.unconfirmed && confirmation?.token ? `${this.opts.publicUrl}/notifications/confirm/${this.secrets.open(String(confirmation.token))}` : undefined,
        unsubscribeUrl: this.unsubscribeUrl(row.payload),
      });
      if ('skip' in message) return { outcome: 'skipped', error: message.skip };
      return this.sendEmail(row.email!, message, message.headers);
    }
    return this.attemptProvider(row, provider, this.readable(row));
  }

  /** A channel type sent by HTTP (channels/): its request, and its answer read as the receiver means it. */
  private async attemptProvider(row: Row, provider: ChannelProvider, text: ReturnType<typeof readable>): Promise<Attempt> {
    // A channel whose integration is gone is not sent to until it is updated; a test still goes (it shows the fix).
    if (row.broken_reason && row.payload.type !== 'test') return { outcome: 'skipped', error: `Not sent: the channel is BROKEN (${row.broken_reason}); update it once fixed` };
    const credential = row.credential ? this.secrets.open(row.credential) : null;
    const req = provider.request({
      payload: row.payload,
      readable: text,
      webhookId: row.webhook_id,
      url: row.url ? this.secrets.open(row.url) : null,
      credential,
      secret: row.secret ? this.secrets.open(row.secret) : null,
      settings: row.settings ?? {},
      endpoints: this.opts.endpoints,
      at: this.now(),
      unsubscribeUrl: this.unsubscribeUrl(row.payload),
    });
    const res = await postJson(req.url, req.headers, typeof req.body === 'string' ? req.body : JSON.stringify(req.body), { timeoutMs: this.opts.timeoutMs, allowPrivateTargets: this.opts.allowPrivateTargets });
    if (res.status === null) return res.retry ? { outcome: 'retry', status: null, error: res.error } : { outcome: 'failed', status: null, error: res.error };
    if (res.status >= 200 && res.status < 300) return { outcome: 'delivered', status: res.status };
    // A reason names what the provider said, never the credential (some answers echo what they were sent).
    const scrub = (s: string) => (credential ? s.split(credential).join('[masked]') : s);
    const gone = res.status >= 400 && res.status < 500 ? provider.gone(res.status, res.body) : undefined;
    if (gone) return { outcome: 'broken', status: res.status, error: scrub(gone) };
    if (res.status === 429 || res.status >= 500)
      return {
        outcome: 'retry',
        status: res.status,
        error: `The receiver answered ${res.status}`,
        afterMs: retryAfterMs(res.retryAfter, this.now()) ?? (res.status === 429 ? provider.retryAfterMs?.(res.body) : undefined),
      };
    if (res.status >= 300 && res.status < 400) return { outcome: 'failed', status: res.status, error: `The receiver answered ${res.status}: redirects are not followed; give the channel its final URL` };
    return { outcome: 'failed', status: res.status, error: `The receiver answered ${res.status}` };
  }

  /** What a person reads; an open alert's opening (or escalation) carries its acknowledge link for this channel. */
  private readable(row: Row): ReturnType<typeof readable> {
    const r = readable(row.payload as never, String(this.opts.publicUrl));
    const alert = row.payload.data.alert as { id?: string; status?: string } | undefined;
    if (this.opts.ackUrl && row.payload.type === 'alert.opened' && alert?.id && alert.status === 'OPEN') r.ackUrl = this.opts.ackUrl(alert.id, row.channel_id);
    return r;
  }

  /** A status page subscriber's unsubscribe link, from the sealed token of its payload; undefined for any other delivery. */
  private unsubscribeUrl(payload: Row['payload']): string | undefined {
    const sealed = (payload.data.unsubscribe as { token?: string } | undefined)?.token;
    return sealed ? `${this.opts.publicUrl}${UNSUBSCRIBE_PATH}/${this.secrets.open(sealed)}` : undefined;
  }

  private async sendEmail(to: string, message: { subject: string; text: string }, headers?: Record<string, string>): Promise<Attempt> {
    if (!this.opts.smtpUrl) return { outcome: 'failed', status: null, error: 'SMTP_URL is not configured' };
    const t = this.opts.timeoutMs;
    // nodemailer (~0.7 MB of source) is loaded by the first e-mail, not by every process that might send one.
    this.mailer ??= (require('nodemailer') as typeof import('nodemailer')).createTransport({ url: this.opts.smtpUrl, connectionTimeout: t, greetingTimeout: t, socketTimeout: t });
    const mailer = this.mailer;
    // NOTIFY_TIMEOUT_MS bounds the whole attempt, as for webhooks: nodemailer's timeouts are per phase (a server
    // trickling its answers resets them), and an attempt outliving its job's lease would be made twice.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), t)));
    try {
      // An object address: nodemailer takes it as it is, never parsing a list or a display name out of it.
      const sent = await Promise.race([mailer.sendMail({ from: this.opts.smtpFrom, to: { name: '', address: to }, subject: message.subject, text: message.text, headers }), timedOut]);
      if (sent === 'timeout') {
        // Closing the transport drops its connections (the send in flight fails); the next attempt opens a new one.
        if (this.mailer === mailer) this.mailer = undefined;
        mailer.close();
        return { outcome: 'retry', status: null, error: `Timed out after ${t} ms` };
      }
      return { outcome: 'delivered', status: null };
    } catch (e) {
      const err = e as Error & { responseCode?: number };
      const error = err.responseCode ? `The mail server answered ${err.responseCode}` : `Could not send the email (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      // 5xx is the server refusing for good (no such mailbox…); 4xx and no answer may pass later.
      return err.responseCode && err.responseCode >= 500 ? { outcome: 'failed', status: null, error } : { outcome: 'retry', status: null, error };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.mailer?.close();
  }
}
