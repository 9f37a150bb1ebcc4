import { Organization } from '../modules/organization/organization.entity';
import { ApiKey } from '../modules/api-keys/api-key.entity';
import { Monitor } from '../modules/checks/kinds/monitor/monitor.entity';
import { Journey } from '../modules/checks/kinds/journey/journey.entity';
import { Heartbeat } from '../modules/checks/kinds/heartbeat/heartbeat.entity';
import { TcpMonitor } from '../modules/checks/kinds/tcp/tcp-monitor.entity';
import { DnsMonitor } from '../modules/checks/kinds/dns/dns-monitor.entity';
import { Run } from '../modules/runs/run.entity';
import { Alert } from '../modules/alerts/alert.entity';
import { Member } from '../modules/members/member.entity';
import { AuditEvent } from '../modules/audit/audit-event.entity';
import { RequestCount } from '../modules/auth/request-count.entity';
import { ScheduledCheck } from '../modules/checks/scheduled-check';
import { CheckLocation } from '../modules/checks/check-location.entity';
import { CheckRow } from '../modules/checks/check-row.entity';
import { Location, Worker } from '../modules/locations/worker.entity';
import { UsageCounter } from '../modules/billing/usage-counter.entity';
import { NotificationChannel } from '../modules/notifications/notification-channel.entity';
import { NotificationDelivery } from '../modules/notifications/notification-delivery.entity';
import { ApiKeyExpiryNotice } from '../modules/notifications/api-key-notice.entity';
import { ConfirmationSend } from '../modules/notifications/confirmation-send.entity';
import { MaintenanceWindow } from '../modules/maintenance/maintenance-window.entity';
import { RunRollup } from '../modules/stats/rollup.entity';
import { Incident, IncidentUpdate, StatusComponent, StatusPage } from '../modules/status-pages/status-page.entity';
import { StatusSubscriber } from '../modules/status-pages/subscriber.entity';

import { Session } from '../modules/accounts/session.entity';
import { PasswordToken } from '../modules/accounts/password-token.entity';
import { MfaRecoveryCode, MfaTotp } from '../modules/mfa/mfa.entity';
import { Invitation } from '../modules/invitations/invitation.entity';
import { SsoAttempt, SsoConnection, SsoDomain } from '../modules/sso/sso.entity';
import { CheckSession, CheckSessionRun } from '../modules/check-sessions/check-session.entity';
import { EscalationPolicy } from '../modules/escalation/escalation-policy.entity';
import { EscalationStep } from '../modules/escalation/escalation-step.entity';
import { AlertEvent } from '../modules/escalation/alert-event.entity';
import { AckLinkUse } from '../modules/escalation/ack-link-use.entity';
/** Every entity, listed explicitly: no folder scanning, so the compiled app, the tests and the scripts agree. */
// ScheduledCheck is a mapped superclass (no table): listed so discovery sees the columns Monitor and Journey inherit.
export const ENTITIES = [ScheduledCheck, Organization, ApiKey, CheckRow, Monitor, Journey, TcpMonitor, DnsMonitor, Heartbeat, Run, Alert, Member, AuditEvent, RequestCount, CheckLocation, Location, Worker, UsageCounter, NotificationChannel, NotificationDelivery, ApiKeyExpiryNotice, ConfirmationSend, MaintenanceWindow, CheckSession, CheckSessionRun, RunRollup, Session, PasswordToken, MfaTotp, MfaRecoveryCode, Invitation, SsoConnection, SsoDomain, SsoAttempt, EscalationPolicy, EscalationStep, AlertEvent, AckLinkUse, StatusPage, StatusComponent, Incident, IncidentUpdate, StatusSubscriber];
