import { Migration } from '@mikro-orm/migrations';

export class Migration20261206002030 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "notification_channels" add column "credential" text null, add column "settings" jsonb not null default '{}', add column "broken_at" timestamptz(3) null, add column "broken_reason" varchar(500) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notification_channels" drop column "credential", drop column "settings", drop column "broken_at", drop column "broken_reason";`);
  }

}
