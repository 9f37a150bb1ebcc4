import { createHash, randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, rateLimited } from '../../errors';
import type { SecretBox } from '../checks/secret-box';
import { NotificationChannel } from '../notifications/notification-channel.entity';
import type { NotificationService } from '../notifications/notification.service';
import type { Notifier, StatusPageEvent } from '../notifications/notifier';
import { Organization } from '../organization/organization.entity';
import { StatusComponent, StatusPage, type Incident, type IncidentUpdate } from './status-page.entity';
import { StatusSubscriber } from './subscriber.entity';
import type { PublicUrl } from '../common/public-url';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const HOUR = 3_600_000;
const EMAIL = /^[^\s@<>(),;:"\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export interface SubscribeInput {
  email?: string | null;
  url?: string | null;
}

const EVENT: Record<'created' | 'updated' | 'resolved', StatusPageEvent> = { created: 'INCIDENT_CREATED', updated: 'INCIDENT_UPDATED', resolved: 'INCIDENT_RESOLVED' };

/**
 * Subscribers of status pages. Subscribing is public (no key), so it says the same whatever happened (a new
 * subscriber, the same address again): nobody learns who is subscribed. It is limited per page
 * (`perPagePerHour`) and, for email, by the confirmation budgets per address and organization.
 */
export class Subscribers {
  constructor(
    private readonly notifications: NotificationService,
    private readonly notifier: Notifier,
    private readonly secrets: SecretBox,
    private readonly now: () => Date,
    private readonly opts: { perPagePerHour: number; maxPerPage: number; publicUrl: PublicUrl },
  ) {}

  /** Answers the webhook's signing secret (shown once), or null for an email (or an address already subscribed). */
  async subscribe(em: EntityManager, slug: string, input: SubscribeInput): Promise<{ found: boolean; secret: string | null }> {
    const email = input.email?.trim();
    const url = input.url?.trim();
    if (!email === !url) throw badInput([{ field: 'email', message: 'give an email address or a webhook url (one of them)' }]);
    if (email && (email.length > 254 || !EMAIL.test(email))) throw badInput([{ field: 'email', message: 'must be an email address' }]);
    return em.transactional(async (tx) => {
      const page = await tx.findOne(StatusPage, { slug }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!page) return { found: false, secret: null };
      const targetHash = hash((email ?? url!).toLowerCase());
      if (await tx.count(StatusSubscriber, { page: page.id, targetHash })) return { found: true, secret: null };
      const since = new Date(this.now().getTime() - HOUR);
      const recent = await tx.count(StatusSubscriber, { page: page.id, createdAt: { $gt: since } });
      if (recent >= this.opts.perPagePerHour) throw rateLimited(60, 'This page took as many subscriptions as it may this hour; retry later');
      if ((await tx.count(StatusSubscriber, { page: page.id })) >= this.opts.maxPerPage) throw conflict('This page has as many subscribers as it may have');
      const org = page.organization.id;
      const { channel, secret } = await this.notifications.createSubscriber(tx, org, email ? { type: 'EMAIL', email } : { type: 'WEBHOOK', url });
      const token = randomBytes(32).toString('base64url');
      tx.create(StatusSubscriber, {
        page,
        organization: tx.getReference(Organization, org),
        channel,
        unsubscribeHash: hash(token),
        unsubscribeToken: this.secrets.seal(token),
        targetHash,
        createdAt: this.now(),
      });
      await tx.flush();
      return { found: true, secret };
    });
  }

