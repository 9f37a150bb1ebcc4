import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { CheckInterface } from '../checks/check-interface';
import { CheckStatusEnum } from '../checks/check-view';
import { RunView } from '../runs/run.types';
import { AlertView } from '../alerts/alert.types';

// The check's type is the `Check` interface (checks/check-interface.ts); its resolver is re-exported for the schema.
export { resolveCheckType } from '../checks/check-interface';

export enum AlertChange {
  OPENED = 'OPENED',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  RESOLVED = 'RESOLVED',
}
registerEnumType(AlertChange, { name: 'AlertChange', description: 'What happened to an alert.' });

@ObjectType('CheckStatusEvent', { description: "A check's status changed (`checkStatusChanged`)." })
export class CheckStatusEventView {
  @Field(() => CheckInterface, { description: 'The check as it is when the event is sent.' }) check!: object;
  @Field(() => CheckStatusEnum) status!: CheckStatusEnum;
  @Field(() => CheckStatusEnum) previousStatus!: CheckStatusEnum;
  @Field(() => RunView, { nullable: true, description: 'The run that changed it; null when a person did (paused or resumed it).' }) run!: RunView | null;
  @Field({ description: 'When it changed: the run\'s end, or the pause or resume.' }) at!: Date;
}

@ObjectType('AlertEvent', { description: 'An alert opened, was acknowledged or resolved (`alertChanged`).' })
export class AlertEventView {
  @Field(() => AlertView, { description: 'The alert as it is when the event is sent.' }) alert!: AlertView;
  @Field(() => AlertChange) change!: AlertChange;
  @Field() at!: Date;
}
