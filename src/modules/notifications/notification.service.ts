import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, notFound, rateLimited, type FieldError } from '../../errors';
import { assertSelectionScopes } from '../../authorization/selection-scopes';
import type { Principal } from '../auth/principal';
import type { Scope } from '../../authorization/scopes';
import type { SecretBox } from '../checks/secret-box';
import { unknownCheckErrors } from '../checks/check-ids';
import { literalHostRange, rangeWords } from '../checks/target-guard';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { defined } from '../common/defined';
import { audit, changedFields, type Actor } from '../audit/audit';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization-lock';
import { CHANNEL_TYPES, DEFAULT_EVENTS, NotificationChannel, type ChannelSettings, type ChannelType, type NotificationEvent } from './notification-channel.entity';
import { NotificationDelivery, type DeliveryStatus } from './notification-delivery.entity';
import type { Notifier } from './notifier';
import { randomBase62 } from '../common/base62';
import { maskUrl } from './mask-url';
import { CHANNEL_PROVIDERS, fieldsOf } from './channels/registry';
import type { ChannelField } from './channels/provider';

const FIELDS: ChannelField[] = ['url', 'email', 'routingKey', 'signingSecret', 'apiKey', 'region', 'botToken', 'chatId'];

export interface ChannelInput {
  name?: string | null;
  type?: ChannelType | null;
  url?: string | null;
  email?: string | null;
  events?: NotificationEvent[] | null;
  checkIds?: string[] | null;
  routingKey?: string | null;
  signingSecret?: string | null;
  apiKey?: string | null;
  region?: 'US' | 'EU' | null;
  botToken?: string | null;
  chatId?: string | null;
  /** 0 on update: no reminders. */
  remindEveryMinutes?: number | null;
}

/** A WEBHOOK channel's signing secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The longest URL a channel stores, normalised (percent-encoded) as it is sent. */
export const MAX_CHANNEL_URL = 2048;

/** A confirmation link's token: 32 random bytes, base64url (256 bits); only its sha256 is stored. */
const newConfirmToken = () => randomBytes(32).toString('base64url');
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The key of the per-address confirmation budget: sha256 (hex) of the address trimmed and lower-cased, with a
 * `+tag` of its local part dropped (`ops+1@example.com` is the mailbox `ops@example.com` at most providers).
 */
export function confirmationAddressHash(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const plus = local.indexOf('+');
  const normalized = plus > 0 ? local.slice(0, plus) + address.slice(at) : address;
  return createHash('sha256').update(normalized).digest('hex');
}

const HOUR_MS = 3_600_000;

/** The scopes a channel's events need of the key that creates or changes it: it receives what they carry. */
export function eventScopes(events: readonly NotificationEvent[]): Scope[] {
  const needed: Scope[] = [];
  // CHECK_DEGRADED carries what an alert does (the check, its run): the same scope.
  if (events.some((e) => e.startsWith('ALERT_') || e === 'CHECK_DEGRADED')) needed.push('alerts:read');
  if (events.includes('QUOTA_EXHAUSTED')) needed.push('billing:read');
  return needed;
}

/** Notification channels and the delivery log of one organization: every query scoped by it. */
export class NotificationService {
  constructor(
    private readonly notifier: Notifier,
    private readonly secrets: SecretBox,
    private readonly now: () => Date,
    private readonly opts: {
      allowPrivateTargets: boolean;
      smtpConfigured: boolean;
      maxChannels: number;
      /** NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE: test sends (and confirmation emails) one channel may get a minute. */
      testsPerMinute: number;
      /** NOTIFY_CONFIRMATIONS_PER_ADDRESS_PER_HOUR: confirmation emails one address may get an hour, whichever organization asks. */
      confirmationsPerAddressPerHour: number;
      /** NOTIFY_CONFIRMATIONS_PER_ORGANIZATION_PER_HOUR: confirmation emails one organization may send an hour. */
      confirmationsPerOrganizationPerHour: number;
    },
  ) {}

