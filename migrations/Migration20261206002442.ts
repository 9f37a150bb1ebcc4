import { Migration } from '@mikro-orm/migrations';

export class Migration20261206002442 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "status_pages" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "slug" varchar(50) not null, "custom_domain" varchar(253) null, "show_uptime" boolean not null default true, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "status_pages_pkey" primary key ("id"));`);
    this.addSql(`alter table "status_pages" add constraint "status_pages_slug_unique" unique ("slug");`);
    this.addSql(`alter table "status_pages" add constraint "status_pages_custom_domain_unique" unique ("custom_domain");`);
    this.addSql(`create index "status_pages_organization_id_created_at_id_index" on "status_pages" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "status_components" ("id" varchar(24) not null, "page_id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "description" varchar(500) null, "check_ids" text[] not null default '{}', "position" int not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "status_components_pkey" primary key ("id"));`);
    this.addSql(`create index "status_components_page_id_position_index" on "status_components" ("page_id", "position");`);

    this.addSql(`create table "status_incidents" ("id" varchar(24) not null, "page_id" varchar(24) not null, "organization_id" varchar(24) not null, "title" varchar(200) not null, "impact" varchar(12) not null, "status" varchar(16) not null, "component_ids" text[] not null default '{}', "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "resolved_at" timestamptz(3) null, constraint "status_incidents_pkey" primary key ("id"));`);
    this.addSql(`create index "status_incidents_organization_id_created_at_id_index" on "status_incidents" ("organization_id", "created_at", "id");`);
    this.addSql(`create index "status_incidents_page_id_created_at_id_index" on "status_incidents" ("page_id", "created_at", "id");`);

    this.addSql(`create table "status_incident_updates" ("id" varchar(24) not null, "incident_id" varchar(24) not null, "organization_id" varchar(24) not null, "status" varchar(16) not null, "message" text not null, "created_at" timestamptz(3) not null, constraint "status_incident_updates_pkey" primary key ("id"));`);
    this.addSql(`create index "status_incident_updates_incident_id_created_at_index" on "status_incident_updates" ("incident_id", "created_at");`);

    this.addSql(`alter table "status_pages" add constraint "status_pages_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "status_components" add constraint "status_components_page_id_foreign" foreign key ("page_id") references "status_pages" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "status_components" add constraint "status_components_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "status_incidents" add constraint "status_incidents_page_id_foreign" foreign key ("page_id") references "status_pages" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "status_incidents" add constraint "status_incidents_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "status_incident_updates" add constraint "status_incident_updates_incident_id_foreign" foreign key ("incident_id") references "status_incidents" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "status_incident_updates" add constraint "status_incident_updates_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "status_components" drop constraint "status_components_page_id_foreign";`);

    this.addSql(`alter table "status_incidents" drop constraint "status_incidents_page_id_foreign";`);

    this.addSql(`alter table "status_incident_updates" drop constraint "status_incident_updates_incident_id_foreign";`);

    this.addSql(`drop table if exists "status_pages" cascade;`);

    this.addSql(`drop table if exists "status_components" cascade;`);

    this.addSql(`drop table if exists "status_incidents" cascade;`);

    this.addSql(`drop table if exists "status_incident_updates" cascade;`);
  }

}
