import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';

@Entity({ tableName: 'organizations' })
export class Organization {
  [OptionalProps]?: 'plan' | 'createdAt' | 'requireMfa' | 'enforceSso';

  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('org');

  @Property({ type: 'string', length: 100 })
  name!: string;

  /**
   * FREE | TEAM | BUSINESS | UNLIMITED: see billing/plans.ts. New organizations get DEFAULT_PLAN; changed by
   * `npm run orgs -- set-plan` (BillingService.setPlan), not through the API.
   */
  @Property({ type: 'string', length: 16, default: 'FREE' })
  plan: string = 'FREE';

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();

  /** Members without two-factor may do nothing but set it up (modules/mfa); set by an OWNER. API keys are not affected. */
  @Property({ type: 'boolean', default: false })
  requireMfa: boolean = false;

  /**
   * Members whose email is in a domain of one of the organization's SSO connections sign in only through it
   * (modules/sso): a password sign-in is SSO_REQUIRED. Set by an OWNER. API keys are not affected.
   */
  @Property({ type: 'boolean', default: false })
  enforceSso: boolean = false;
}
