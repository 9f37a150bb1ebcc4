import { Migration } from '@mikro-orm/migrations';

export class Migration20261206050630 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "notification_deliveries" add column "due_since" timestamptz(3) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "notification_deliveries" drop column "due_since";`);
  }

}
