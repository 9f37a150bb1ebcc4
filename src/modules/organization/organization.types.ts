import { Field, ID, ObjectType } from 'type-graphql';
import type { Organization } from './organization.entity';

@ObjectType('Organization')
export class OrganizationView {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;

  /** Known when the view was made from the row; `Organization.requireMfa` reads it then (modules/mfa). */
  requireMfa?: boolean;

  /** Likewise for `Organization.enforceSso` (modules/sso). */
  enforceSso?: boolean;

  static from(o: Organization): OrganizationView {
    return Object.assign(new OrganizationView(), { id: o.id, name: o.name, createdAt: o.createdAt, requireMfa: o.requireMfa, enforceSso: o.enforceSso });
  }
}
