import { Migration } from '@mikro-orm/migrations';

export class Migration20261201130034 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "check_sessions" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "created_by" varchar(24) not null, "location" varchar(40) null, "tags" text[] not null default '{}', "created_at" timestamptz(3) not null, "deadline_at" timestamptz(3) not null, constraint "check_sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "check_sessions_organization_id_created_at_index" on "check_sessions" ("organization_id", "created_at");`);

    this.addSql(`create table "check_session_runs" ("run_id" varchar(24) not null, "session_id" varchar(24) not null, "position" int not null, "monitor_id" varchar(24) null, "journey_id" varchar(24) null, "name" varchar(100) not null, "location" varchar(40) not null, constraint "check_session_runs_pkey" primary key ("run_id"));`);
    this.addSql(`create index "check_session_runs_journey_id_index" on "check_session_runs" ("journey_id");`);
    this.addSql(`create index "check_session_runs_monitor_id_index" on "check_session_runs" ("monitor_id");`);
    this.addSql(`create index "check_session_runs_session_id_position_index" on "check_session_runs" ("session_id", "position");`);

    this.addSql(`alter table "check_sessions" add constraint "check_sessions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "check_session_runs" add constraint "check_session_runs_session_id_foreign" foreign key ("session_id") references "check_sessions" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "check_session_runs" add constraint "check_session_runs_monitor_id_foreign" foreign key ("monitor_id") references "monitors" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "check_session_runs" add constraint "check_session_runs_journey_id_foreign" foreign key ("journey_id") references "journeys" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "monitors" add column "tags" text[] not null default '{}';`);
    this.addSql(`create index "monitors_tags_index" on "monitors" using gin ("tags");`);

    this.addSql(`alter table "journeys" add column "tags" text[] not null default '{}';`);
    this.addSql(`create index "journeys_tags_index" on "journeys" using gin ("tags");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "check_session_runs" drop constraint "check_session_runs_session_id_foreign";`);

    this.addSql(`drop table if exists "check_sessions" cascade;`);

    this.addSql(`drop table if exists "check_session_runs" cascade;`);

    this.addSql(`drop index "journeys_tags_index";`);
    this.addSql(`alter table "journeys" drop column "tags";`);

    this.addSql(`drop index "monitors_tags_index";`);
    this.addSql(`alter table "monitors" drop column "tags";`);
  }

}
