import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum StatsWindowEnum {
  LAST_24_HOURS = 'LAST_24_HOURS',
  LAST_7_DAYS = 'LAST_7_DAYS',
  LAST_30_DAYS = 'LAST_30_DAYS',
  LAST_90_DAYS = 'LAST_90_DAYS',
}
registerEnumType(StatsWindowEnum, {
  name: 'StatsWindow',
  description: 'LAST_24_HOURS: the current hour and the 23 before it. The others: today and the UTC days before it (LAST_7_DAYS: 7 days, today included).',
});

export enum SeriesIntervalEnum {
  HOUR = 'HOUR',
  DAY = 'DAY',
}
registerEnumType(SeriesIntervalEnum, { name: 'SeriesInterval', description: 'Bucket size of a series: hours, or UTC days ending with today.' });

const ESTIMATE = 'Milliseconds, from a log-scale histogram (within 5% of the exact value); null with no runs.';

@ObjectType('ResponseTimeStats', { description: 'Run durations (`durationMs`) in the window.' })
export class ResponseTimeStatsType {
  @Field(() => Int, { nullable: true, description: ESTIMATE }) p50!: number | null;
  @Field(() => Int, { nullable: true, description: ESTIMATE }) p95!: number | null;
  @Field(() => Int, { nullable: true, description: ESTIMATE }) p99!: number | null;
  @Field(() => Int, { nullable: true, description: 'Mean, in milliseconds (exact); null with no runs.' }) avg!: number | null;
}

@ObjectType('CheckStats', {
  description:
    'Read from hourly and daily rollups, never from the runs: its cost does not grow with history. Runs that finished inside a maintenance window of their check, as the window stood when the run was recorded, are not counted (here, in series and in the overview): a window created or deleted later does not change what was counted.',
})
export class CheckStatsType {
  @Field(() => Float, { nullable: true, description: 'Passed runs over all runs, 0 to 100 (two decimals); null when there were no runs.' })
  uptimePercent!: number | null;
  @Field(() => Int) runs!: number;
  @Field(() => Int, { description: 'Runs that did not pass (FAILED or ERROR).' }) failures!: number;
  @Field(() => Int, { description: 'Runs that passed but slower than the check\'s degradedResponseTimeMs: counted in runs and as up for uptime, and apart here.' })
  degraded!: number;
  @Field(() => ResponseTimeStatsType) responseTime!: ResponseTimeStatsType;
}

@ObjectType('StatsBucket', { description: 'One hour or one UTC day of a series; a bucket with no runs has runs 0 and nulls.' })
export class StatsBucketType {
  @Field() start!: Date;
  @Field(() => Int) runs!: number;
  @Field(() => Int) failures!: number;
  @Field(() => Int, { description: 'Passing runs slower than degradedResponseTimeMs.' }) degraded!: number;
  @Field(() => Float, { nullable: true }) uptimePercent!: number | null;
  @Field(() => Int, { nullable: true }) p50!: number | null;
  @Field(() => Int, { nullable: true }) p95!: number | null;
}

@ObjectType('CheckCounts', { description: 'Monitors and journeys together, by status.' })
export class CheckCountsType {
  @Field(() => Int) up!: number;
  @Field(() => Int) down!: number;
  @Field(() => Int, { description: 'Passing, but slower than their degradedResponseTimeMs.' }) degraded!: number;
  @Field(() => Int) paused!: number;
  @Field(() => Int, { description: 'Not run yet.' }) pending!: number;
}

@ObjectType('OrganizationOverview')
export class OrganizationOverviewType {
  @Field(() => CheckCountsType) checks!: CheckCountsType;
  @Field(() => Int, { description: 'Alerts not resolved yet (OPEN or ACKNOWLEDGED).' }) openAlerts!: number;
  @Field(() => Float, { nullable: true, description: 'Passed runs over all runs of every check, LAST_24_HOURS; null with no runs.' })
  uptimePercent24h!: number | null;
}
