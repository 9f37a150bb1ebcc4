import { Migration } from '@mikro-orm/migrations';

export class Migration20261206002901 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "dns_monitors" ("id" varchar(24) not null, "interval_seconds" int not null default 300, "timeout_ms" int not null default 10000, "failure_threshold" int not null default 2, "locations" text[] not null default '{local}', "min_failed_locations" int not null default 1, "paused" boolean not null default false, "tags" text[] not null default '{}', "status" varchar(8) not null default 'PENDING', "consecutive_failures" int not null default 0, "last_run_at" timestamptz(3) null, "next_run_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "hostname" varchar(255) not null, "record_type" varchar(8) not null, "resolver" varchar(64) null, "expected_values" jsonb not null, "match" varchar(4) not null default 'ANY', constraint "dns_monitors_pkey" primary key ("id"));`);
    this.addSql(`create index "dns_monitors_due_index" on "dns_monitors" ("next_run_at") where "paused" = false;`);
    this.addSql(`create index "dns_monitors_tags_index" on "dns_monitors" using gin ("tags");`);
    this.addSql(`create index "dns_monitors_organization_id_created_at_id_index" on "dns_monitors" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "tcp_monitors" ("id" varchar(24) not null, "interval_seconds" int not null default 300, "timeout_ms" int not null default 10000, "failure_threshold" int not null default 2, "locations" text[] not null default '{local}', "min_failed_locations" int not null default 1, "paused" boolean not null default false, "tags" text[] not null default '{}', "status" varchar(8) not null default 'PENDING', "consecutive_failures" int not null default 0, "last_run_at" timestamptz(3) null, "next_run_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "host" varchar(255) not null, "port" int not null, "send" text null, "expect" text null, constraint "tcp_monitors_pkey" primary key ("id"));`);
    this.addSql(`create index "tcp_monitors_due_index" on "tcp_monitors" ("next_run_at") where "paused" = false;`);
    this.addSql(`create index "tcp_monitors_tags_index" on "tcp_monitors" using gin ("tags");`);
    this.addSql(`create index "tcp_monitors_organization_id_created_at_id_index" on "tcp_monitors" ("organization_id", "created_at", "id");`);

    this.addSql(`alter table "dns_monitors" add constraint "dns_monitors_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "tcp_monitors" add constraint "tcp_monitors_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "runs" add column "detail" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "dns_monitors" cascade;`);

    this.addSql(`drop table if exists "tcp_monitors" cascade;`);

    this.addSql(`alter table "runs" drop column "detail";`);
  }

}
