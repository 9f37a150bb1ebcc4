import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A worker process and the location it serves, kept alive by its heartbeat. Rows of workers that stopped
 * announcing themselves are pruned; their location stays known (see Location).
 */
@Entity({ tableName: 'workers' })
@Index({ properties: ['location', 'lastSeenAt'] })
export class Worker {
  @PrimaryKey({ type: 'string', length: 40 })
  id!: string;

  @Property({ type: 'string', length: 40 })
  location!: string;

  @Property({ type: 'string', length: 255 })
  host!: string;

  @Property({ type: 'integer' })
  pid!: number;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  startedAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  lastSeenAt!: Date;
}

/** A place checks can run from: known once a worker has announced it (and `local`, the default, always). */
@Entity({ tableName: 'locations' })
export class Location {
  @PrimaryKey({ type: 'string', length: 40 })
  name!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  firstSeenAt!: Date;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  lastSeenAt!: Date;
}
