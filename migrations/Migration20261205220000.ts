import { Migration } from '@mikro-orm/migrations';

/** The tables whose rows belong to one check, and whether `check_id` is new to them (rollups and locations had it). */
const SHARED = [
  { table: 'runs', added: true },
  { table: 'run_rollups', added: false },
  { table: 'alerts', added: true },
  { table: 'check_locations', added: false },
  { table: 'check_session_runs', added: true },
] as const;

/** What referenced each kind before (`<table>_<kind>_id_foreign`): the same in every shared table. */
const KINDS = [
  { kind: 'monitor', table: 'monitors' },
  { kind: 'journey', table: 'journeys' },
] as const;

/**
 * One `checks` supertype table (id, organization, kind): every monitor and journey has its row there, and the five
 * tables shared by every kind reference it (`check_id`, on delete cascade) instead of a `monitor_id` and a
 * `journey_id` each, with one index where there was one per kind. Existing checks get their rows; existing rows
 * get `check_id = coalesce(monitor_id, journey_id)` (rollups and check locations had it already). A row naming no
 * existing check cannot be reached by any read and is deleted rather than left to fail the new foreign key (the
 * old foreign keys cascaded, so none is expected). `runs` is partitioned: its columns, indexes and foreign keys
 * are changed on the parent, which changes every partition.
 */
export class Migration20261205220000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "checks" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "kind" varchar(16) not null, constraint "checks_pkey" primary key ("id"));`);
    this.addSql(`create index "checks_organization_id_index" on "checks" ("organization_id");`);
    this.addSql(`alter table "checks" add constraint "checks_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    for (const { kind, table } of KINDS) this.addSql(`insert into "checks" ("id", "organization_id", "kind") select "id", "organization_id", '${kind}' from "${table}";`);

    // The old keys and indexes first: the update below then maintains none of them.
    for (const { table } of SHARED) for (const { kind } of KINDS) this.addSql(`alter table "${table}" drop constraint "${table}_${kind}_id_foreign";`);
    this.addSql(`alter table "alerts" drop constraint "alerts_one_source_check";`);
    for (const index of [
      'check_session_runs_journey_id_index', 'check_session_runs_monitor_id_index',
      'alerts_journey_id_opened_at_id_index', 'alerts_monitor_id_opened_at_id_index', 'alerts_one_active_per_journey', 'alerts_one_active_per_monitor',
      'runs_journey_id_started_at_id_index', 'runs_monitor_id_started_at_id_index', 'runs_one_per_journey_slot', 'runs_one_per_monitor_slot',
      'run_rollups_journey_id_index', 'run_rollups_monitor_id_index',
    ])
      this.addSql(`drop index "${index}";`);

    for (const { table, added } of SHARED) {
      if (added) {
        this.addSql(`alter table "${table}" add column "check_id" varchar(24) null;`);
        this.addSql(`update "${table}" set "check_id" = coalesce("monitor_id", "journey_id") where "monitor_id" is not null or "journey_id" is not null;`);
      }
      // An organization alert has no check (its subject says what it is about).
      const orphan = table === 'alerts' ? `"check_id" is not null and` : `"check_id" is null or`;
      this.addSql(`delete from "${table}" where ${orphan} not exists (select 1 from "checks" c where c."id" = "${table}"."check_id");`);
    }

    for (const { table } of SHARED) this.addSql(`alter table "${table}" drop column "monitor_id", drop column "journey_id";`);
    this.addSql(`alter table "runs" alter column "check_id" set not null;`);
    this.addSql(`alter table "check_session_runs" alter column "check_id" set not null;`);

    this.addSql(`create index "check_session_runs_check_id_index" on "check_session_runs" ("check_id");`);
    this.addSql(`create unique index "alerts_one_active_per_check" on "alerts" ("check_id") where "status" <> 'RESOLVED';`);
    this.addSql(`create index "alerts_check_id_opened_at_id_index" on "alerts" ("check_id", "opened_at", "id");`);
    this.addSql(`alter table "alerts" add constraint alerts_one_source_check check(num_nonnulls(check_id, subject) = 1);`);
    this.addSql(`create unique index "runs_one_per_check_slot" on "runs" ("check_id", "location", "slot_at") where "scheduled_at" is not null;`);
    this.addSql(`create index "runs_check_id_started_at_id_index" on "runs" ("check_id", "started_at", "id");`);
    for (const { table } of SHARED)
      this.addSql(`alter table "${table}" add constraint "${table}_check_id_foreign" foreign key ("check_id") references "checks" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    for (const { table, added } of SHARED) {
      this.addSql(`alter table "${table}" drop constraint "${table}_check_id_foreign";`);
      this.addSql(`alter table "${table}" add column "monitor_id" varchar(24) null, add column "journey_id" varchar(24) null;`);
      for (const { kind } of KINDS)
        this.addSql(`update "${table}" t set "${kind}_id" = c."id" from "checks" c where c."id" = t."check_id" and c."kind" = '${kind}';`);
      if (added) this.addSql(`alter table "${table}" drop column "check_id";`);
    }
    for (const index of ['check_session_runs_check_id_index', 'alerts_check_id_opened_at_id_index', 'runs_check_id_started_at_id_index'])
      this.addSql(`drop index if exists "${index}";`);
    this.addSql(`alter table "alerts" add constraint alerts_one_source_check check(num_nonnulls(monitor_id, journey_id, subject) = 1);`);
    this.addSql(`drop table "checks" cascade;`);

    this.addSql(`create index "check_session_runs_journey_id_index" on "check_session_runs" ("journey_id");`);
    this.addSql(`create index "check_session_runs_monitor_id_index" on "check_session_runs" ("monitor_id");`);
    this.addSql(`create index "alerts_journey_id_opened_at_id_index" on "alerts" ("journey_id", "opened_at", "id") where "journey_id" is not null;`);
    this.addSql(`create index "alerts_monitor_id_opened_at_id_index" on "alerts" ("monitor_id", "opened_at", "id") where "monitor_id" is not null;`);
    this.addSql(`create unique index "alerts_one_active_per_journey" on "alerts" ("journey_id") where "status" <> 'RESOLVED';`);
    this.addSql(`create unique index "alerts_one_active_per_monitor" on "alerts" ("monitor_id") where "status" <> 'RESOLVED';`);
    this.addSql(`create index "runs_journey_id_started_at_id_index" on "runs" ("journey_id", "started_at", "id") where "journey_id" is not null;`);
    this.addSql(`create index "runs_monitor_id_started_at_id_index" on "runs" ("monitor_id", "started_at", "id") where "monitor_id" is not null;`);
    this.addSql(`create unique index "runs_one_per_journey_slot" on "runs" ("journey_id", "location", "slot_at") where "scheduled_at" is not null and "journey_id" is not null;`);
    this.addSql(`create unique index "runs_one_per_monitor_slot" on "runs" ("monitor_id", "location", "slot_at") where "scheduled_at" is not null and "monitor_id" is not null;`);
    this.addSql(`create index "run_rollups_journey_id_index" on "run_rollups" ("journey_id") where "journey_id" is not null;`);
    this.addSql(`create index "run_rollups_monitor_id_index" on "run_rollups" ("monitor_id") where "monitor_id" is not null;`);
    for (const { table } of SHARED)
      for (const { kind, table: target } of KINDS)
        this.addSql(`alter table "${table}" add constraint "${table}_${kind}_id_foreign" foreign key ("${kind}_id") references "${target}" ("id") on update cascade on delete cascade;`);
  }

}
