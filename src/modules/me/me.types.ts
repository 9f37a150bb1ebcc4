import { Field, ObjectType } from 'type-graphql';
import { OrganizationView } from '../organization/organization.types';
import { ApiKeyView } from '../api-keys/api-key.types';
import { MemberView } from '../members/member.types';

@ObjectType('Me', { description: 'The caller: its organization, and the member signed in or the key it used (the reference\'s /v1/me).' })
export class MeView {
  @Field(() => OrganizationView)
  organization!: OrganizationView;

  @Field(() => MemberView, { nullable: true, description: 'The signed-in member under a session; null under an API key.' })
  member!: MemberView | null;

  @Field(() => ApiKeyView, { nullable: true, description: 'The key used; null under a session.' })
  key!: ApiKeyView | null;
}
