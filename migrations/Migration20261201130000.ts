import { Migration } from '@mikro-orm/migrations';

/**
 * Runs partitioned by time: a new `runs` table PARTITION BY RANGE (slot_at), weekly partitions from the oldest
 * existing run's week to three weeks ahead plus a default one, the existing runs copied in (slot_at: the slot, or
 * the start of a manual run), the old table dropped, indexes (the journey/monitor ones now partial) and foreign
 * keys made again. Index names are global: the old table's are renamed out of the way first.
 */
export class Migration20261201130000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "runs" rename to "runs_unpartitioned";`);
    for (const index of ['runs_pkey', 'runs_organization_id_started_at_index', 'runs_journey_id_started_at_id_index', 'runs_monitor_id_started_at_id_index', 'runs_one_per_journey_slot', 'runs_one_per_monitor_slot'])
      this.addSql(`alter index "${index}" rename to "${index.replace(/^runs_/, 'runs_unpartitioned_')}";`);
    this.addSql(`create table "runs" ("id" varchar(24) not null, "slot_at" timestamptz(3) not null, "organization_id" varchar(24) not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "trigger" varchar(10) not null, "status" varchar(8) not null, "location" varchar(40) not null default 'local', "scheduled_at" timestamptz(3) null, "started_at" timestamptz(3) not null, "finished_at" timestamptz(3) not null, "duration_ms" int not null, "response_status" int null, "timings" jsonb null, "assertions" jsonb not null, "steps" jsonb null, "error" text null, constraint "runs_pkey" primary key ("id", "slot_at")) partition by range ("slot_at");`);
    this.addSql(`create table "runs_default" partition of "runs" default;`);
    this.addSql(`do $$
      declare w timestamptz;
      begin
        w := date_trunc('week', coalesce((select min(coalesce(scheduled_at, started_at)) from runs_unpartitioned), now()) at time zone 'UTC') at time zone 'UTC';
        while w < now() + interval '4 weeks' loop
          execute format('create table %I partition of runs for values from (%L) to (%L)', 'runs_p' || to_char(w at time zone 'UTC', 'YYYYMMDD'), w, w + interval '7 days');
          w := w + interval '7 days';
        end loop;
      end $$;`);
    this.addSql(`insert into "runs" ("id", "slot_at", "organization_id", "monitor_id", "journey_id", "trigger", "status", "location", "scheduled_at", "started_at", "finished_at", "duration_ms", "response_status", "timings", "assertions", "steps", "error")
      select "id", coalesce("scheduled_at", "started_at"), "organization_id", "monitor_id", "journey_id", "trigger", "status", "location", "scheduled_at", "started_at", "finished_at", "duration_ms", "response_status", "timings", "assertions", "steps", "error" from "runs_unpartitioned";`);
    this.addSql(`drop table "runs_unpartitioned";`);
    this.addSql(`create index "runs_organization_id_started_at_index" on "runs" ("organization_id", "started_at");`);
    this.addSql(`create index "runs_journey_id_started_at_id_index" on "runs" ("journey_id", "started_at", "id") where "journey_id" is not null;`);
    this.addSql(`create index "runs_monitor_id_started_at_id_index" on "runs" ("monitor_id", "started_at", "id") where "monitor_id" is not null;`);
    this.addSql(`create unique index "runs_one_per_journey_slot" on "runs" ("journey_id", "location", "slot_at") where "scheduled_at" is not null and "journey_id" is not null;`);
    this.addSql(`create unique index "runs_one_per_monitor_slot" on "runs" ("monitor_id", "location", "slot_at") where "scheduled_at" is not null and "monitor_id" is not null;`);
    this.addSql(`alter table "runs" add constraint "runs_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "runs" rename to "runs_partitioned";`);
    for (const index of ['runs_pkey', 'runs_organization_id_started_at_index', 'runs_journey_id_started_at_id_index', 'runs_monitor_id_started_at_id_index', 'runs_one_per_journey_slot', 'runs_one_per_monitor_slot'])
      this.addSql(`alter index "${index}" rename to "${index.replace(/^runs_/, 'runs_partitioned_')}";`);
    this.addSql(`create table "runs" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "trigger" varchar(10) not null, "status" varchar(8) not null, "started_at" timestamptz(3) not null, "finished_at" timestamptz(3) not null, "duration_ms" int not null, "response_status" int null, "timings" jsonb null, "assertions" jsonb not null, "steps" jsonb null, "error" text null, "location" varchar(40) not null default 'local', "scheduled_at" timestamptz(3) null, constraint "runs_pkey" primary key ("id"));`);
    this.addSql(`insert into "runs" ("id", "organization_id", "monitor_id", "journey_id", "trigger", "status", "started_at", "finished_at", "duration_ms", "response_status", "timings", "assertions", "steps", "error", "location", "scheduled_at")
      select distinct on ("id") "id", "organization_id", "monitor_id", "journey_id", "trigger", "status", "started_at", "finished_at", "duration_ms", "response_status", "timings", "assertions", "steps", "error", "location", "scheduled_at" from "runs_partitioned";`);
    this.addSql(`drop table "runs_partitioned" cascade;`);
    this.addSql(`create index "runs_organization_id_started_at_index" on "runs" ("organization_id", "started_at");`);
    this.addSql(`create index "runs_journey_id_started_at_id_index" on "runs" ("journey_id", "started_at", "id");`);
    this.addSql(`create index "runs_monitor_id_started_at_id_index" on "runs" ("monitor_id", "started_at", "id");`);
    this.addSql(`create unique index "runs_one_per_journey_slot" on "runs" ("journey_id", "location", "scheduled_at") where "scheduled_at" is not null and "journey_id" is not null;`);
    this.addSql(`create unique index "runs_one_per_monitor_slot" on "runs" ("monitor_id", "location", "scheduled_at") where "scheduled_at" is not null and "monitor_id" is not null;`);
    this.addSql(`alter table "runs" add constraint "runs_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "runs" add constraint "runs_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);
  }

}