  list(em: EntityManager, organizationId: string, args: PageArgs): Promise<Page<NotificationChannel>> {
    return paginate(em, NotificationChannel, { organization: organizationId, subscriber: false }, 'createdAt', args);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<NotificationChannel> {
    const channel = await em.findOne(NotificationChannel, { id, organization: organizationId, subscriber: false });
    if (!channel) throw notFound('Notification channel');
    return channel;
  }

  /** Answers the channel and, for a WEBHOOK, its secret: the only time it is shown. */
  async create(
    em: EntityManager,
    principal: Principal,
    actor: Actor,
    input: ChannelInput & { name: string; type: ChannelType },
  ): Promise<{ channel: NotificationChannel; secret: string | null }> {
    const events = dedupe(input.events ?? [...DEFAULT_EVENTS]);
    // A channel can point at anything, the caller's own receiver included: it may hear only what the key may read.
    assertSelectionScopes(principal, eventScopes(events), 'createNotificationChannel');
    const errors = [...this.inputErrors(input), ...this.shapeErrors(input.type, input, input)];
    errors.push(...(await unknownCheckErrors(em, actor.organizationId, input.checkIds ?? [])));
    if (errors.length) throw badInput(errors);
    const secret = input.type === 'WEBHOOK' ? newWebhookSecret() : null;
    return em.transactional(async (tx) => {
      await this.assertBelowCap(tx, actor.organizationId);
      const channel = tx.create(NotificationChannel, {
        organization: tx.getReference(Organization, actor.organizationId),
        name: input.name.trim(),
        type: input.type,
        url: input.url ? this.secrets.seal(input.url) : null,
        maskedUrl: input.url ? maskUrl(input.url) : null,
        email: input.email ?? null,
        events,
        checkIds: dedupe(input.checkIds ?? []),
        remindEveryMinutes: input.remindEveryMinutes || null,
        subscriber: false,
        secret: secret ? this.secrets.seal(secret) : input.signingSecret ? this.secrets.seal(input.signingSecret) : null,
        credential: this.credentialOf(input.type, input) ? this.secrets.seal(this.credentialOf(input.type, input)!) : null,
        settings: settingsOf(input.type, {}, input),
        createdAt: this.now(),
        updatedAt: this.now(),
      });
      audit(tx, actor, 'notification_channel.created', channel.id, this.now());
      if (channel.type === 'EMAIL') {
        await tx.flush();
        await this.sendConfirmation(tx, actor.organizationId, channel);
      }
      return { channel, secret };
    });
  }

  /**
   * A status page subscriber's channel (status-pages/), in the caller's transaction: an EMAIL one gets its
   * confirmation email (within the per-address and per-organization budgets) and nothing else until it is
   * confirmed; a WEBHOOK one answers its signing secret, once. It hears no event of its own (`events` empty).
   */
  async createSubscriber(tx: EntityManager, organizationId: string, input: { type: 'EMAIL' | 'WEBHOOK'; email?: string | null; url?: string | null }): Promise<{ channel: NotificationChannel; secret: string | null }> {
    const errors = [...this.shapeErrors(input.type, input, input), ...(input.url != null ? this.urlErrors(input.url) : [])];
    if (errors.length) throw badInput(errors);
    const secret = input.type === 'WEBHOOK' ? newWebhookSecret() : null;
    const channel = tx.create(NotificationChannel, {
      organization: tx.getReference(Organization, organizationId),
      name: 'Status page subscriber',
      type: input.type,
      url: input.url ? this.secrets.seal(input.url) : null,
      maskedUrl: input.url ? maskUrl(input.url) : null,
      email: input.email ?? null,
      events: [],
      checkIds: [],
      subscriber: true,
      settings: {},
      secret: secret ? this.secrets.seal(secret) : null,
      createdAt: this.now(),
      updatedAt: this.now(),
    });
    await tx.flush();
    // Visitors' confirmations do not spend the organization's budget (its admins' channels would be refused after a
    // stranger's twenty subscriptions): the address's budget and the page's own limits (status-pages/) bound them.
    if (channel.type === 'EMAIL') await this.sendConfirmation(tx, organizationId, channel, { organizationBudget: false });
    return { channel, secret };
  }

  /** Only the fields given change; the type does not (make a new channel), nor the secret. */
  async update(em: EntityManager, principal: Principal, actor: Actor, id: string, input: ChannelInput): Promise<NotificationChannel> {
    const channel = await this.get(em, actor.organizationId, id);
    const patch = defined(input);
    // What the channel hears after the change: a new URL for a channel hearing alerts needs alerts:read too.
    assertSelectionScopes(principal, eventScopes(patch.events ?? (channel.events as NotificationEvent[])), 'updateNotificationChannel');
    const errors = this.inputErrors(patch);
    if (patch.type !== undefined && patch.type !== channel.type) errors.push({ field: 'type', message: 'cannot change; create a new channel' });
    const storedUrl = channel.url ? this.secrets.open(channel.url) : null;
    // What the channel has: a credential or secret is known to be there, never read back.
    const has: Partial<Record<ChannelField, unknown>> = {
      url: storedUrl,
      email: channel.email,
      region: channel.settings?.region,
      chatId: channel.settings?.chatId,
      signingSecret: channel.type === 'PAGERDUTY' ? channel.secret : null,
      ...(CHANNEL_PROVIDERS[channel.type]?.credentialField ? { [CHANNEL_PROVIDERS[channel.type]!.credentialField!]: channel.credential } : {}),
    };
    errors.push(...this.shapeErrors(channel.type, { ...has, ...patch }, patch));
    if (patch.checkIds) errors.push(...(await unknownCheckErrors(em, actor.organizationId, patch.checkIds)));
    if (errors.length) throw badInput(errors);
    const before = { name: channel.name, url: storedUrl, email: channel.email, events: channel.events, checkIds: channel.checkIds, remindEveryMinutes: channel.remindEveryMinutes };
    // A new address (or the same one given again while unconfirmed) is confirmed anew: its confirmation email goes
    // out, and nothing else is sent to it until its link is opened.
    const reconfirm = channel.type === 'EMAIL' && patch.email != null && (patch.email !== channel.email || !channel.confirmedAt);
    const apply = async (tx: EntityManager) => {
      if (reconfirm) await this.assertTestBudget(tx, channel.id);
      if (patch.name !== undefined) channel.name = patch.name.trim();
      if (patch.url !== undefined) {
        channel.url = this.secrets.seal(patch.url);
        channel.maskedUrl = maskUrl(patch.url);
      }
      if (patch.email !== undefined) channel.email = patch.email;
      const credential = this.credentialOf(channel.type, patch);
      if (credential) channel.credential = this.secrets.seal(credential);
      if (channel.type === 'PAGERDUTY' && patch.signingSecret) channel.secret = this.secrets.seal(patch.signingSecret);
      channel.settings = settingsOf(channel.type, channel.settings ?? {}, patch);
      const fixed = channel.brokenAt !== null;
      // Updating a BROKEN channel is how it is said to be fixed: its deliveries go out again.
      channel.brokenAt = null;
      channel.brokenReason = null;
      if (patch.events !== undefined) channel.events = dedupe(patch.events);
      if (patch.checkIds !== undefined) channel.checkIds = dedupe(patch.checkIds);
      if (patch.remindEveryMinutes !== undefined) channel.remindEveryMinutes = patch.remindEveryMinutes || null;
      const changed = changedFields(before, {
        name: channel.name,
        url: patch.url ?? storedUrl,
        email: channel.email,
        events: channel.events,
        checkIds: channel.checkIds,
        remindEveryMinutes: channel.remindEveryMinutes,
      });
      // Credentials are never compared (nor read back): given is changed.
      for (const f of ['routingKey', 'signingSecret', 'apiKey', 'botToken', 'region', 'chatId'] as const) if (patch[f] != null) changed.push(f);
      if (fixed) changed.push('status');
      if (changed.length) {
        channel.updatedAt = this.now();
        audit(tx, actor, 'notification_channel.updated', id, this.now(), changed);
      }
      if (reconfirm) {
        channel.confirmedAt = null;
        await this.sendConfirmation(tx, actor.organizationId, channel);
      }
      await tx.flush();
    };
    // The confirmation's budget, the change and the confirmation email in one transaction (the channel row locked).
    if (reconfirm) await em.transactional(apply);
    else await apply(em);
    return channel;
  }

  async delete(em: EntityManager, actor: Actor, id: string): Promise<string> {
    const channel = await this.get(em, actor.organizationId, id);
    em.remove(channel);
    audit(em, actor, 'notification_channel.deleted', id, this.now());
    await em.flush();
    return id;
  }

  /**
   * The per-organization cap on channels. The organization row is locked first, so concurrent creations are
   * counted one after another and the cap holds exactly.
   */
  private async assertBelowCap(tx: EntityManager, organizationId: string): Promise<void> {
    await lockOrganization(tx, organizationId);
    const count = await tx.count(NotificationChannel, { organization: organizationId, subscriber: false });
    if (count >= this.opts.maxChannels)
      throw conflict(`The organization has ${count} notification channels, the most it may have (${this.opts.maxChannels}); delete unused ones first`);
  }

  /**
   * Sends a `test` event to the channel (through the queue, like any other) and answers its delivery; an EMAIL
   * channel not confirmed yet gets it logged SKIPPED. At most `testsPerMinute` a channel: beyond, RATE_LIMITED.
   */
  async test(em: EntityManager, actor: Actor, id: string): Promise<NotificationDelivery> {
    const channel = await this.get(em, actor.organizationId, id);
    // The send and its audit event in one transaction: a key that can send to every channel leaves a trace.
    const [deliveryId] = await em.transactional(async (tx) => {
      audit(tx, actor, 'notification_channel.tested', channel.id, this.now());
      await this.assertTestBudget(tx, channel.id);
      return this.notifier.emit(tx, {
        organizationId: actor.organizationId,
        event: 'TEST',
        checkId: null,
        channelId: channel.id,
        data: { channel: { id: channel.id, name: channel.name }, message: 'A test notification from tracer' },
      });
    });
    return em.findOneOrFail(NotificationDelivery, { id: deliveryId });
  }

  /**
   * Test sends and confirmation emails of one channel in the last minute, counted from its delivery log under a
   * lock of the channel's row (so concurrent sends are counted one after another, on every instance): beyond
   * `testsPerMinute`, RATE_LIMITED with Retry-After, when the oldest of them leaves the minute.
   */
  private async assertTestBudget(tx: EntityManager, channelId: string): Promise<void> {
    const sql = <T extends object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
    await sql('select id from notification_channels where id = ? for update', [channelId]);
    const since = new Date(this.now().getTime() - 60_000);
    const [{ count, oldest }] = await sql<{ count: number; oldest: Date | null }[]>(
      `select count(*)::int as count, min(created_at) as oldest from notification_deliveries
        where channel_id = ? and event in ('test', 'email.confirmation') and created_at > ?`,
      [channelId, since],
    );
    if (count < this.opts.testsPerMinute) return;
    const retryAfter = Math.max(1, Math.ceil((new Date(oldest!).getTime() + 60_000 - this.now().getTime()) / 1000));
    throw rateLimited(
      retryAfter,
      `This channel was sent ${count} test or confirmation messages in the last minute, the most it may get (${this.opts.testsPerMinute}); retry in ${retryAfter} s`,
    );
  }

  /** A new confirmation token for an EMAIL channel (the previous link stops working) and its email, through the queue. */
  private async sendConfirmation(tx: EntityManager, organizationId: string, channel: NotificationChannel, opts: { organizationBudget?: boolean } = {}): Promise<void> {
    await this.spendConfirmationBudget(tx, organizationId, channel.email!, opts.organizationBudget ?? !channel.subscriber);
    const token = newConfirmToken();
    channel.confirmTokenHash = tokenHash(token);
    await tx.flush();
    await this.notifier.emit(tx, {
      organizationId,
      event: 'EMAIL_CONFIRMATION',
      checkId: null,
      channelId: channel.id,
      // Sealed like the channel's secrets: the delivery log's payload never holds a usable link.
      data: { confirmation: { token: this.secrets.seal(token) } },
    });
  }

  /**
   * Confirmation emails are bounded per address (`confirmationsPerAddressPerHour`, across organizations) and per
   * organization (`confirmationsPerOrganizationPerHour`) over the last hour, counted from notification_confirmation_sends
   * (the delivery log would forget a deleted channel's, and a new channel has a new id). Both counts are taken under
   * transaction-scoped advisory locks of the address and the organization, so concurrent creations on any instance
   * are counted one after another. Within the budget a send is recorded in the caller's transaction (a rollback
   * records nothing); beyond it, RATE_LIMITED with Retry-After (when the oldest counted send leaves the hour), and
   * the caller's transaction, the channel's creation or change included, is rolled back.
   */
  private async spendConfirmationBudget(tx: EntityManager, organizationId: string, email: string, organizationBudget = true): Promise<void> {
    const { confirmationsPerAddressPerHour: perAddress, confirmationsPerOrganizationPerHour: perOrganization } = this.opts;
    const sql = <T extends object[]>(text: string, params: unknown[]) => tx.getConnection().execute<T>(text, params as never[], 'all', tx.getTransactionContext());
    const addressHash = confirmationAddressHash(email);
    // In a fixed order (organization, then address): two transactions never wait on each other's second lock.
    await sql('select pg_advisory_xact_lock(hashtext(?))', [`tracer:confirm-org:${organizationId}`]);
    await sql('select pg_advisory_xact_lock(hashtext(?))', [`tracer:confirm-address:${addressHash}`]);
    const now = this.now();
    const since = new Date(now.getTime() - HOUR_MS);
    const count = async (column: 'address_hash' | 'organization_id', value: string) => {
      const [row] = await sql<{ count: number; oldest: Date | null }[]>(
        `select count(*)::int as count, min(sent_at) as oldest from notification_confirmation_sends where ${column} = ? and sent_at > ?`,
        [value, since],
      );
      return row;
    };
    const refuse = (oldest: Date | null, message: (retryAfter: number) => string) => {
      const retryAfter = Math.max(1, Math.ceil((new Date(oldest ?? now).getTime() + HOUR_MS - now.getTime()) / 1000));
      return rateLimited(retryAfter, message(retryAfter));
    };
    const byAddress = await count('address_hash', addressHash);
    if (byAddress.count >= perAddress)
      throw refuse(byAddress.oldest, (s) => `This address was sent ${byAddress.count} confirmation emails in the last hour, the most one address may get (${perAddress}); retry in ${s} s`);
    const byOrganization = organizationBudget ? await count('organization_id', organizationId) : { count: 0, oldest: null };
    if (byOrganization.count >= perOrganization)
      throw refuse(byOrganization.oldest, (s) => `The organization sent ${byOrganization.count} confirmation emails in the last hour, the most it may send (${perOrganization}); retry in ${s} s`);
    // Sends older than the hour count for nothing: deleted as new ones are written, so the table stays an hour long.
    await sql('delete from notification_confirmation_sends where sent_at <= ?', [since]);
    // A visitor's send is recorded under no organization (`-`): it counts for its address only.
    await sql('insert into notification_confirmation_sends (id, address_hash, organization_id, sent_at) values (?, ?, ?, ?)', [
      `ncf_${randomBase62(16)}`,
      addressHash,
      organizationBudget ? organizationId : '-',
      now,
    ]);
  }

  /** Whether a confirmation link's token would confirm a channel now; read only (opening the link confirms nothing). */
  async confirmable(em: EntityManager, token: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
    const rows = await em
      .getConnection()
      .execute<{ id: string }[]>(`select id from notification_channels where confirm_token_hash = ? and type = 'EMAIL'`, [tokenHash(token)]);
    return rows.length > 0;
  }

  /**
   * The confirmation link's form was posted: the EMAIL channel whose token it carries is confirmed (once: the token is
   * forgotten). Answers whether a channel was; no key needed, the token is the proof.
   */
  async confirm(em: EntityManager, token: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
    const rows = await em
      .getConnection()
      .execute<{ id: string }[]>(
        `update notification_channels set confirmed_at = ?, confirm_token_hash = null, updated_at = ? where confirm_token_hash = ? and type = 'EMAIL' returning id`,
        [this.now(), this.now(), tokenHash(token)],
      );
    return rows.length > 0;
  }

  deliveries(
    em: EntityManager,
    organizationId: string,
    args: PageArgs & { channelId?: string | null; status?: DeliveryStatus | null },
  ): Promise<Page<NotificationDelivery>> {
    const where = {
      organization: organizationId,
      ...(args.channelId ? { channel: args.channelId } : {}),
      ...(args.status ? { status: args.status } : {}),
    };
    return paginate(em, NotificationDelivery, where, 'createdAt', args);
  }

  /** Rules a GraphQL type cannot state, on the fields given (see src/graphql/validation.ts). */
  inputErrors(input: ChannelInput): FieldError[] {
    const errors: FieldError[] = [];
    if (input.name != null && !input.name.trim()) errors.push({ field: 'name', message: 'must not be blank' });
    if (input.url != null) errors.push(...this.urlErrors(input.url));
    if (input.events != null && !input.events.length) errors.push({ field: 'events', message: 'must list at least one event' });
    if (input.type === 'EMAIL' && !this.opts.smtpConfigured)
      errors.push({ field: 'type', message: 'EMAIL channels need an SMTP server: set SMTP_URL (and SMTP_FROM) and restart' });
    return errors;
  }

  private urlErrors(url: string): FieldError[] {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return [{ field: 'url', message: 'must be an absolute http or https URL' }];
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return [{ field: 'url', message: 'must be an http or https URL' }];
    // Percent-encoding can lengthen what was given: the normalised URL is what is stored (masked) and sent.
    if (u.href.length > MAX_CHANNEL_URL) return [{ field: 'url', message: `must be at most ${MAX_CHANNEL_URL} characters once normalised (percent-encoded); it is ${u.href.length}` }];
    const range = this.opts.allowPrivateTargets ? undefined : literalHostRange(u.hostname);
    if (range && range !== 'unicast')
      return [{ field: 'url', message: `${u.hostname.replace(/^\[|\]$/g, '')} is a ${rangeWords(range)} address; tracer does not send to private, loopback or link-local addresses unless ALLOW_PRIVATE_TARGETS=true` }];
    return [];
  }

  /**
   * Which fields a type needs and takes (channels/registry.ts): `has` is what the channel has after the change,
   * `given` what this call sets.
   */
  private shapeErrors(type: ChannelType, has: Partial<Record<ChannelField, unknown>>, given: Partial<Record<ChannelField, unknown>>): FieldError[] {
    const { required, optional } = fieldsOf(type);
    const errors: FieldError[] = [];
    for (const f of required) if (has[f] == null || has[f] === '') errors.push({ field: f, message: `is required for a${/^[AEIOU]/.test(type) ? 'n' : ''} ${type} channel` });
    for (const f of FIELDS) {
      if (given[f] == null || required.includes(f) || optional.includes(f)) continue;
      const types = CHANNEL_TYPES_TAKING(f);
      errors.push({ field: f, message: `is only for ${types.length > 1 ? `${types.slice(0, -1).join(', ')} and ${types[types.length - 1]}` : types[0]} channels` });
    }
    const provider = CHANNEL_PROVIDERS[type];
    if (provider?.validate) errors.push(...provider.validate(given as never));
    return errors;
  }

  /** The credential this call sets, if any. */
  private credentialOf(type: ChannelType, input: ChannelInput): string | null {
    const field = CHANNEL_PROVIDERS[type]?.credentialField;
    return field ? (input[field] ?? null) : null;
  }
}

/** The types that take a field. */
const CHANNEL_TYPES_TAKING = (f: ChannelField): ChannelType[] =>
  CHANNEL_TYPES.filter((t) => {
    const { required, optional } = fieldsOf(t);
    return required.includes(f) || optional.includes(f);
  });

/** The non-secret settings after a change. */
function settingsOf(type: ChannelType, current: ChannelSettings, patch: ChannelInput): ChannelSettings {
  if (type === 'OPSGENIE') return { region: patch.region ?? current.region ?? 'US' };
  if (type === 'TELEGRAM') return { chatId: patch.chatId ?? current.chatId };
  return {};
}

const dedupe = <T>(xs: T[]): T[] => [...new Set(xs)];
