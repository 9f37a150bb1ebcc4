import { Field, ObjectType } from 'type-graphql';
import { OrganizationView } from '../organization/organization.types';
import { ApiKeyView } from '../api-keys/api-key.types';

@ObjectType('Me', { description: 'The caller: its organization and the key it used (the reference\'s /v1/me).' })
export class MeView {
  @Field(() => OrganizationView)
  organization!: OrganizationView;

  @Field(() => ApiKeyView)
  key!: ApiKeyView;
}
