import type { ApiKeyService } from '../modules/api-keys/api-key.service';
import type { OrganizationService } from '../modules/organization/organization.service';
import type { KindService } from '../modules/checks/check.service-base';
import type { CheckKindName } from '../modules/checks/kinds/registry';
import type { RunService } from '../modules/runs/run.service';
import type { RunRecorder } from '../modules/runs/run-recorder';
import type { AlertService } from '../modules/alerts/alert.service';
import type { MemberService } from '../modules/members/member.service';
import type { BillingService } from '../modules/billing/billing.service';
import type { LocationService } from '../modules/locations/location.service';
import type { NotificationService } from '../modules/notifications/notification.service';
import type { MaintenanceService } from '../modules/maintenance/maintenance.service';
import type { CheckSessionService } from '../modules/check-sessions/check-session.service';
import type { StatsService } from '../modules/stats/stats.service';
import type { AccountService } from '../modules/accounts/account.service';
import type { MfaService } from '../modules/mfa/mfa.service';
import type { InvitationService } from '../modules/invitations/invitation.service';
import type { PasswordRecovery } from '../modules/accounts/password-recovery';
import type { LiveService } from '../modules/live/live.service';
import type { SsoService } from '../modules/sso/sso.service';
import type { SsoSignIn } from '../modules/sso/sso-sign-in';

/**
 * The services a request reaches through its context. Built once by the wiring (src/wiring/); declared here, with
 * the context that carries them, so resolvers and loaders need not import the wiring that builds everything.
 */
export interface Services {
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  /** Every kind's service, by the kind's name (`checks.monitor`), built from kinds/apis.ts. */
  checks: Readonly<Record<CheckKindName, KindService>>;
  runs: RunService;
  recorder: RunRecorder;
  alerts: AlertService;
  members: MemberService;
  billing: BillingService;
  locations: LocationService;
  notifications: NotificationService;
  maintenance: MaintenanceService;
  checkSessions: CheckSessionService;
  stats: StatsService;
  /** People's sign-in, sessions and password links (the API role builds it: it shares the key verifier's limiter). */
  accounts: AccountService;
  /** Two-factor (TOTP, recovery codes) and Organization.requireMfa; built beside `accounts`. */
  mfa: MfaService;
  /** Invitations and the first start's setup link (the API role builds it: it signs the new member in). */
  invitations: InvitationService;
  /** Forgot password: the emailed reset link. */
  recovery: PasswordRecovery;
  /** Single sign-on settings (connections, Organization.enforceSso). */
  sso: SsoService;
  /** The OpenID Connect sign-in behind /auth/sso/start and /auth/sso/callback. */
  ssoSignIn: SsoSignIn;
  /** The event streams of the subscriptions (live/). */
  live: LiveService;
  now: () => Date;
}
