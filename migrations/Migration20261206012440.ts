import { Migration } from '@mikro-orm/migrations';

export class Migration20261206012440 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "dns_monitors" add column "escalation_policy_id" varchar(24) null;`);

    this.addSql(`alter table "tcp_monitors" add column "escalation_policy_id" varchar(24) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "dns_monitors" drop column "escalation_policy_id";`);

    this.addSql(`alter table "tcp_monitors" drop column "escalation_policy_id";`);
  }

}
