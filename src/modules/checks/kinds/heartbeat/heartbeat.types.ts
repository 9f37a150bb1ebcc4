import { ArrayMaxSize, ArrayUnique, IsOptional, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLResolveInfo } from 'graphql';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../../../authorization/directives';
import { checkListArgs } from '../../check-view';
import { CheckView, setCheckFields } from '../../check-view-base';
import { MAX_TAGS, TAG, TAG_RULE } from '../../scheduled-check';
import { connectionOf, pageColumns } from '../../../common/pagination';
import { NoControlCharacters } from '../../../common/names';
import type { FieldError } from '../../../../errors';
import type { ServiceRules } from '../../../../graphql/validation';
import { Heartbeat } from './heartbeat.entity';
import type { HeartbeatService } from './heartbeat.service';

@ObjectType('Heartbeat', { description: 'A push check: a job pings its `pingUrl`; a ping missing past its deadline makes it DOWN.' })
@RequiresScope('monitors:read')
export class HeartbeatView extends CheckView {
  @Field(() => Int, { nullable: true, description: 'A success is expected at least this often (seconds); null with `cron`.' }) periodSeconds!: number | null;
  @Field(() => Int, { description: 'How late a ping may be before the heartbeat is DOWN (seconds).' }) graceSeconds!: number;
  @Field(() => String, { nullable: true, description: 'When a success is expected, as a cron expression read in `timezone`; null with `periodSeconds`.' }) cron!: string | null;
  @Field({ description: 'IANA time zone of `cron`.' }) timezone!: string;
  @Field(() => Int, { description: 'Missed deadlines or failure pings in a row that open an alert; default 1.' }) override failureThreshold!: number;
  @Field(() => [String], { description: 'Labels for selecting checks, e.g. `nightly`.' }) override tags!: string[];
  @Field(() => Date, { nullable: true, description: 'The last ping of any route.' }) lastPingAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the next success is expected (the deadline is this plus `graceSeconds`); null while paused.' })
  nextExpectedAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it goes DOWN without a success: `nextExpectedAt + graceSeconds`.' }) nextDeadlineAt!: Date | null;
  /** Not a field: the sealed token `pingUrl` is made from. */
  tokenSealed!: string;

  static from(h: Heartbeat): HeartbeatView {
    const v = new HeartbeatView();
    v.id = h.id;
    v.name = h.name;
    v.periodSeconds = h.periodSeconds;
    v.graceSeconds = h.graceSeconds;
    v.cron = h.cron;
    v.timezone = h.timezone;
    v.lastPingAt = h.lastPingAt;
    v.nextDeadlineAt = h.paused ? null : h.nextDeadlineAt;
    v.nextExpectedAt = v.nextDeadlineAt && new Date(v.nextDeadlineAt.getTime() - h.graceSeconds * 1000);
    setCheckFields(v, h);
    v.tokenSealed = h.tokenSealed;
    return v;
  }
}

export const HeartbeatConnection = connectionOf(HeartbeatView, 'HeartbeatConnection');

export const heartbeatColumns = (em: EntityManager, info: GraphQLResolveInfo) =>
  pageColumns(em, Heartbeat, info, {
    recentRuns: [], quotaExhausted: [], stats: [], series: [],
    pingUrl: ['tokenSealed'], nextExpectedAt: ['nextDeadlineAt', 'graceSeconds', 'paused'], nextDeadlineAt: ['nextDeadlineAt', 'paused'],
  });

export const HeartbeatsArgs = checkListArgs('HeartbeatsArgs', 'heartbeats');

/** Fields shared by create and update, all optional here (null = keep / default). */
@InputType()
abstract class HeartbeatFields implements ServiceRules {
  abstract name?: string | null;

  @Field(() => Int, { nullable: true, description: 'Expected at least this often, 1 s to 31 days; give this or `cron` (default 86400 when neither).' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1 second' })
  @Max(2_678_400, { message: 'must be at most 2678400 seconds (31 days)' })
  periodSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: 'How late a ping may be, 1 s to 31 days; default 60.' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1 second' })
  @Max(2_678_400, { message: 'must be at most 2678400 seconds (31 days)' })
  graceSeconds?: number | null;

  @Field(() => String, { nullable: true, description: 'A cron expression (5 fields, or 6 with seconds) instead of `periodSeconds`, e.g. `0 3 * * *`.' })
  @IsOptional()
  @MaxLength(120, { message: 'must be at most 120 characters' })
  cron?: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone of `cron`, e.g. `Europe/Paris`; default `UTC`.' })
  @IsOptional()
  @MaxLength(64, { message: 'must be at most 64 characters' })
  timezone?: string | null;

  @Field(() => Int, { nullable: true, description: 'Missed deadlines or failure pings in a row that open an alert; default 1.' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1' })
  @Max(10, { message: 'must be at most 10' })
  failureThreshold?: number | null;

  @Field(() => Boolean, { nullable: true })
  paused?: boolean | null;

  @Field(() => [String], { nullable: true, description: `Labels: at most ${MAX_TAGS}, each 1-40 lower-case letters, digits and \`- _ . : /\`. An update replaces them.` })
  @IsOptional()
  @ArrayMaxSize(MAX_TAGS, { message: `at most ${MAX_TAGS} tags` })
  @ArrayUnique({ message: 'must not repeat a tag' })
  @Matches(TAG, { each: true, message: TAG_RULE })
  tags?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'The escalation policy its alerts follow (`createEscalationPolicy`); on update `""` detaches it. Without one, alerts go to the channels subscribed to them.' })
  @IsOptional()
  @MaxLength(24, { message: 'is not an escalation policy id' })
  escalationPolicyId?: string | null;

  serviceErrors(services: { checks: { heartbeat: Pick<HeartbeatService, 'inputErrors'> } }): FieldError[] {
    return services.checks.heartbeat.inputErrors(this);
  }
}

@InputType()
export class CreateHeartbeatInput extends HeartbeatFields {
  @Field()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;
}

@InputType()
export class UpdateHeartbeatInput extends HeartbeatFields {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;
}
