import { Migration } from '@mikro-orm/migrations';

export class Migration20261205122332 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "runs" add column "triggered_by" varchar(24) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "runs" drop column "triggered_by";`);
  }

}
