import { memberSessions } from '../modules/accounts/session-ends';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import { openDatabase, type Database } from '../db/database';
import type { Services } from '../context/services';
import { accountServices } from './accounts';
import { KIND_APIS } from '../modules/checks/kinds/apis';
import { RunService } from '../modules/runs/run.service';
import { RunRecorder } from '../modules/runs/run-recorder';
import { AlertService } from '../modules/alerts/alert.service';
import type { AlertHooks } from '../modules/alerts/alert-teller';
import { TxtLookup } from '../modules/domains/domain-proof';
import { DomainRecheck } from '../modules/domains/domain-recheck';
import { ssoDomainClaims } from '../modules/sso/sso-domain-claims';
import { pageDomainClaims } from '../modules/status-pages/page-domain-claims';
import { MemberService } from '../modules/members/member.service';
import { SecretBox } from '../modules/checks/secret-box';
import { loadSecretsKey } from '../modules/checks/secrets-key';
import { Engine } from '../modules/engine/engine';
import type PgBoss from 'pg-boss';
import { openQueue } from '../modules/engine/queue';
import { ensureNamedQueue } from '../modules/queue/pg-boss-db';
import { NotificationService } from '../modules/notifications/notification.service';
import { Notifier, NOTIFY_QUEUE } from '../modules/notifications/notifier';
import { DeliveryAttempts } from '../modules/notifications/delivery';
import { NotificationWorker } from '../modules/notifications/notification-worker';
import { DeliveryGate } from '../modules/notifications/delivery-gate';
import { ExpirySweep } from '../modules/notifications/expiry-sweep';
import { LostDeliverySweep, deliveryJobLifetimeMs } from '../modules/notifications/lost-delivery-sweep';
import { MaintenanceService } from '../modules/maintenance/maintenance.service';
import { CheckSessionService } from '../modules/check-sessions/check-session.service';
import { RollupWriter } from '../modules/stats/rollup.writer';
import { StatsService } from '../modules/stats/stats.service';
import { RetentionService } from '../modules/retention/retention.service';
import { LiveBus, LocalPublisher, NotifyPublisher } from '../modules/common/live-events';
import { LiveService } from '../modules/live/live.service';
import { AckLinks } from '../modules/escalation/ack-link';
import { AckService } from '../modules/escalation/ack.service';
import { AlertEscalation } from '../modules/escalation/alert-escalation';
import { EscalationScheduler } from '../modules/escalation/escalation-scheduler';
import { EscalationService } from '../modules/escalation/escalation.service';
import { PingService } from '../modules/heartbeats/ping.service';
import { DeadlineWatcher } from '../modules/heartbeats/deadline-watcher';
import type { Consumer } from '../modules/queue/consumer';
import { StatusPageService } from '../modules/status-pages/status-page.service';
import { IncidentService } from '../modules/status-pages/incident.service';
import { PublicStatus, hostOf } from '../modules/status-pages/public/public-status';
import { Subscribers } from '../modules/status-pages/subscribers';
import { PublicUrl } from '../modules/common/public-url';

/** What every role of the process needs (the API, a worker): the database, the engine, the services of checks. */
export interface Core {
  database: Database;
  engine: Engine;
  secrets: SecretBox;
  /** Every service but the API keys', accounts', two-factor's and invitations', which belong to the API role (they need the verifiers). */
  services: Omit<Services, 'apiKeys' | 'accounts' | 'mfa' | 'invitations' | 'recovery' | 'sso' | 'ssoSignIn'>;
  /** Pruning and run partitions: the maintenance job's work. */
  retention: RetentionService;
  /** This process's subscribers (GraphQL subscriptions), fed by what is published (live/live-events.ts). */
  liveBus: LiveBus;
  /** Where domain proofs are looked up (DOMAIN_DNS_RESOLVER, else SSO_DNS_RESOLVER, else the system's). */
  domainLookup: TxtLookup;
  /** Where links point (PUBLIC_URL, or this server's address once it listens). */
  publicUrl: PublicUrl;
}

export interface CoreOptions {
  log: FastifyBaseLogger;
  now: () => Date;
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  /** The key sealing credential headers (tests); otherwise SECRETS_KEY or the embedded key file. */
  secretsKey?: Buffer;
}

/**
 * Opens the database and the job queue and builds the services, in the same way for `npm start`, an API-only
 * instance and `npm run worker`: one wiring, one copy of every rule.
 */
