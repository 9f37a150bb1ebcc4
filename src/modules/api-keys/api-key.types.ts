import { ArrayMaxSize, ArrayNotEmpty, IsIn, IsOptional, Length, Matches, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PERMISSIONS } from '../../authorization/scopes';
import type { ApiKey } from './api-key.entity';
import { displayPrefixOf } from '../auth/key-format';
import { DAY_MS } from '../common/time';
import { connectionOf, PageArgs } from '../common/pagination';
import { NoControlCharacters } from '../common/names';
import { ActorView } from '../audit/actor.types';
import type { ActorType } from '../audit/actor';

export enum ExpiresIn {
  THIRTY_DAYS = 'THIRTY_DAYS',
  NINETY_DAYS = 'NINETY_DAYS',
  ONE_YEAR = 'ONE_YEAR',
  NEVER = 'NEVER',
}
registerEnumType(ExpiresIn, { name: 'ExpiresIn', description: 'How long a new key lives (the reference: 30 days, 90 days, 1 year, never).' });

export enum ApiKeyStatus {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}
registerEnumType(ApiKeyStatus, { name: 'ApiKeyStatus' });

export enum GracePeriod {
  NONE = 'NONE',
  ONE_HOUR = 'ONE_HOUR',
  ONE_DAY = 'ONE_DAY',
  SEVEN_DAYS = 'SEVEN_DAYS',
}
registerEnumType(GracePeriod, {
  name: 'GracePeriod',
  description: 'How long a rolled key keeps working beside its replacement (never past its own expiry).',
});

/** Whole days left, rounded up (a key expiring in 2 hours has 1 day left); 0 once expired; null if it never expires. */
export const daysLeft = (expiresAt: Date | null, now: Date): number | null =>
  expiresAt ? Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS)) : null;

@ObjectType('ApiKey', { description: 'An API key as lists show it: never its secret or hash.' })
export class ApiKeyView {
  @Field(() => ID, { description: '`key_<keyId>`; the keyId is the public part of the key.' })
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'What the key starts with, for recognising it: `izli_sk_live_<keyId>…`.' })
  prefix!: string;

  @Field(() => [String])
  permissions!: string[];

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Whole days until expiry, rounded up; 0 once expired; null if it never expires.' })
  expiresInDays!: number | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'Set once the key was rolled: the id of the key replacing it.' })
  replacedBy!: string | null;

  @Field(() => Int, { description: 'Failed authentications naming this key (wrong secret, or used after revocation or expiry).' })
  failedAuthCount!: number;

  @Field(() => Date, { nullable: true })
  lastFailedAuthAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field(() => ActorView, { description: 'Who created the key: a member (in a session), a key, or the system (CLI, first start).' })
  createdBy!: ActorView;

  @Field({
    description: 'The creator\'s id as one string (`mem_…`, `key_…`, `cli`, `bootstrap`): what `createdBy` was before it became an Actor.',
    deprecationReason: 'Use createdBy { type id name }. createdByLabel is removed in the next release.',
  })
  createdByLabel!: string;

  @Field({
    description: 'True once the member who created the key was removed from the organization: the key still works; review it, and revoke or roll it.',
  })
  creatorRemoved!: boolean;

  @Field(() => ApiKeyStatus)
  status!: ApiKeyStatus;

  static from(
    key: Pick<
      ApiKey,
      | 'id'
      | 'name'
      | 'permissions'
      | 'expiresAt'
      | 'revokedAt'
      | 'lastUsedAt'
      | 'createdAt'
      | 'createdBy'
      | 'createdByType'
      | 'createdByName'
      | 'creatorRemoved'
      | 'failedAuthCount'
      | 'lastFailedAuthAt'
      | 'replacedBy'
    >,
    now: Date,
  ): ApiKeyView {
    return Object.assign(new ApiKeyView(), {
      id: key.id,
      name: key.name,
      prefix: displayPrefixOf(key.id.slice('key_'.length)),
      permissions: key.permissions,
      expiresAt: key.expiresAt,
      expiresInDays: daysLeft(key.expiresAt, now),
      revokedAt: key.revokedAt,
      replacedBy: key.replacedBy,
      failedAuthCount: key.failedAuthCount,
      lastFailedAuthAt: key.lastFailedAuthAt,
      lastUsedAt: key.lastUsedAt,
      createdAt: key.createdAt,
      createdBy: ActorView.from({ type: key.createdByType as ActorType, id: key.createdBy, name: key.createdByName }),
      createdByLabel: key.createdBy,
      creatorRemoved: key.creatorRemoved,
      status: key.revokedAt
        ? ApiKeyStatus.REVOKED
        : key.expiresAt && key.expiresAt.getTime() <= now.getTime()
          ? ApiKeyStatus.EXPIRED
          : ApiKeyStatus.ACTIVE,
    });
  }
}

@InputType()
export class CreateApiKeyInput {
  @Field({ description: '1 to 100 characters.' })
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @Matches(/\S/, { message: 'must not be blank' })
  @NoControlCharacters()
  name!: string;

  @Field(() => [String], { description: 'Scopes such as `monitors:read`, or `all`.' })
  @ArrayNotEmpty({ message: 'must list at least one permission' })
  @ArrayMaxSize(PERMISSIONS.length, { message: `must list at most ${PERMISSIONS.length} permissions` })
  @IsIn(PERMISSIONS, { each: true, message: `each must be one of: ${PERMISSIONS.join(', ')}` })
  permissions!: string[];

  @Field(() => ExpiresIn, { nullable: true, description: 'Default NEVER. Not together with expiresAt.' })
  expiresIn?: ExpiresIn | null;

  @Field(() => Date, { nullable: true, description: 'An exact expiry in the future. Not together with expiresIn.' })
  expiresAt?: Date | null;
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKeyView)
  apiKey!: ApiKeyView;

  @Field({ description: 'The whole key. Shown once: store it now, it cannot be read again.' })
  key!: string;
}

export const ApiKeyConnection = connectionOf(ApiKeyView, 'ApiKeyConnection');

@ArgsType()
export class ApiKeysArgs extends PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: 'Only active keys not used for this many days (never-used keys count from creation): keys to review.',
  })
  @IsOptional()
  @Min(1, { message: 'must be at least 1' })
  @Max(3650, { message: 'must be at most 3650' })
  unusedForDays?: number | null;
}
