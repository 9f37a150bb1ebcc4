import { Migration } from '@mikro-orm/migrations';

export class Migration20261201104637 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "alerts" add column "locations" text[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "alerts" drop column "locations";`);
  }

}
