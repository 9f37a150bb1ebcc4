import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('Location', { description: 'A place checks run from, served by worker processes started with LOCATION=<name>.' })
export class LocationView {
  @Field() name!: string;
  @Field(() => Int, { description: 'Workers whose heartbeat is recent (live).' }) workers!: number;
  @Field(() => Date, { nullable: true, description: 'The last heartbeat of any of its workers.' }) lastSeenAt!: Date | null;
}
