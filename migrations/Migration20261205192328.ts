import { Migration } from '@mikro-orm/migrations';

export class Migration20261205192328 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "members_email_index" on "members" ("email");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "members_email_index";`);
  }

}
