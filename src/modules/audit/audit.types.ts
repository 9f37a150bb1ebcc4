import { IsIn, IsOptional, Length } from 'class-validator';
import { ArgsType, Field, ID, ObjectType } from 'type-graphql';
import { connectionOf, PageArgs } from '../common/pagination';
import type { AuditEvent } from './audit-event.entity';
import { AUDIT_ACTIONS } from './audit';
import { ActorView } from './actor.types';
import type { ActorType } from './actor';

@ObjectType('AuditEvent', { description: 'A security-relevant change or sign-in: who (a member, a key or the system) did what to which object, from where, when.' })
export class AuditEventView {
  @Field(() => ID)
  id!: string;

  @Field({ description: `One of: ${AUDIT_ACTIONS.join(', ')}.` })
  action!: string;

  @Field(() => ActorView, { description: 'Who acted, with the name it had then. For member.sign_in_failed: the member whose email was tried.' })
  actor!: ActorView;

  @Field(() => ID, { description: 'The id of who acted, as `actor.id`: a key (`key_…`), a member (`mem_…`), or `cli` / `bootstrap`.' })
  actorKeyId!: string;

  @Field(() => ID, { description: 'The id of the object changed.' })
  target!: string;

  @Field(() => String, { nullable: true, description: "The client's address; null for the CLI." })
  ip!: string | null;

  @Field(() => [String], { nullable: true, description: 'For monitor.updated and journey.updated: the names of the fields changed, never their values.' })
  changedFields!: string[] | null;

  @Field()
  createdAt!: Date;

  static from(e: AuditEvent): AuditEventView {
    return Object.assign(new AuditEventView(), {
      id: e.id,
      action: e.action,
      actor: ActorView.from({ type: e.actorType as ActorType, id: e.actorKeyId, name: e.actorName }),
      actorKeyId: e.actorKeyId,
      target: e.target,
      ip: e.ip,
      changedFields: e.changedFields ?? null,
      createdAt: e.createdAt,
    });
  }
}

export const AuditEventConnection = connectionOf(AuditEventView, 'AuditEventConnection');

@ArgsType()
export class AuditEventsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: `Only this action (${AUDIT_ACTIONS.join(', ')}).` })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `must be one of: ${AUDIT_ACTIONS.join(', ')}` })
  action?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only events of this actor id (`key_…`, `mem_…`, `cli`).' })
  @IsOptional()
  @Length(1, 24, { message: 'must be an actor id' })
  keyId?: string | null;
}
