import { Migration } from '@mikro-orm/migrations';

export class Migration20261206032615 extends Migration {

  override async up(): Promise<void> {
    // Deliveries of one (channel, alert) are sent in the order they were made (ADR 0070): the alert they tell of,
    // and one sequence for their order (existing rows numbered by creation).
    this.addSql(`create sequence "notification_deliveries_seq";`);
    this.addSql(`alter table "notification_deliveries" add column "alert_id" varchar(24) null, add column "seq" bigint null;`);
    this.addSql(`update "notification_deliveries" d set "seq" = o.n, "alert_id" = case when d."status" = 'PENDING' then d."payload"->'data'->'alert'->>'id' end from (select "id", row_number() over (order by "created_at", "id") as n from "notification_deliveries") o where o."id" = d."id";`);
    this.addSql(`select setval('"notification_deliveries_seq"', coalesce((select max("seq") from "notification_deliveries"), 0) + 1, false);`);
    this.addSql(`alter table "notification_deliveries" alter column "seq" set default nextval('notification_deliveries_seq'), alter column "seq" set not null;`);
    this.addSql(`alter sequence "notification_deliveries_seq" owned by "notification_deliveries"."seq";`);
    this.addSql(`create index "notification_deliveries_order_index" on "notification_deliveries" ("channel_id", "alert_id", "seq") where "status" = 'PENDING' and "alert_id" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "notification_deliveries_order_index";`);
    this.addSql(`alter table "notification_deliveries" drop column "seq", drop column "alert_id";`);
  }

}
