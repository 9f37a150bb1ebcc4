import { Migration } from '@mikro-orm/migrations';

export class Migration20261201102152 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "audit_events" add column "changed_fields" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "audit_events" drop column "changed_fields";`);
  }

}
