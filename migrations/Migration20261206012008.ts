import { Migration } from '@mikro-orm/migrations';

export class Migration20261206012008 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "heartbeats" add column "escalation_policy_id" varchar(24) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "heartbeats" drop column "escalation_policy_id";`);
  }

}
