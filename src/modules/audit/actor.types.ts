import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { ActorRef } from './actor';

export enum ActorTypeEnum {
  MEMBER = 'MEMBER',
  API_KEY = 'API_KEY',
  SYSTEM = 'SYSTEM',
}
registerEnumType(ActorTypeEnum, {
  name: 'ActorType',
  description: 'Who acted: a member signed in with a session, an API key, or the system (the CLI, the first-start bootstrap, a signed PagerDuty webhook).',
  valuesConfig: {
    MEMBER: { description: 'A member signed in with a session; `id` is `mem_…`.' },
    API_KEY: { description: 'An API key; `id` is `key_…`.' },
    SYSTEM: { description: 'A local administrator: `id` is `cli` (the command line) or `bootstrap` (the first start); or `pagerduty`, a signed PagerDuty webhook (its name says who in PagerDuty, through which channel).' },
  },
});

/** No scope of its own: it is shown only inside an object its reader may already read (a key, an audit event). */
@ObjectType('Actor', { description: 'Who did something: its kind, id and its name when it acted.' })
export class ActorView {
  @Field(() => ActorTypeEnum)
  type!: ActorTypeEnum;

  @Field(() => ID, { description: '`mem_…`, `key_…`, or `cli` / `bootstrap` / `pagerduty` for SYSTEM.' })
  id!: string;

  @Field({ description: "The member's name (its email when it has none), the key's name, or `cli` / `bootstrap`." })
  name!: string;

  static from(a: ActorRef): ActorView {
    return Object.assign(new ActorView(), { type: a.type as ActorTypeEnum, id: a.id, name: a.name });
  }
}
