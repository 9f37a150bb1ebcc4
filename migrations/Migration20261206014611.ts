import { Migration } from '@mikro-orm/migrations';

export class Migration20261206014611 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "status_components" add column "auto_draft_incident" boolean not null default false;`);

    this.addSql(`alter table "status_incidents" add column "published" boolean not null default true, add column "alert_id" varchar(24) null;`);
    this.addSql(`alter table "status_incidents" add constraint "status_incidents_one_draft_per_alert" unique ("alert_id", "component_ids");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "status_components" drop column "auto_draft_incident";`);

    this.addSql(`alter table "status_incidents" drop constraint "status_incidents_one_draft_per_alert";`);
    this.addSql(`alter table "status_incidents" drop column "published", drop column "alert_id";`);
  }

}
