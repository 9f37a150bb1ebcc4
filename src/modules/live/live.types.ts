import { createUnionType, Field, ObjectType, registerEnumType } from 'type-graphql';
import { KIND_APIS } from '../checks/kinds/apis';
import { kindOfId } from '../checks/kinds/registry';
import { CheckStatusEnum } from '../checks/check-view';
import { RunView } from '../runs/run.types';
import { AlertView } from '../alerts/alert.types';

/** Which object type a check is, from its id's prefix; synchronous (TYPE_RESOLVERS in src/graphql/schema.ts). */
export const resolveCheckType = (check: { id: string }) => kindOfId(check.id)!.typeName;

/** A check of any kind: `... on Monitor`, `... on Journey`. Selecting it needs every kind's read scope. */
export const CheckUnion = createUnionType({
  name: 'Check',
  description: 'A check of any kind.',
  types: () => KIND_APIS.map((api) => api.view) as unknown as [typeof KIND_APIS[number]['view']],
  resolveType: resolveCheckType,
});

export enum AlertChange {
  OPENED = 'OPENED',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  RESOLVED = 'RESOLVED',
}
registerEnumType(AlertChange, { name: 'AlertChange', description: 'What happened to an alert.' });

@ObjectType('CheckStatusEvent', { description: "A check's status changed (`checkStatusChanged`)." })
export class CheckStatusEventView {
  @Field(() => CheckUnion, { description: 'The check as it is when the event is sent.' }) check!: object;
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
