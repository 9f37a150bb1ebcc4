import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { RequiresScope } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { InviteMemberInput } from '../members/member.types';
import { InvitationView, InviteMemberPayload } from './invitation.types';

@Resolver()
export class InvitationResolver {
  @Mutation(() => InviteMemberPayload, {
    description:
      'Invites an email with a role: a single-use link to `/dashboard/accept-invite`, valid 7 days, is emailed (SMTP_URL) or, without a mail server, answered once as `inviteUrl`. Inviting the same email again replaces its pending invitation; an existing member is CONFLICT. Giving a role needs every scope of that role (`Member.permissions`), so only `all` invites an OWNER: FORBIDDEN otherwise.',
  })
  @RequiresScope('organization:write')
  async inviteMember(@Arg('input') input: InviteMemberInput, @Ctx() { em, principal, actor, services }: RequestContext): Promise<InviteMemberPayload> {
    const { invitation, inviteUrl } = await services.invitations.invite(em, principal, actor, input);
    return Object.assign(new InviteMemberPayload(), { invitation: InvitationView.from(invitation), inviteUrl });
  }

  @Query(() => [InvitationView], { description: 'The pending invitations (not accepted, revoked or expired), the newest first.' })
  @RequiresScope('organization:read')
  async invitations(@Ctx() { em, principal, services }: RequestContext): Promise<InvitationView[]> {
    return (await services.invitations.list(em, principal.organizationId)).map(InvitationView.from);
  }

  @Mutation(() => ID, { description: 'Revokes a pending invitation: its link stops working. Answers its id; needs every scope of its role, as inviting does.' })
  @RequiresScope('organization:write')
  async revokeInvitation(@Arg('id', () => ID) id: string, @Ctx() { em, principal, actor, services }: RequestContext): Promise<string> {
    return services.invitations.revoke(em, principal, actor, id);
  }
}
