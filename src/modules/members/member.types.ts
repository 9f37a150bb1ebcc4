import { IsEmail, IsOptional, Length, MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { Member } from './member.entity';
import { ROLE_PERMISSIONS } from './roles';
import { NoControlCharacters } from '../common/names';

export enum MemberRoleEnum {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
  VIEWER = 'VIEWER',
}
registerEnumType(MemberRoleEnum, { name: 'MemberRole' });

@ObjectType('Member')
@RequiresScope('organization:read')
export class MemberView {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => MemberRoleEnum) role!: MemberRoleEnum;
  @Field() joinedAt!: Date;
  @Field(() => [String], { description: 'What the role may do (README "Roles"): the scopes a session of this member holds; OWNER holds `all`.' })
  permissions!: string[];
  @Field({ description: 'Whether the member signs in with two-factor (TOTP); see Organization.requireMfa.' })
  mfaEnabled!: boolean;

  static from(m: Pick<Member, 'id' | 'email' | 'name' | 'role' | 'joinedAt'> & { mfaEnabledAt?: Date | null; mfaEnabled?: boolean }): MemberView {
    return Object.assign(new MemberView(), {
      id: m.id,
      email: m.email,
      name: m.name,
      role: m.role as MemberRoleEnum,
      joinedAt: m.joinedAt,
      permissions: [...ROLE_PERMISSIONS[m.role]],
      mfaEnabled: m.mfaEnabled ?? m.mfaEnabledAt != null,
    });
  }
}

@InputType()
export class InviteMemberInput {
  @Field()
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(254, { message: 'must be at most 254 characters' })
  email!: string;

  @Field(() => MemberRoleEnum)
  role!: MemberRoleEnum;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;
}
