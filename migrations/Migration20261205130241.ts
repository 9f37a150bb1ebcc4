import { Migration } from '@mikro-orm/migrations';

export class Migration20261205130241 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "notification_confirmation_sends" ("id" varchar(24) not null, "address_hash" varchar(64) not null, "organization_id" varchar(24) not null, "sent_at" timestamptz(3) not null, constraint "notification_confirmation_sends_pkey" primary key ("id"));`);
    this.addSql(`create index "notification_confirmation_sends_sent_at_index" on "notification_confirmation_sends" ("sent_at");`);
    this.addSql(`create index "notification_confirmation_sends_organization_id_sent_at_index" on "notification_confirmation_sends" ("organization_id", "sent_at");`);
    this.addSql(`create index "notification_confirmation_sends_address_hash_sent_at_index" on "notification_confirmation_sends" ("address_hash", "sent_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notification_confirmation_sends" cascade;`);
  }

}
