import { ArrayMaxSize, IsOptional } from 'class-validator';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { connectionOf } from '../common/pagination';
import type { FieldError } from '../../errors';
import type { ServiceRules } from '../../graphql/validation';
import type { IncidentService } from './incident.service';
import { INCIDENT_IMPACTS, INCIDENT_STATUSES, type Incident, type IncidentImpact, type IncidentStatus, type IncidentUpdate } from './status-page.entity';

const enumOf = <T extends string>(values: readonly T[]) => Object.freeze(Object.fromEntries(values.map((v) => [v, v]))) as Record<T, T>;
export const IncidentImpactEnum = enumOf(INCIDENT_IMPACTS);
registerEnumType(IncidentImpactEnum, { name: 'IncidentImpact', description: "How bad it is (the Statuspage API's `impact`)." });
export const IncidentStatusEnum = enumOf(INCIDENT_STATUSES);
registerEnumType(IncidentStatusEnum, { name: 'IncidentStatus', description: 'Where it stands; RESOLVED ends it.' });

@ObjectType('IncidentUpdate')
@RequiresScope('status_pages:read')
export class IncidentUpdateView {
  @Field(() => ID) id!: string;
  @Field(() => IncidentStatusEnum) status!: IncidentStatus;
  @Field() message!: string;
  @Field() createdAt!: Date;

  static from(u: IncidentUpdate): IncidentUpdateView {
    return Object.assign(new IncidentUpdateView(), { id: u.id, status: u.status, message: u.message, createdAt: u.createdAt });
  }
}

@ObjectType('Incident', { description: 'What the page tells its visitors about a problem, with its updates (oldest first).' })
@RequiresScope('status_pages:read')
export class IncidentView {
  @Field(() => ID) id!: string;
  @Field(() => ID) statusPageId!: string;
  @Field() title!: string;
  @Field(() => IncidentImpactEnum) impact!: IncidentImpact;
  @Field(() => IncidentStatusEnum) status!: IncidentStatus;
  @Field(() => [ID]) componentIds!: string[];
  @Field(() => [IncidentUpdateView]) updates!: IncidentUpdateView[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field({ description: 'Shown on the public page and sent to subscribers; false: a draft an alert opened, until publishIncident.' }) published!: boolean;
  @Field(() => ID, { nullable: true, description: 'The alert that opened this draft automatically; null: written by a person or key.' }) alertId!: string | null;

  static from(i: Incident, updates: IncidentUpdate[]): IncidentView {
    return Object.assign(new IncidentView(), {
      id: i.id,
      statusPageId: i.page.id,
      title: i.title,
      impact: i.impact,
      status: i.status,
      componentIds: i.componentIds,
      updates: updates.map(IncidentUpdateView.from),
      createdAt: i.createdAt,
      updatedAt: i.updatedAt,
      resolvedAt: i.resolvedAt,
      published: i.published,
      alertId: i.alertId,
    });
  }
}

export const IncidentConnection = connectionOf(IncidentView, 'IncidentConnection');

@InputType()
export class CreateIncidentInput implements ServiceRules {
  @Field(() => ID) statusPageId!: string;
  @Field({ description: '1 to 200 characters; public.' }) title!: string;
  @Field(() => IncidentImpactEnum) impact!: IncidentImpact;
  @Field(() => IncidentStatusEnum) status!: IncidentStatus;
  @Field({ description: 'The first update, 1 to 5000 characters; public.' }) message!: string;

  @Field(() => [ID], { nullable: true, description: 'Components of the page it affects.' })
  @IsOptional()
  @ArrayMaxSize(50, { message: 'at most 50' })
  componentIds?: string[] | null;

  serviceErrors(services: { incidents: Pick<IncidentService, 'inputErrors'> }): FieldError[] {
    return services.incidents.inputErrors(this);
  }
}

@InputType()
export class AddIncidentUpdateInput {
  @Field(() => ID) incidentId!: string;
  @Field(() => IncidentStatusEnum) status!: IncidentStatus;
  @Field({ description: '1 to 5000 characters; public.' }) message!: string;

  @Field(() => IncidentImpactEnum, { nullable: true, description: 'A new impact, if it changed.' })
  @IsOptional()
  impact?: IncidentImpact | null;
}
