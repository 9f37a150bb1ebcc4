import { Migration } from '@mikro-orm/migrations';

export class Migration20261206004534 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "status_subscribers" ("id" varchar(24) not null, "page_id" varchar(24) not null, "organization_id" varchar(24) not null, "channel_id" varchar(24) not null, "unsubscribe_hash" varchar(64) not null, "unsubscribe_token" text not null, "target_hash" varchar(64) not null, "created_at" timestamptz(3) not null, constraint "status_subscribers_pkey" primary key ("id"));`);
    this.addSql(`create index "status_subscribers_unsubscribe_hash_index" on "status_subscribers" ("unsubscribe_hash");`);
    this.addSql(`create index "status_subscribers_page_id_created_at_index" on "status_subscribers" ("page_id", "created_at");`);

    this.addSql(`alter table "status_subscribers" add constraint "status_subscribers_page_id_foreign" foreign key ("page_id") references "status_pages" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "status_subscribers" add constraint "status_subscribers_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "status_subscribers" add constraint "status_subscribers_channel_id_foreign" foreign key ("channel_id") references "notification_channels" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "notification_channels" add column "subscriber" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "status_subscribers" cascade;`);

    this.addSql(`alter table "notification_channels" drop column "subscriber";`);
  }

}
