import type { ApiKeyService } from './modules/api-keys/api-key.service';
import type { OrganizationService } from './modules/organization/organization.service';
import type { MonitorService } from './modules/monitors/monitor.service';
import type { JourneyService } from './modules/journeys/journey.service';
import type { RunService } from './modules/runs/run.service';
import type { AlertService } from './modules/alerts/alert.service';
import type { MemberService } from './modules/members/member.service';
import type { BillingService } from './modules/billing/billing.service';

/** The app's services, built once in createApp and reached by resolvers through the context. */
export interface Services {
  apiKeys: ApiKeyService;
  organizations: OrganizationService;
  monitors: MonitorService;
  journeys: JourneyService;
  runs: RunService;
  alerts: AlertService;
  members: MemberService;
  billing: BillingService;
  now: () => Date;
}
