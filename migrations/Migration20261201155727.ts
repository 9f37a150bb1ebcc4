import { Migration } from '@mikro-orm/migrations';

export class Migration20261201155727 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "alerts_journey_id_opened_at_id_index" on "alerts" ("journey_id", "opened_at", "id") where "journey_id" is not null;`);
    this.addSql(`create index "alerts_monitor_id_opened_at_id_index" on "alerts" ("monitor_id", "opened_at", "id") where "monitor_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "alerts_journey_id_opened_at_id_index";`);
    this.addSql(`drop index "alerts_monitor_id_opened_at_id_index";`);
  }

}
