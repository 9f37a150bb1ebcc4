import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('Organization')
export class OrganizationView {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;
}
