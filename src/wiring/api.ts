import type { SecretBox } from '../modules/checks/secret-box';
import { memberSessions } from '../modules/accounts/session-ends';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { Services } from '../context/services';
import { openCore, type Core, type CoreOptions } from './core';
import type { PublicUrl } from '../modules/common/public-url';
import { apiKeyService } from './accounts';
import type { Engine } from '../modules/engine/engine';
import { ContextBuilder } from '../modules/auth/context';
import { KeyVerifier } from '../modules/auth/key-verifier';
import { FailureLimiter } from '../modules/auth/failure-limiter';
import { LastUsedTracker } from '../modules/auth/last-used';
import { RequestRateLimiter } from '../modules/auth/rate-limit';
import { KeyChangeListener, keyChangeAnnouncer } from '../modules/auth/key-events';
import { BcryptPool } from '../modules/auth/bcrypt-pool';
import { firstStart } from '../modules/invitations/first-start';
import { InvitationService } from '../modules/invitations/invitation.service';
import { AccountMailer } from '../modules/accounts/account-mailer';
import { PasswordRecovery } from '../modules/accounts/password-recovery';
import { LoaderRegistry } from '../context/loaders';
import { SessionVerifier } from '../modules/accounts/session-verifier';
import { SessionGate } from '../modules/accounts/session-gate';
import { SessionCookie } from '../modules/accounts/session-cookie';
import { OriginCheck } from '../modules/accounts/same-origin';
import { AccountService } from '../modules/accounts/account.service';
import { PasswordHasher } from '../modules/accounts/password-hash';
import type { SessionEnds } from '../modules/accounts/session-ends';
import { MemberService } from '../modules/members/member.service';
import { MfaService } from '../modules/mfa/mfa.service';
import { SsoService } from '../modules/sso/sso.service';
import { SsoSignIn } from '../modules/sso/sso-sign-in';
import { DAY_MS } from '../modules/common/time';
import { RequestContextFactory, type RequestContext } from '../context/request-context';
import { recentRunsLoader } from '../modules/runs/recent-runs.loader';
import { quotaLoader } from '../modules/billing/quota.loader';
import { statsLoader } from '../modules/stats/stats.loader';
import { LiveConnections } from '../modules/live/live-connections';
import { LIVE_CHANNEL, type LiveBus } from '../modules/common/live-events';
import type { Principal } from '../modules/auth/principal';

/** Every module's per-request loader; a module that batches adds its own here. */
export const LOADERS = [recentRunsLoader, quotaLoader, statsLoader];

/** What the API role adds to the core (./core.ts): authentication, its caches and timers, the context. */
export interface ApiServices {
  database: Database;
  /** Opens sealed channel secrets (the PagerDuty webhook's signing secrets). */
  secrets: SecretBox;
  engine: Engine;
  services: Services;
  verifier: KeyVerifier;
  lastUsed: LastUsedTracker;
  rateLimiter: RequestRateLimiter;
  keyListener?: KeyChangeListener;
  contexts: ContextBuilder<RequestContext>;
  /** The live connections (subscriptions) of this instance, closed when their credential stops working. */
  live: {
    bus: LiveBus;
    connections: LiveConnections;
    /** The credential of a connection as it is now (undefined: revoked, expired, ended). */
    recheck(principal: Principal): Promise<Principal | undefined>;
    context(principal: Principal, ip: string): RequestContext;
  };
  /** The session cookie, the origin check and the session verifier (the /auth routes use them). */
  sessions: SessionGate;
  /** Partitions ahead and retention: the maintenance job's task (./core.ts). */
  retention: Core['retention'];
  /** The key made on first start with an empty database, to be shown once; undefined otherwise. */
  bootstrapKey?: string;
  /** The first start's link that makes the first owner, to be shown once; undefined otherwise. */
  setupLink?: string;
  /** Where links point: PUBLIC_URL, or this server's address (told the port it binds by server.ts). */
  publicUrl: PublicUrl;
  /** A later start step: if it fails, everything opened here is closed before the error goes on. */
  started<T>(step: Promise<T>): Promise<T>;
  /** Closes what was opened here after the engine, in order, naming each step. */
  close(step: (name: string) => void): Promise<void>;
}

