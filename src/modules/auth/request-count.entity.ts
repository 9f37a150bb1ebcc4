import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Requests per key per one-minute window, summed over every instance sharing a PostgreSQL database (the per-key
 * rate limit). Rows of past windows are deleted as they age; nothing here identifies a request.
 */
@Entity({ tableName: 'request_counts' })
export class RequestCount {
  @PrimaryKey({ type: 'string', length: 24 })
  keyId!: string;

  /** Start of the window, in epoch milliseconds, aligned to the minute so every instance agrees on it. */
  @PrimaryKey({ type: 'bigint' })
  windowStart!: string;

  @Property({ type: 'integer' })
  count!: number;
}
