import { ArrayMaxSize, IsOptional, Length } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { connectionOf } from '../common/pagination';
import type { FieldError } from '../../errors';
import type { ServiceRules } from '../../graphql/validation';
import type { MaintenanceService } from './maintenance.service';
import type { MaintenanceWindow } from './maintenance-window.entity';
import { NoControlCharacters } from '../common/names';

@ObjectType('MaintenanceWindow', { description: 'While it lasts, runs of its checks are recorded but open no alert; openings and acknowledgements are not sent (a resolution is).' })
@RequiresScope('alerts:read')
export class MaintenanceWindowView {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() startsAt!: Date;
  @Field() endsAt!: Date;
  @Field(() => [ID], { description: 'Monitors and journeys it covers; empty: every check of the organization.' }) checkIds!: string[];
  @Field() createdAt!: Date;

  static from(w: MaintenanceWindow): MaintenanceWindowView {
    return Object.assign(new MaintenanceWindowView(), { id: w.id, name: w.name, startsAt: w.startsAt, endsAt: w.endsAt, checkIds: w.checkIds, createdAt: w.createdAt });
  }
}

export const MaintenanceWindowConnection = connectionOf(MaintenanceWindowView, 'MaintenanceWindowConnection');

@InputType()
export class CreateMaintenanceWindowInput implements ServiceRules {
  @Field({ description: '1 to 100 characters.' })
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field()
  startsAt!: Date;

  @Field({ description: 'After startsAt, in the future, at most a year after startsAt.' })
  endsAt!: Date;

  @Field(() => [ID], { nullable: true, description: 'Default: every check of the organization.' })
  @IsOptional()
  @ArrayMaxSize(100, { message: 'at most 100 checks' })
  checkIds?: string[] | null;

  serviceErrors(services: { maintenance: Pick<MaintenanceService, 'inputErrors'> }): FieldError[] {
    return services.maintenance.inputErrors(this);
  }
}
