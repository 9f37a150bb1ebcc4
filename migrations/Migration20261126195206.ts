import { Migration } from '@mikro-orm/migrations';

export class Migration20261126195206 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "monitors" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "url" text not null, "method" varchar(8) not null default 'GET', "headers" jsonb not null, "body" text null, "expected_status_codes" jsonb not null, "assertions" jsonb not null, "interval_seconds" int not null default 300, "timeout_ms" int not null default 10000, "failure_threshold" int not null default 2, "paused" boolean not null default false, "status" varchar(8) not null default 'PENDING', "consecutive_failures" int not null default 0, "last_run_at" timestamptz(3) null, "next_run_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "monitors_pkey" primary key ("id"));`);
    this.addSql(`create index "monitors_due_index" on "monitors" ("next_run_at") where "paused" = false;`);
    this.addSql(`create index "monitors_organization_id_created_at_id_index" on "monitors" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "members" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "email" varchar(254) not null, "name" varchar(100) null, "role" varchar(8) not null, "joined_at" timestamptz(3) not null, constraint "members_pkey" primary key ("id"));`);
    this.addSql(`create index "members_organization_id_joined_at_index" on "members" ("organization_id", "joined_at");`);
    this.addSql(`alter table "members" add constraint "members_organization_id_email_unique" unique ("organization_id", "email");`);

    this.addSql(`create table "journeys" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "steps" jsonb not null, "interval_seconds" int not null default 300, "timeout_ms" int not null default 10000, "failure_threshold" int not null default 2, "paused" boolean not null default false, "status" varchar(8) not null default 'PENDING', "consecutive_failures" int not null default 0, "last_run_at" timestamptz(3) null, "next_run_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "journeys_pkey" primary key ("id"));`);
    this.addSql(`create index "journeys_due_index" on "journeys" ("next_run_at") where "paused" = false;`);
    this.addSql(`create index "journeys_organization_id_created_at_id_index" on "journeys" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "alerts" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "source_name" varchar(100) not null, "cause" text not null, "status" varchar(12) not null default 'OPEN', "opened_at" timestamptz(3) not null, "acknowledged_at" timestamptz(3) null, "acknowledged_by" varchar(24) null, "acknowledged_by_name" varchar(100) null, "resolved_at" timestamptz(3) null, "resolved_by" varchar(24) null, "resolved_by_name" varchar(100) null, constraint "alerts_pkey" primary key ("id"));`);
    this.addSql(`create unique index "alerts_one_active_per_journey" on "alerts" ("journey_id") where "status" <> 'RESOLVED';`);
    this.addSql(`create unique index "alerts_one_active_per_monitor" on "alerts" ("monitor_id") where "status" <> 'RESOLVED';`);
    this.addSql(`create index "alerts_organization_id_opened_at_id_index" on "alerts" ("organization_id", "opened_at", "id");`);

    this.addSql(`create table "runs" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "trigger" varchar(10) not null, "status" varchar(8) not null, "started_at" timestamptz(3) not null, "finished_at" timestamptz(3) not null, "duration_ms" int not null, "response_status" int null, "timings" jsonb null, "assertions" jsonb not null, "steps" jsonb null, "error" text null, constraint "runs_pkey" primary key ("id"));`);
    this.addSql(`create index "runs_organization_id_started_at_index" on "runs" ("organization_id", "started_at");`);
    this.addSql(`create index "runs_journey_id_started_at_id_index" on "runs" ("journey_id", "started_at", "id");`);
    this.addSql(`create index "runs_monitor_id_started_at_id_index" on "runs" ("monitor_id", "started_at", "id");`);

    this.addSql(`alter table "monitors" add constraint "monitors_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "members" add constraint "members_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "journeys" add constraint "journeys_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "alerts" add constraint "alerts_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "alerts" add constraint "alerts_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "alerts" add constraint "alerts_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "runs" add constraint "runs_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "organizations" add column "plan" varchar(16) not null default 'FREE';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "alerts" drop constraint "alerts_monitor_id_foreign";`);

    this.addSql(`alter table "runs" drop constraint "runs_monitor_id_foreign";`);

    this.addSql(`alter table "alerts" drop constraint "alerts_journey_id_foreign";`);

    this.addSql(`alter table "runs" drop constraint "runs_journey_id_foreign";`);

    this.addSql(`drop table if exists "monitors" cascade;`);

    this.addSql(`drop table if exists "members" cascade;`);

    this.addSql(`drop table if exists "journeys" cascade;`);

    this.addSql(`drop table if exists "alerts" cascade;`);

    this.addSql(`drop table if exists "runs" cascade;`);

    this.addSql(`alter table "organizations" drop column "plan";`);
  }

}
