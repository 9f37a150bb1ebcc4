import { Field, ObjectType } from 'type-graphql';

/** What a TCP check's run shows besides its timings (`connect` is the connect time): `TcpMonitorRun.tcp`. */
@ObjectType('TcpResult')
export class TcpResultType {
  @Field(() => String, {
    nullable: true,
    description: 'The first 512 characters the server sent, when the check sends a line or expects a substring; else null.',
  })
  received!: string | null;
}
