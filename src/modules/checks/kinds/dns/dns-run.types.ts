import { Field, ObjectType } from 'type-graphql';

/** What a DNS check's run shows besides its timings (`dns` is the resolution time): `DnsMonitorRun.dns`. */
@ObjectType('DnsResult')
export class DnsResultType {
  @Field(() => [String], {
    description: 'The answers, at most 50, as `expectedValues` are written (see docs/reference/tcp-dns.md); empty when the query failed or answered a non-public address.',
  })
  answers!: string[];
}
