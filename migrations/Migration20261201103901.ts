import { Migration } from '@mikro-orm/migrations';

export class Migration20261201103901 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "locations" ("name" varchar(40) not null, "first_seen_at" timestamptz(3) not null, "last_seen_at" timestamptz(3) not null, constraint "locations_pkey" primary key ("name"));`);

    this.addSql(`create table "check_locations" ("check_id" varchar(24) not null, "location" varchar(40) not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "consecutive_failures" int not null default 0, "last_status" varchar(8) not null, "last_run_at" timestamptz(3) not null, constraint "check_locations_pkey" primary key ("check_id", "location"));`);

    this.addSql(`create table "workers" ("id" varchar(40) not null, "location" varchar(40) not null, "host" varchar(255) not null, "pid" int not null, "started_at" timestamptz(3) not null, "last_seen_at" timestamptz(3) not null, constraint "workers_pkey" primary key ("id"));`);
    this.addSql(`create index "workers_location_last_seen_at_index" on "workers" ("location", "last_seen_at");`);

    this.addSql(`alter table "check_locations" add constraint "check_locations_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "check_locations" add constraint "check_locations_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "monitors" add column "locations" text[] not null default '{local}', add column "min_failed_locations" int not null default 1;`);

    this.addSql(`alter table "journeys" add column "locations" text[] not null default '{local}', add column "min_failed_locations" int not null default 1;`);

    this.addSql(`alter table "runs" add column "location" varchar(40) not null default 'local', add column "scheduled_at" timestamptz(3) null;`);
    this.addSql(`create unique index "runs_one_per_journey_slot" on "runs" ("journey_id", "location", "scheduled_at") where "scheduled_at" is not null and "journey_id" is not null;`);
    this.addSql(`create unique index "runs_one_per_monitor_slot" on "runs" ("monitor_id", "location", "scheduled_at") where "scheduled_at" is not null and "monitor_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "locations" cascade;`);

    this.addSql(`drop table if exists "check_locations" cascade;`);

    this.addSql(`drop table if exists "workers" cascade;`);

    this.addSql(`alter table "journeys" drop column "locations", drop column "min_failed_locations";`);

    this.addSql(`alter table "monitors" drop column "locations", drop column "min_failed_locations";`);

    this.addSql(`drop index "runs_one_per_journey_slot";`);
    this.addSql(`drop index "runs_one_per_monitor_slot";`);
    this.addSql(`alter table "runs" drop column "location", drop column "scheduled_at";`);
  }

}
