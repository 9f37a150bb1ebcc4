import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

/** What a heartbeat's run was: a ping of each route, or a deadline that passed with none. */
export type PingKind = 'SUCCESS' | 'FAIL' | 'EXIT_CODE' | 'MISSED' | 'MANUAL';

/** What a heartbeat's run stores besides every run's fields (runs.ping). */
export interface PingDetail {
  kind: PingKind;
  exitCode: number | null;
  /** The first 10 kB of a POST body. */
  log: string | null;
  /** The deadline a MISSED run is for. */
  deadline?: string | null;
}

export enum PingKindEnum {
  SUCCESS = 'SUCCESS',
  FAIL = 'FAIL',
  EXIT_CODE = 'EXIT_CODE',
  MISSED = 'MISSED',
  MANUAL = 'MANUAL',
}
registerEnumType(PingKindEnum, {
  name: 'PingKind',
  valuesConfig: {
    SUCCESS: { description: '`/ping/:token`' },
    FAIL: { description: '`/ping/:token/fail`' },
    EXIT_CODE: { description: '`/ping/:token/:exitCode` (0 passes, 1-255 fail)' },
    MISSED: { description: 'No success before the deadline (period or cron instant, plus grace).' },
    MANUAL: { description: '`runHeartbeat` or `triggerChecks`: no ping, the heartbeat judged at that moment (FAILED past its deadline).' },
  },
});

@ObjectType('HeartbeatPing', { description: "A heartbeat run's ping: its route, exit code and log excerpt." })
export class PingDetailType {
  @Field(() => PingKindEnum) kind!: PingKindEnum;
  @Field(() => Int, { nullable: true }) exitCode!: number | null;
  @Field(() => String, { nullable: true, description: 'The first 10 kB of the POST body.' }) log!: string | null;
}
