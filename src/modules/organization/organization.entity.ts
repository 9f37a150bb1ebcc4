import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomBase62 } from '../auth/key-format';

@Entity({ tableName: 'organizations' })
export class Organization {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = `org_${randomBase62(16)}`;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();
}