  /** Removes the subscriber of this unsubscribe token (and its channel); answers whether there was one. */
  async unsubscribe(em: EntityManager, token: string): Promise<boolean> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
    const sub = await em.findOne(StatusSubscriber, { unsubscribeHash: hash(token) });
    if (!sub) return false;
    await em.nativeDelete(NotificationChannel, { id: sub.channel.id }); // cascades to the subscriber
    return true;
  }

  async count(em: EntityManager, pageId: string): Promise<number> {
    return em.count(StatusSubscriber, { page: pageId });
  }

  /** Deletes a page's subscriber channels (the page's delete cascades to its subscribers, not to their channels). */
  async removeAll(tx: EntityManager, pageId: string): Promise<void> {
    await tx.getConnection().execute(
      'delete from notification_channels where id in (select channel_id from status_subscribers where page_id = ?)',
      [pageId],
      'run',
      tx.getTransactionContext(),
    );
  }

  /**
   * Sends an incident's news to every subscriber of its page, through the delivery queue (one delivery each,
   * with its own unsubscribe link). Emails not confirmed yet are logged SKIPPED by the queue, never sent.
   */
  async notify(em: EntityManager, incident: Incident, update: IncidentUpdate, kind: 'created' | 'updated' | 'resolved'): Promise<void> {
    const page = await em.findOneOrFail(StatusPage, { id: incident.page.id });
    const subs = await em.find(StatusSubscriber, { page: page.id });
    if (!subs.length) return;
    const url = `${this.opts.publicUrl}/status/${page.slug}`;
    await em.transactional(async (tx) => {
      for (const s of subs)
        await this.notifier.emit(tx, {
          organizationId: page.organization.id,
          event: EVENT[kind],
          checkId: null,
          channelId: s.channel.id,
          data: {
            statusPage: { id: page.id, name: page.name, url },
            incident: { id: incident.id, title: incident.title, status: incident.status, impact: incident.impact },
            update: { id: update.id, status: update.status, message: update.message, createdAt: update.createdAt.toISOString() },
            unsubscribe: { token: s.unsubscribeToken },
          },
        });
    });
  }

  /**
   * A maintenance window was created, or deleted before its end (in `em`'s transaction): every page with a
   * component it covers (one of the component's checks, or every check when it names none) sends it to its
   * subscribers, as scheduled maintenance or as its cancellation (`inProgress`: it had begun, so it ended early),
   * naming the window and those components only.
   */
  async notifyMaintenance(
    em: EntityManager,
    window: { id: string; organization: { id: string }; name: string; startsAt: Date; endsAt: Date; checkIds: string[] },
    change: 'scheduled' | 'cancelled' = 'scheduled',
  ): Promise<void> {
    const org = window.organization.id;
    const all = window.checkIds.length === 0;
    const covered = (await em.find(StatusComponent, { organization: org }, { orderBy: { position: 'asc' } })).filter((c) =>
      c.checkIds.length && (all || c.checkIds.some((id) => window.checkIds.includes(id))),
    );
    const byPage = new Map<string, string[]>();
    for (const c of covered) byPage.set(c.page.id, [...(byPage.get(c.page.id) ?? []), c.name]);
    if (!byPage.size) return;
    const subs = await em.find(StatusSubscriber, { page: { $in: [...byPage.keys()] } });
    if (!subs.length) return;
    const pages = new Map((await em.find(StatusPage, { id: { $in: [...new Set(subs.map((s) => s.page.id))] } })).map((p) => [p.id, p]));
    const now = this.now();
    const cancelled = change === 'cancelled' ? { cancelledAt: now.toISOString(), inProgress: window.startsAt <= now } : {};
    for (const s of subs) {
      const page = pages.get(s.page.id)!;
      await this.notifier.emit(em, {
        organizationId: org,
        event: change === 'scheduled' ? 'MAINTENANCE_SCHEDULED' : 'MAINTENANCE_CANCELLED',
        checkId: null,
        channelId: s.channel.id,
        data: {
          statusPage: { id: page.id, name: page.name, url: `${this.opts.publicUrl}/status/${page.slug}` },
          maintenance: { id: window.id, name: window.name, startsAt: window.startsAt.toISOString(), endsAt: window.endsAt.toISOString(), components: byPage.get(page.id)!, ...cancelled },
          unsubscribe: { token: s.unsubscribeToken },
        },
      });
    }
  }
}
