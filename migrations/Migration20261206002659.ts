import { Migration } from '@mikro-orm/migrations';

/** Heartbeats (push checks): their table, with the partial index the deadline watcher claims overdue ones by; runs get `ping` (a heartbeat run's route, exit code and log). */
export class Migration20261206002659 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "heartbeats" ("id" varchar(24) not null, "interval_seconds" int not null default 300, "timeout_ms" int not null default 10000, "locations" text[] not null default '{local}', "min_failed_locations" int not null default 1, "paused" boolean not null default false, "tags" text[] not null default '{}', "status" varchar(8) not null default 'PENDING', "consecutive_failures" int not null default 0, "last_run_at" timestamptz(3) null, "next_run_at" timestamptz(3) not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "period_seconds" int null, "grace_seconds" int not null default 60, "cron" varchar(120) null, "timezone" varchar(64) not null default 'UTC', "token_hash" varchar(64) not null, "token_sealed" text not null, "last_ping_at" timestamptz(3) null, "started_at" timestamptz(3) null, "next_deadline_at" timestamptz(3) null, "failure_threshold" int not null default 1, constraint "heartbeats_pkey" primary key ("id"));`);
    this.addSql(`alter table "heartbeats" add constraint "heartbeats_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "heartbeats_deadline_index" on "heartbeats" ("next_deadline_at") where "paused" = false;`);
    this.addSql(`create index "heartbeats_tags_index" on "heartbeats" using gin ("tags");`);
    this.addSql(`create index "heartbeats_organization_id_created_at_id_index" on "heartbeats" ("organization_id", "created_at", "id");`);

    this.addSql(`alter table "heartbeats" add constraint "heartbeats_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "runs" add column "ping" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "heartbeats" cascade;`);

    this.addSql(`alter table "runs" drop column "ping";`);
  }

}
