import { Migration } from '@mikro-orm/migrations';

export class Migration20261201123854 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "run_rollups" ("check_id" varchar(24) not null, "span" varchar(4) not null, "bucket_start" timestamptz(0) not null, "location" varchar(40) not null, "organization_id" varchar(24) not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "runs" int not null, "failures" int not null, "response_sum_ms" bigint not null, "histogram" jsonb not null, constraint "run_rollups_pkey" primary key ("check_id", "span", "bucket_start", "location"));`);
    this.addSql(`create index "run_rollups_journey_id_index" on "run_rollups" ("journey_id") where "journey_id" is not null;`);
    this.addSql(`create index "run_rollups_monitor_id_index" on "run_rollups" ("monitor_id") where "monitor_id" is not null;`);
    this.addSql(`create index "run_rollups_organization_id_span_bucket_start_index" on "run_rollups" ("organization_id", "span", "bucket_start");`);

    this.addSql(`alter table "run_rollups" add constraint "run_rollups_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "run_rollups" add constraint "run_rollups_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "run_rollups" add constraint "run_rollups_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "run_rollups" cascade;`);
  }

}
