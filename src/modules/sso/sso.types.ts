import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { MemberRoleEnum } from '../members/member.types';
import type { SsoConnection } from './sso.entity';

@ObjectType('SsoConnection', { description: 'An OpenID Connect provider members of its email domains sign in with (`/auth/sso/start`). The client secret is never answered.' })
@RequiresScope('organization:read')
export class SsoConnectionView {
  @Field(() => ID) id!: string;
  @Field({ description: 'The provider\'s issuer URL.' }) issuer!: string;
  @Field() clientId!: string;
  @Field(() => [String], { description: 'Email domains signed in through this connection (each in one connection only).' }) emailDomains!: string[];
  @Field(() => MemberRoleEnum, { description: 'The role of a member made at their first sign-in.' }) defaultRole!: MemberRoleEnum;
  @Field() createdAt!: Date;

  static from({ connection, domains }: { connection: SsoConnection; domains: string[] }): SsoConnectionView {
    return Object.assign(new SsoConnectionView(), {
      id: connection.id,
      issuer: connection.issuer,
      clientId: connection.clientId,
      emailDomains: domains,
      defaultRole: connection.defaultRole as MemberRoleEnum,
      createdAt: connection.createdAt,
    });
  }
}

// Checked by the service (SsoService.validate): one list of field errors for every rule, as BAD_USER_INPUT.
@InputType()
export class CreateSsoConnectionInput {
  @Field({ description: 'The provider\'s issuer URL (https; its `/.well-known/openid-configuration` is read at each sign-in).' })
  issuer!: string;

  @Field()
  clientId!: string;

  @Field({ description: 'Sealed at rest with the credentials\' key; never answered.' })
  clientSecret!: string;

  @Field(() => [String], { description: '1 to 20 domains, such as `example.com`.' })
  emailDomains!: string[];

  @Field(() => MemberRoleEnum, { description: 'ADMIN, MEMBER or VIEWER.' })
  defaultRole!: MemberRoleEnum;
}
