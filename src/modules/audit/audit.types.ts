import { IsIn, IsOptional, Length } from 'class-validator';
import { ArgsType, Field, ID, ObjectType } from 'type-graphql';
import { connectionOf, PageArgs } from '../common/pagination';
import type { AuditEvent } from './audit-event.entity';
import { AUDIT_ACTIONS } from './audit';

@ObjectType('AuditEvent', { description: 'A security-relevant change: which key did what to which object, from where, when.' })
export class AuditEventView {
  @Field(() => ID)
  id!: string;

  @Field({ description: `One of: ${AUDIT_ACTIONS.join(', ')}.` })
  action!: string;

  @Field(() => ID, { description: 'The key that acted (`key_…`), or `cli` / `bootstrap`.' })
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

  @Field(() => ID, { nullable: true, description: 'Only events of this acting key (`key_…`, `cli`).' })
  @IsOptional()
  @Length(1, 24, { message: 'must be a key id' })
  keyId?: string | null;
}
