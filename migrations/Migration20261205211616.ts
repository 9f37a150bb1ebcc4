import { Migration } from '@mikro-orm/migrations';

/**
 * Keys and audit events say who: the creator's and the actor's kind and name beside the id already stored. Rows
 * from before are derived from that id (its prefix gives the kind: `key_` an API key, `mem_` a member, `cli` and
 * `bootstrap` the system) and the name of that key or member where it still exists, else the id itself. A key
 * created by a member no longer in the organization is flagged `creator_removed`.
 */
export class Migration20261205211616 extends Migration {

  override async up(): Promise<void> {
    const kind = (column: string) =>
      `case left(${column}, 4) when 'key_' then 'API_KEY' when 'mem_' then 'MEMBER' else 'SYSTEM' end`;
    const name = (column: string) =>
      `coalesce((select c.name from api_keys c where c.id = ${column}), (select coalesce(m.name, m.email) from members m where m.id = ${column}), ${column})`;

    this.addSql(`alter table "audit_events" add column "actor_type" varchar(8) null, add column "actor_name" varchar(254) null;`);
    this.addSql(`update "audit_events" set "actor_type" = ${kind('actor_key_id')}, "actor_name" = left(${name('actor_key_id')}, 254);`);
    this.addSql(`alter table "audit_events" alter column "actor_type" set not null, alter column "actor_name" set not null;`);

    this.addSql(`alter table "api_keys" add column "created_by_type" varchar(8) null, add column "created_by_name" varchar(254) null, add column "creator_removed" boolean not null default false;`);
    this.addSql(`update "api_keys" k set "created_by_type" = ${kind('k.created_by')}, "created_by_name" = left(${name('k.created_by')}, 254),
      "creator_removed" = left(k.created_by, 4) = 'mem_' and not exists (select 1 from members m where m.id = k.created_by);`);
    this.addSql(`alter table "api_keys" alter column "created_by_type" set not null, alter column "created_by_name" set not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop column "created_by_type", drop column "created_by_name", drop column "creator_removed";`);

    this.addSql(`alter table "audit_events" drop column "actor_type", drop column "actor_name";`);
  }

}
