import { Migration } from '@mikro-orm/migrations';

export class Migration20261126225337 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_events" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "action" varchar(40) not null, "actor_key_id" varchar(24) not null, "target" varchar(64) not null, "ip" varchar(64) null, "created_at" timestamptz(3) not null, constraint "audit_events_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_events_organization_id_created_at_id_index" on "audit_events" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "request_counts" ("key_id" varchar(24) not null, "window_start" bigint not null, "count" int not null, constraint "request_counts_pkey" primary key ("key_id", "window_start"));`);

    this.addSql(`alter table "audit_events" add constraint "audit_events_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_keys" add column "failed_auth_count" int not null default 0, add column "last_failed_auth_at" timestamptz(3) null, add column "replaced_by" varchar(24) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);

    this.addSql(`drop table if exists "request_counts" cascade;`);

    this.addSql(`alter table "api_keys" drop column "failed_auth_count", drop column "last_failed_auth_at", drop column "replaced_by";`);
  }

}