export async function openCore(config: Config, opts: CoreOptions): Promise<Core> {
  const { log, now } = opts;
  // Before the database opens: a missing key on PostgreSQL stops the start with a ConfigError, before any connection.
  const secretsKey =
    opts.secretsKey ??
    loadSecretsKey({
      configured: config.SECRETS_KEY,
      // Only a database this process opens from DATA_DIR may keep its key there.
      embeddedDataDir: !opts.database && !config.DATABASE_URL ? config.DATA_DIR : undefined,
      onGenerated: (file) => log.warn({ file }, 'generated the key that encrypts credential headers at rest; back it up with the data'),
    });
  const secrets = new SecretBox(secretsKey);
  // PUBLIC_URL, or this server's address: with PORT=0 the port it binds, once it listens (server.ts).
  const publicUrl = new PublicUrl(config.PUBLIC_URL, config.HOST, config.PORT);
  // One-click acknowledge links are signed with a key derived from the secrets key (ack-link.ts).
  const ackLinks = new AckLinks(secretsKey, publicUrl, now);
  const database =
    opts.database ??
    (await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      migrate: config.MIGRATE_ON_START,
      timeoutMs: config.DATABASE_TIMEOUT_MS,
      queryTimeoutMs: config.DATABASE_TIMEOUT_MS,
      warn: (message) => log.warn({ driver: message }, 'database driver warning'),
    }));
  let boss: PgBoss;
  try {
    boss = await openQueue(database, log, { maintenanceSeconds: config.QUEUE_MAINTENANCE_SECONDS, timeoutMs: config.DATABASE_TIMEOUT_MS });
    // Every role enqueues notifications (an API instance: acknowledgements), so the queue exists before any does.
    await ensureNamedQueue(boss, NOTIFY_QUEUE, new Set());
  } catch (e) {
    if (!opts.database) await database.close();
    throw e;
  }
  const leaseSeconds = Math.ceil(config.NOTIFY_TIMEOUT_MS / 1000) + config.LEASE_MARGIN_SECONDS;
  const notifier = new Notifier(boss, now, leaseSeconds, () => delivering.nudge());
  const attempts = new DeliveryAttempts(notifier, secrets, log, now, {
    retryScheduleMs: config.NOTIFY_RETRY_SCHEDULE_MS,
    timeoutMs: config.NOTIFY_TIMEOUT_MS,
    allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS,
    smtpUrl: config.SMTP_URL,
    smtpFrom: config.SMTP_FROM,
    publicUrl,
    endpoints: {
      pagerdutyEventsUrl: config.PAGERDUTY_EVENTS_URL,
      opsgenieApiUrl: config.OPSGENIE_API_URL,
      opsgenieEuApiUrl: config.OPSGENIE_EU_API_URL,
      telegramApiUrl: config.TELEGRAM_API_URL,
    },
    ackUrl: (alertId, channelId) => ackLinks.url(alertId, channelId),
  });
  const gate = new DeliveryGate(
    {
      perOrganization: config.NOTIFY_MAX_IN_FLIGHT_PER_ORGANIZATION,
      perChannel: config.NOTIFY_MAX_IN_FLIGHT_PER_CHANNEL,
      circuitFailures: config.NOTIFY_CIRCUIT_FAILURES,
      circuitCooldownMs: config.NOTIFY_CIRCUIT_COOLDOWN_MS,
      timeoutMs: config.NOTIFY_TIMEOUT_MS,
    },
    log,
  );
  // Started with the engine's worker role (Engine.startWorker), stopped with it.
  // A delivery whose job is gone is ended once it is due longer ago than any job of its could still be running.
  const lostDeliveries = new LostDeliverySweep(attempts, log, now, deliveryJobLifetimeMs(leaseSeconds, config.QUEUE_MAINTENANCE_SECONDS), () => notifier.enqueued());
  const delivering = new NotificationWorker(boss, database.orm, attempts, gate, [new ExpirySweep(notifier, now), lostDeliveries], log, {
    concurrency: config.NOTIFY_CONCURRENCY,
    pollMs: config.WORKER_POLL_MS,
    sweepMs: config.NOTIFY_SWEEP_MS,
    // Half the lease margin: a job held that long and then attempted still ends within its lease.
    holdMs: (config.LEASE_MARGIN_SECONDS * 1000) / 2,
  });
  // Started and stopped with the worker role; the deadline watcher joins once the recorder exists (below).
  const workerRole: Consumer[] = [delivering, new EscalationScheduler(database.orm, notifier, log, now, { tickMs: config.ESCALATION_TICK_MS, minuteMs: config.ESCALATION_MINUTE_MS })];
  const engine = new Engine(boss, database, log, {
    worker: config.WORKER,
    scheduling: config.SCHEDULING,
    location: config.LOCATION,
    concurrency: config.WORKER_CONCURRENCY,
    orgShare: config.WORKER_ORG_SHARE,
    reservedShare: config.WORKER_RESERVED_SHARE,
    pollMs: config.WORKER_POLL_MS,
    tickMs: config.SCHEDULE_TICK_MS,
    leaseMarginSeconds: config.LEASE_MARGIN_SECONDS,
    heartbeatMs: config.WORKER_HEARTBEAT_MS,
    journeyMaxDurationMs: config.JOURNEY_MAX_DURATION_MS,
    maintenanceIntervalMs: config.MAINTENANCE_INTERVAL_MINUTES * 60_000,
  }, workerRole);
  const { organizations, billing } = accountServices(config, now, notifier);
  // Embedded: one process, events go to its own subscribers on commit. PostgreSQL: a NOTIFY in the transaction,
  // heard by every API instance's listener (wiring/api.ts), whichever process recorded the run.
  const liveBus = new LiveBus();
  const live = database.kind === 'postgresql' ? new NotifyPublisher() : new LocalPublisher(liveBus, database.orm);
  // Status pages' draft incidents hear an alert open and resolve (set below, once the incidents service exists).
  const alertHooks: AlertHooks = { opened: null, resolved: null };
  const alerts = new AlertService(now, notifier, log, live, new AlertEscalation(notifier, config.ESCALATION_MINUTE_MS), alertHooks);
  const recorder = new RunRecorder({ alerts, rollups: new RollupWriter(), live });
  const checks = Object.fromEntries(
    KIND_APIS.map((api) => [api.kind.name, new api.service(billing, engine.locations, now, secrets, config.ALLOW_PRIVATE_TARGETS, live)]),
  ) as Services['checks'];
  const runs = new RunService({
    billing,
    recorder,
    http: { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS },
    redactionMaxCompared: config.REDACTION_MAX_COMPARED,
    secrets,
    now,
    log,
    dispatcher: engine,
    leaseMarginSeconds: config.LEASE_MARGIN_SECONDS,
    journeyMaxDurationMs: config.JOURNEY_MAX_DURATION_MS,
  });
  const heartbeats = new PingService({
    orm: database.orm, recorder, billing, secrets, now, log, publicUrl,
    // Four of the pool's ten connections at most; the embedded database has one connection.
    parallelBatches: database.kind === 'postgresql' ? 4 : 1,
  });
  workerRole.push(new DeadlineWatcher(heartbeats, log, config.SCHEDULE_TICK_MS));
  const checkSessions = new CheckSessionService({ billing, dispatcher: engine, now, leaseMarginSeconds: config.LEASE_MARGIN_SECONDS, journeyMaxDurationMs: config.JOURNEY_MAX_DURATION_MS });
  // Domain proofs (SSO domains, status pages' custom domains) and their re-check ask this DNS server.
  const domainLookup = new TxtLookup(config.DOMAIN_DNS_RESOLVER ?? config.SSO_DNS_RESOLVER);
  const publicStatus = new PublicStatus(database.orm, liveBus, now, { ttlMs: config.STATUS_PAGE_CACHE_MS, publicUrl });
  const pageChanged = (organizationId: string) => publicStatus.invalidate(organizationId);
  const notifications = new NotificationService(notifier, secrets, now, {
    allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, smtpConfigured: !!config.SMTP_URL, maxChannels: config.MAX_CHANNELS_PER_ORGANIZATION,
    testsPerMinute: config.NOTIFY_TESTS_PER_CHANNEL_PER_MINUTE,
    confirmationsPerAddressPerHour: config.NOTIFY_CONFIRMATIONS_PER_ADDRESS_PER_HOUR,
    confirmationsPerOrganizationPerHour: config.NOTIFY_CONFIRMATIONS_PER_ORGANIZATION_PER_HOUR,
  });
  const subscribers = new Subscribers(notifications, notifier, secrets, now, {
    perPagePerHour: config.STATUS_PAGE_SUBSCRIPTIONS_PER_HOUR,
    maxPerPage: config.MAX_SUBSCRIBERS_PER_STATUS_PAGE,
    publicUrl,
  });
  const incidents = new IncidentService(now, pageChanged, { hook: (em, incident, update, kind) => subscribers.notify(em, incident, update, kind) });
  // Verified domains are looked up again daily by any worker (domains/domain-recheck.ts).
  workerRole.push(new DomainRecheck(database.orm, domainLookup, [ssoDomainClaims, pageDomainClaims(pageChanged)], now, log, config.DOMAIN_RECHECK_TICK_MS));
  alertHooks.opened = (em, alert, check) => incidents.draftFor(em, alert, check.id);
  alertHooks.resolved = async (em, alert) => void (await incidents.withdrawDrafts(em, alert.id));
  const services = {
    organizations,
    checks,
    runs,
    recorder,
    alerts,
    members: new MemberService(now, memberSessions()),
    billing,
    locations: engine.locations,
    notifications,
    maintenance: new MaintenanceService(now, { maxWindows: config.MAX_MAINTENANCE_WINDOWS_PER_ORGANIZATION }, {
      created: (tx, window) => subscribers.notifyMaintenance(tx, window, 'scheduled'),
      cancelled: (tx, window) => subscribers.notifyMaintenance(tx, window, 'cancelled'),
    }),
    checkSessions,
    live: new LiveService({ bus: liveBus, runs, checkSessions, fork: () => database.orm.em.fork(), now }),
    stats: new StatsService(now),
    escalation: new EscalationService(now),
    acks: new AckService(ackLinks, alerts),
    heartbeats,
    statusPages: new StatusPageService(now, { maxPages: config.MAX_STATUS_PAGES_PER_ORGANIZATION, ownHost: hostOf(String(publicUrl)) }, pageChanged, { hook: (tx, pageId) => subscribers.removeAll(tx, pageId) }, domainLookup),
    incidents,
    subscribers,
    publicStatus,
    now,
  };
  return { database, engine, secrets, services, retention: new RetentionService(now, config.RUN_RETENTION_DAYS), liveBus, domainLookup, publicUrl };
}
