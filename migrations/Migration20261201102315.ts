import { Migration } from '@mikro-orm/migrations';

export class Migration20261201102315 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "usage_counters" ("organization_id" varchar(24) not null, "period_start" timestamptz(3) not null, "runs" int not null, constraint "usage_counters_pkey" primary key ("organization_id", "period_start"));`);

    this.addSql(`alter table "usage_counters" add constraint "usage_counters_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    // The counter starts where count(*) left off: this month's runs. The month starts at midnight UTC on its first day
    // (plans.ts monthStart), whatever the session's TimeZone: truncate the UTC wall clock, then read it back as UTC.
    this.addSql(`insert into "usage_counters" ("organization_id", "period_start", "runs")
      select "organization_id", date_trunc('month', now() at time zone 'utc') at time zone 'utc', count(*)
        from "runs" where "started_at" >= date_trunc('month', now() at time zone 'utc') at time zone 'utc'
       group by "organization_id";`);

    this.addSql(`alter table "alerts" add column "subject" varchar(16) null;`);
    this.addSql(`create unique index "alerts_one_active_per_subject" on "alerts" ("organization_id", "subject") where "subject" is not null and "status" <> 'RESOLVED';`);
    this.addSql(`alter table "alerts" add constraint alerts_one_source_check check(num_nonnulls(monitor_id, journey_id, subject) = 1);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "usage_counters" cascade;`);

    this.addSql(`drop index "alerts_one_active_per_subject";`);
    this.addSql(`alter table "alerts" drop constraint alerts_one_source_check;`);
    this.addSql(`alter table "alerts" drop column "subject";`);
  }

}