/** Opens the core and the API's own parts: key verification, rate limits, revocation listener, context builder. */
export async function openApiServices(config: Config, opts: CoreOptions & { log: FastifyBaseLogger }): Promise<ApiServices> {
  const { log, now } = opts;
  const core = await openCore(config, opts);
  const { database, engine } = core;
  const { orm } = database;

  const lastUsed = new LastUsedTracker(orm, log, config.LAST_USED_FLUSH_MS);
  const bcrypt = new BcryptPool({ threads: config.BCRYPT_THREADS, maxQueue: config.BCRYPT_QUEUE_MAX });
  // One limiter for every credential: key failures, session lookups and sign-in failures count per address alike.
  const failures = new FailureLimiter(config.AUTH_FAILURE_LIMIT, () => now().getTime());
  const verifier = new KeyVerifier(orm, lastUsed, log, now, failures, bcrypt, {
    cacheMaxAgeMs: config.KEY_CACHE_MAX_AGE_MS,
  });
  const sessionVerifier = new SessionVerifier(orm, log, now, failures, { idleMs: config.SESSION_IDLE_MINUTES * 60_000, cacheMaxAgeMs: config.KEY_CACHE_MAX_AGE_MS });
  const publicUrl = config.PUBLIC_URL;
  // The parsed scheme, as the origin check parses the URL: a prefix test would depend on how the setting is spelt.
  const secure = publicUrl !== undefined && new URL(publicUrl).protocol === 'https:';
  const sessions = new SessionGate(
    new SessionCookie(secure, (config.SESSION_MAX_DAYS * DAY_MS) / 1000),
    new OriginCheck(publicUrl),
    sessionVerifier,
  );
  // Subscriptions held open on this instance: each change of a key or session below makes them ask again.
  const liveConnections = new LiveConnections(now, log, { pollMs: config.KEY_LISTENER_HEARTBEAT_MS, maxAgeMs: config.KEY_CACHE_MAX_AGE_MS });
  // Ended sessions travel like revoked keys: NOTIFY on PostgreSQL (heard by every instance), and this instance's cache.
  const ends: SessionEnds = {
    announce: keyChangeAnnouncer(database.kind),
    forget: (id) => {
      sessionVerifier.forget();
      void liveConnections.changed(id);
    },
  };
  let keyListener: KeyChangeListener | undefined;
  let rateLimiter: RequestRateLimiter | undefined;
  /** A start that fails half-way leaves nothing running: no queue timers, no pools, no worker row. */
  const started = <T>(step: Promise<T>): Promise<T> =>
    step.catch(async (e) => {
      await engine.stop(0).catch(() => {});
      await keyListener?.stop().catch(() => {});
      await rateLimiter?.close().catch(() => {});
      await lastUsed.close().catch(() => {});
      await bcrypt.close().catch(() => {});
      if (!opts.database) await database.close().catch(() => {});
      throw e;
    });
  // Two argon2 computations at once: half of libuv's default pool of four, which file and DNS work share.
  // Account emails (invitations, reset links) go through the SMTP server of notifications; links point at PUBLIC_URL.
  const mailer = new AccountMailer({ smtpUrl: config.SMTP_URL, from: config.SMTP_FROM, timeoutMs: config.NOTIFY_TIMEOUT_MS });
  const passwords = new PasswordHasher({ concurrency: 2, maxQueue: config.PASSWORD_HASH_QUEUE_MAX });
  await started(passwords.ready());
  const mfa = new MfaService({ now, secrets: core.secrets, ends, limiter: failures, issuer: 'tracer' });
  const sso = new SsoService({ now, secrets: core.secrets, allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, dns: core.domainLookup });
  const services: Services = {
    ...core.services,
    apiKeys: apiKeyService(config, database, bcrypt, now, {
      forget: (id) => {
        verifier.forget(id); // this instance refuses the key before the change is answered
        void liveConnections.changed(id); // and closes its subscriptions
      },
      pendingUse: (id) => lastUsed.peek(id),
    }),
    members: new MemberService(now, memberSessions(ends)),
    accounts: new AccountService({ now, limiter: failures, ends, passwords, sessionMaxDays: config.SESSION_MAX_DAYS, sessionIdleMinutes: config.SESSION_IDLE_MINUTES, secondFactor: mfa, ssoPolicy: sso, log }),
    mfa,
    sso,
    ssoSignIn: new SsoSignIn({ now, secrets: core.secrets, limiter: failures, sessionMaxDays: config.SESSION_MAX_DAYS, log }),
    invitations: new InvitationService({ now, passwords, mailer, publicUrl: core.publicUrl, sessionMaxDays: config.SESSION_MAX_DAYS }),
    recovery: new PasswordRecovery({ now, limiter: failures, mailer, publicUrl: core.publicUrl, log }),
  };
  const { bootstrapKey, setupLink } = await started(firstStart(orm.em.fork(), services, { key: config.BOOTSTRAP_KEY, setupLink: config.SETUP_LINK }));
  if (!config.BOOTSTRAP_KEY && !config.SETUP_LINK && (await started(services.organizations.count(orm.em.fork()))) === 0)
    log.info(
      { bootstrapKey: false, setupLink: false },
      'no organization yet, and no bootstrap key or setup link (off by default with DATABASE_URL): make the first owner with ' +
        '`npm run members -- add --org "<name>" --email <email> --role OWNER` or the first key with ' +
        '`npm run keys -- create --org "<name>" --name Admin --permissions all`, or start once with SETUP_LINK=true or BOOTSTRAP_KEY=true',
    );
  // Embedded: one process, counts in memory. PostgreSQL: shared between instances through request_counts.
  const limiter = new RequestRateLimiter(
    config.RATE_LIMIT_PER_MINUTE,
    () => now().getTime(),
    database.kind === 'postgresql' ? { orm, log, syncMs: config.RATE_LIMIT_SYNC_MS } : undefined,
  );
  rateLimiter = limiter;
  const requestContexts = new RequestContextFactory(orm, services, new LoaderRegistry().register(...LOADERS));
  const contexts = new ContextBuilder(verifier, limiter, now, (principal, ip) => requestContexts.create(principal, ip), sessions);
  // Several instances can share PostgreSQL: keep their key caches right with LISTEN/NOTIFY. The embedded database
  // has exactly one process (it is locked), so its local invalidation is enough.
  keyListener =
    database.kind === 'postgresql'
      ? new KeyChangeListener(database.url, {
          // One channel for keys (`key_…`) and sessions (`ses_…`, or `mem_…` for all of a member's).
          forget: (id) => {
            if (id.startsWith('key_')) verifier.forget(id);
            else sessionVerifier.forget();
            void liveConnections.changed(id);
          },
          setTrusted: (trusted) => {
            verifier.setTrusted(trusted);
            sessionVerifier.setTrusted(trusted);
            liveConnections.setTrusted(trusted);
          },
          // Runs, statuses and alerts recorded by any process, for this instance's subscribers.
          channels: { [LIVE_CHANNEL]: (payload) => core.liveBus.receive(payload) },
        }, log, { heartbeatMs: config.KEY_LISTENER_HEARTBEAT_MS, deadlineMs: config.KEY_LISTENER_DEADLINE_MS })
      : undefined;
  if (keyListener) await started(keyListener.start());
  const listener = keyListener;

  return {
    database,
    secrets: core.secrets,
    engine,
    services,
    verifier,
    lastUsed,
    rateLimiter: limiter,
    keyListener: listener,
    contexts,
    live: {
      bus: core.liveBus,
      connections: liveConnections,
      recheck: (principal) => (principal.session ? sessionVerifier.current(principal.session.tokenHash) : verifier.current(principal.keyId)),
      context: (principal, ip) => requestContexts.create(principal, ip),
    },
    sessions,
    retention: core.retention,
    bootstrapKey,
    setupLink,
    publicUrl: core.publicUrl,
    started,
    async close(step) {
      step('key listener');
      liveConnections.closeAll(1001, 'Server shutting down');
      await listener?.stop();
      step('lastUsed');
      await lastUsed.close();
      step('rate limiter');
      await limiter.close();
      step('sign-in audit');
      await services.accounts.settled();
      await bcrypt.close();
      mailer.close();
      step('database');
      if (!opts.database) await database.close();
    },
  };
}
