import { Field, ID, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import { MemberRoleEnum } from '../members/member.types';
import { ROLE_PERMISSIONS } from '../members/roles';
import type { Invitation } from './invitation.entity';

@ObjectType('Invitation', { description: 'A pending invitation: accepting its link (valid 7 days, single use) makes a member with this role.' })
@RequiresScope('organization:read')
export class InvitationView {
  @Field(() => ID) id!: string;
  @Field() email!: string;
  @Field(() => String, { nullable: true, description: 'The name the inviter suggested; the person chooses their own when accepting.' }) name!: string | null;
  @Field(() => MemberRoleEnum) role!: MemberRoleEnum;
  @Field(() => [String], { description: 'What the role may do (`Member.permissions`).' }) permissions!: string[];
  @Field({ description: 'Who invited: the member or key, by name.' }) invitedBy!: string;
  @Field() createdAt!: Date;
  @Field() expiresAt!: Date;

  static from(i: Invitation): InvitationView {
    return Object.assign(new InvitationView(), {
      id: i.id,
      email: i.email ?? '',
      name: i.name,
      role: i.role as MemberRoleEnum,
      permissions: [...ROLE_PERMISSIONS[i.role]],
      invitedBy: i.invitedBy,
      createdAt: i.createdAt,
      expiresAt: i.expiresAt,
    });
  }
}

// organization:read as on Member, which inviteMember answered before: inviting needed both, and still does.
@ObjectType('InviteMemberPayload')
@RequiresScope('organization:read')
export class InviteMemberPayload {
  @Field(() => InvitationView) invitation!: InvitationView;

  @Field(() => String, {
    nullable: true,
    description:
      'The single-use link to `/dashboard/accept-invite`, answered only when it could not be emailed (no SMTP_URL, or the mail server refused it): hand it over yourself. Null when the email was sent. Shown once: only its hash is stored.',
  })
  inviteUrl!: string | null;
}
