import { Migration } from '@mikro-orm/migrations';

export class Migration20261201124528 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "notification_channels" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "type" varchar(10) not null, "url" text null, "masked_url" varchar(2100) null, "email" varchar(254) null, "events" text[] not null, "check_ids" text[] not null default '{}', "secret" text null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "notification_channels_pkey" primary key ("id"));`);
    this.addSql(`create index "notification_channels_organization_id_created_at_id_index" on "notification_channels" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "notification_deliveries" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "channel_id" varchar(24) not null, "event" varchar(32) not null, "webhook_id" varchar(40) not null, "payload" jsonb not null, "status" varchar(10) not null default 'PENDING', "attempts" int not null default 0, "last_response_status" int null, "error" text null, "next_attempt_at" timestamptz(3) null, "created_at" timestamptz(3) not null, "delivered_at" timestamptz(3) null, constraint "notification_deliveries_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_webhook_id_unique" unique ("webhook_id");`);
    this.addSql(`create index "notification_deliveries_channel_id_created_at_index" on "notification_deliveries" ("channel_id", "created_at");`);
    this.addSql(`create index "notification_deliveries_organization_id_created_at_id_index" on "notification_deliveries" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "maintenance_windows" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "starts_at" timestamptz(3) not null, "ends_at" timestamptz(3) not null, "check_ids" text[] not null default '{}', "created_at" timestamptz(3) not null, constraint "maintenance_windows_pkey" primary key ("id"));`);
    this.addSql(`create index "maintenance_windows_organization_id_ends_at_index" on "maintenance_windows" ("organization_id", "ends_at");`);
    this.addSql(`create index "maintenance_windows_organization_id_created_at_id_index" on "maintenance_windows" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "api_key_expiry_notices" ("api_key_id" varchar(24) not null, "days" smallint not null, "sent_at" timestamptz(3) not null, constraint "api_key_expiry_notices_pkey" primary key ("api_key_id", "days"));`);

    this.addSql(`alter table "notification_channels" add constraint "notification_channels_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification_deliveries" add constraint "notification_deliveries_channel_id_foreign" foreign key ("channel_id") references "notification_channels" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "maintenance_windows" add constraint "maintenance_windows_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_key_expiry_notices" add constraint "api_key_expiry_notices_api_key_id_foreign" foreign key ("api_key_id") references "api_keys" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notification_deliveries" drop constraint "notification_deliveries_channel_id_foreign";`);

    this.addSql(`drop table if exists "notification_channels" cascade;`);

    this.addSql(`drop table if exists "notification_deliveries" cascade;`);

    this.addSql(`drop table if exists "maintenance_windows" cascade;`);

    this.addSql(`drop table if exists "api_key_expiry_notices" cascade;`);
  }

}
