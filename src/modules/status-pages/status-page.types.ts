import { ArrayMaxSize, IsOptional, Length } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { connectionOf } from '../common/pagination';
import { NoControlCharacters } from '../common/names';
import type { FieldError } from '../../errors';
import type { ServiceRules } from '../../graphql/validation';
import type { StatusPageService } from './status-page.service';
import type { StatusComponent, StatusPage } from './status-page.entity';
import { COMPONENT_STATES, worstState, type ComponentState } from './component-state';
import { DomainProofView } from '../domains/domain-proof.types';

export const ComponentStateEnum = Object.freeze(Object.fromEntries(COMPONENT_STATES.map((s) => [s, s]))) as Record<ComponentState, ComponentState>;
registerEnumType(ComponentStateEnum, {
  name: 'ComponentState',
  description:
    'Derived from the checks: UNDER_MAINTENANCE while a maintenance window covers one of them; MAJOR_OUTAGE with an open alert on every one, PARTIAL_OUTAGE on some; DEGRADED_PERFORMANCE when one is degraded; else OPERATIONAL.',
});

@ObjectType('StatusComponent', { description: 'A line of a status page: a public name, and the checks whose state it shows (never shown themselves).' })
@RequiresScope('status_pages:read')
export class StatusComponentView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [ID], { description: 'Monitors and journeys (ids of deleted checks count for nothing).' }) checkIds!: string[];
  @Field(() => ComponentStateEnum) state!: ComponentState;
  @Field({ description: 'An alert opening on one of its checks opens a draft incident (published by publishIncident).' }) autoDraftIncident!: boolean;

  static from(c: StatusComponent, state: ComponentState): StatusComponentView {
    return Object.assign(new StatusComponentView(), { id: c.id, name: c.name, description: c.description, checkIds: c.checkIds, state, autoDraftIncident: c.autoDraftIncident });
  }
}

export enum CustomDomainStatusEnum {
  PENDING = 'PENDING',
  VERIFIED = 'VERIFIED',
}
registerEnumType(CustomDomainStatusEnum, {
  name: 'CustomDomainStatus',
  description: 'PENDING until the TXT record is found (`verifyStatusPageDomain`); only a VERIFIED domain serves the page.',
});

@ObjectType('CustomDomainVerification', { description: "A status page's custom domain, and how its owner proves it by DNS." })
@RequiresScope('status_pages:read')
export class CustomDomainVerificationView extends DomainProofView {
  @Field(() => CustomDomainStatusEnum) status!: CustomDomainStatusEnum;

  static from(p: StatusPage): CustomDomainVerificationView | null {
    if (!p.customDomain || !p.domainToken) return null;
    const view = DomainProofView.fill(new CustomDomainVerificationView(), { domain: p.customDomain, token: p.domainToken, verifiedAt: p.domainVerifiedAt, checkedAt: p.domainCheckedAt, missingSince: p.domainMissingSince });
    view.status = (p.domainStatus ?? 'PENDING') as CustomDomainStatusEnum;
    return view;
  }
}

@ObjectType('StatusPage', { description: 'A public page (`/status/<slug>`) showing the state of its components and its incidents.' })
@RequiresScope('status_pages:read')
export class StatusPageView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() slug!: string;
  @Field({ description: 'Its public path: `/status/<slug>`.' }) path!: string;
  @Field(() => String, { nullable: true, description: 'A host name whose `GET /` answers this page once verified (`customDomainVerification`).' }) customDomain!: string | null;
  @Field(() => CustomDomainVerificationView, { nullable: true, description: 'The custom domain\'s proof: its status and the TXT record to publish. Null without a custom domain.' })
  customDomainVerification!: CustomDomainVerificationView | null;
  @Field() showUptime!: boolean;
  @Field(() => [StatusComponentView]) components!: StatusComponentView[];
  @Field(() => ComponentStateEnum, { description: 'The worst state of its components.' }) state!: ComponentState;
  @Field(() => Int, { description: 'Visitors subscribed (email, confirmed or not, and webhooks); their addresses are never shown.' }) subscriberCount!: number;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;

  static from(p: StatusPage, components: StatusComponent[], states: Map<string, ComponentState>, subscriberCount: number): StatusPageView {
    const views = components.map((c) => StatusComponentView.from(c, states.get(c.id) ?? 'OPERATIONAL'));
    return Object.assign(new StatusPageView(), {
      id: p.id,
      name: p.name,
      slug: p.slug,
      path: `/status/${p.slug}`,
      customDomain: p.customDomain,
      customDomainVerification: CustomDomainVerificationView.from(p),
      showUptime: p.showUptime,
      components: views,
      state: worstState(views.map((v) => v.state)),
      subscriberCount,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    });
  }
}

export const StatusPageConnection = connectionOf(StatusPageView, 'StatusPageConnection');

@InputType()
export class StatusComponentInput {
  @Field(() => ID, { nullable: true, description: 'On update: an existing component to keep (its id stays). None: a new component.' })
  @IsOptional()
  id?: string | null;

  @Field({ description: '1 to 100 characters; shown to the public.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'At most 500 characters; shown to the public.' })
  @IsOptional()
  description?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Monitors and journeys of the organization, at most 100.' })
  @IsOptional()
  @ArrayMaxSize(100, { message: 'at most 100 checks' })
  checkIds?: string[] | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'A CHECK_FAILED alert opening on one of its checks opens a draft incident for it, shown to nobody until published (default false).',
  })
  @IsOptional()
  autoDraftIncident?: boolean | null;
}

@InputType()
export class CreateStatusPageInput implements ServiceRules {
  @Field({ description: '1 to 100 characters.' })
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field({ description: 'Lower-case letters, digits and inner hyphens, 1 to 50; unique across the server.' })
  slug!: string;

  @Field(() => [StatusComponentInput], { nullable: true, description: 'In the order the page shows them; at most 50.' })
  @IsOptional()
  @ArrayMaxSize(50, { message: 'at most 50' })
  components?: StatusComponentInput[] | null;

  @Field(() => String, { nullable: true, description: 'A host name (`status.example.com`) whose `GET /` answers this page; unique across the server.' })
  @IsOptional()
  customDomain?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Show 90 days of daily uptime bars (default true).' })
  @IsOptional()
  showUptime?: boolean | null;

  serviceErrors(services: { statusPages: Pick<StatusPageService, 'inputErrors'> }): FieldError[] {
    return services.statusPages.inputErrors(this, true);
  }
}

@InputType()
export class UpdateStatusPageInput implements ServiceRules {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  slug?: string | null;

  @Field(() => [StatusComponentInput], { nullable: true, description: 'Replaces the list: components named by id are kept, new ones added, the others removed.' })
  @IsOptional()
  @ArrayMaxSize(50, { message: 'at most 50' })
  components?: StatusComponentInput[] | null;

  @Field(() => String, { nullable: true, description: 'An empty string removes it.' })
  @IsOptional()
  customDomain?: string | null;

  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  showUptime?: boolean | null;

  serviceErrors(services: { statusPages: Pick<StatusPageService, 'inputErrors'> }): FieldError[] {
    return services.statusPages.inputErrors(this, false);
  }
}
