import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { MemberRoleEnum } from '../members/member.types';
import type { SsoDomain } from './sso.entity';
import type { ConnectionWithDomains } from './sso.service';
import { DomainProofView } from '../domains/domain-proof.types';

export enum SsoDomainStatusEnum {
  PENDING = 'PENDING',
  VERIFIED = 'VERIFIED',
}
registerEnumType(SsoDomainStatusEnum, {
  name: 'SsoDomainStatus',
  description: 'PENDING until the TXT record is found (`verifySsoDomain`); only a VERIFIED domain signs anyone in.',
});

@ObjectType('SsoDomain', { description: 'An email domain an SSO connection claims, and how its owner proves it by DNS.' })
@RequiresScope('organization:read')
export class SsoDomainView extends DomainProofView {
  @Field(() => SsoDomainStatusEnum) status!: SsoDomainStatusEnum;

  static from(d: SsoDomain): SsoDomainView {
    const view = DomainProofView.fill(new SsoDomainView(), { domain: d.domain, token: d.verificationToken, verifiedAt: d.verifiedAt ?? null, checkedAt: d.checkedAt ?? null, missingSince: d.missingSince ?? null });
    view.status = d.status as SsoDomainStatusEnum;
    return view;
  }
}

@ObjectType('SsoConnection', { description: 'An OpenID Connect provider members of its email domains sign in with (`/auth/sso/start`). The client secret is never answered.' })
@RequiresScope('organization:read')
export class SsoConnectionView {
  @Field(() => ID) id!: string;
  @Field({ description: 'The provider\'s issuer URL.' }) issuer!: string;
  @Field() clientId!: string;
  @Field(() => [String], { description: 'The names of `domains`, verified or not (only VERIFIED ones sign anyone in).' }) emailDomains!: string[];
  @Field(() => [SsoDomainView], { description: 'Each claimed domain with its status and the TXT record that proves it.' }) domains!: SsoDomainView[];
  @Field(() => MemberRoleEnum, { description: 'The role of a member made at their first sign-in.' }) defaultRole!: MemberRoleEnum;
  @Field() createdAt!: Date;

  static from({ connection, domains }: ConnectionWithDomains): SsoConnectionView {
    return Object.assign(new SsoConnectionView(), {
      id: connection.id,
      issuer: connection.issuer,
      clientId: connection.clientId,
      emailDomains: domains.map((d) => d.domain),
      domains: domains.map(SsoDomainView.from),
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
