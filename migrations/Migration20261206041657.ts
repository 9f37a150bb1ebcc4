import { Migration } from '@mikro-orm/migrations';

export class Migration20261206041657 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "notification_deliveries_pending_due_index" on "notification_deliveries" ((coalesce("next_attempt_at", "created_at"))) where "status" = 'PENDING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "notification_deliveries_pending_due_index";`);
  }

}
