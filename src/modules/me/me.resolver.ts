import { Ctx, Query, Resolver } from 'type-graphql';
import { Authenticated } from '../../authorization/directives';
import type { RequestContext } from '../../context/request-context';
import { ApiKeyView } from '../api-keys/api-key.types';
import { OrganizationView } from '../organization/organization.types';
import { MeView } from './me.types';
import { MemberView } from '../members/member.types';
import type { MemberRole } from '../members/member.entity';

const organizationOf = (r: { organizationId: string; organizationName: string; organizationCreatedAt: Date }) =>
  Object.assign(new OrganizationView(), { id: r.organizationId, name: r.organizationName, createdAt: r.organizationCreatedAt });

@Resolver()
export class MeResolver {
  @Query(() => MeView, { description: 'Verify a key: who it belongs to and what it may do. Needs no scope.' })
  @Authenticated()
  me(@Ctx() { principal, services }: RequestContext): MeView {
    // Everything comes from the verified key's or session's record: `me` costs no SQL (the health check of every CI job).
    const s = principal.session;
    if (s) {
      const member = { id: s.memberId, email: s.email, name: s.memberName, role: s.role as MemberRole, joinedAt: s.joinedAt, mfaEnabled: s.mfaEnabled };
      return { organization: Object.assign(organizationOf(s), { requireMfa: s.requireMfa }), member: MemberView.from(member), key: null };
    }
    const k = principal.record!;
    return { organization: organizationOf(k), member: null, key: ApiKeyView.from(services.apiKeys.withPendingUse(k), services.now()) };
  }
}
