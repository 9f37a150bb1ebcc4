import { Migration } from '@mikro-orm/migrations';

/**
 * Escalation policies (issue 28): the policies, the planned steps of escalating alerts (one row per alert, step and
 * repeat), the timeline's notification and escalation lines, the spent one-click acknowledge links, and the
 * `escalation_policy_id` every check kind's table gets, and a channel's `remind_every_minutes`.
 */
export class Migration20261206002728 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "escalation_policies" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "steps" jsonb not null, "repeat_after_minutes" int null, "max_repeats" int not null default 0, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "escalation_policies_pkey" primary key ("id"));`);
    this.addSql(`create index "escalation_policies_organization_id_created_at_id_index" on "escalation_policies" ("organization_id", "created_at", "id");`);

    this.addSql(`create table "escalation_steps" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "alert_id" varchar(24) not null, "step" int not null, "repeat" int not null, "channel_ids" text[] not null, "due_at" timestamptz(3) not null, "status" varchar(10) not null default 'PLANNED', "sent_at" timestamptz(3) null, constraint "escalation_steps_pkey" primary key ("id"));`);
    this.addSql(`create index "escalation_steps_organization_id_index" on "escalation_steps" ("organization_id");`);
    this.addSql(`create index "escalation_steps_alert_id_index" on "escalation_steps" ("alert_id");`);
    this.addSql(`create index "escalation_steps_due_index" on "escalation_steps" ("due_at") where "status" = 'PLANNED';`);
    this.addSql(`alter table "escalation_steps" add constraint "escalation_steps_alert_step_repeat_unique" unique ("alert_id", "step", "repeat");`);

    this.addSql(`create table "alert_events" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "alert_id" varchar(24) not null, "type" varchar(16) not null, "at" timestamptz(3) not null, "step" int null, "repeat" int null, "channel_id" varchar(24) null, "delivery_id" varchar(24) null, constraint "alert_events_pkey" primary key ("id"));`);
    this.addSql(`create index "alert_events_organization_id_index" on "alert_events" ("organization_id");`);
    this.addSql(`create index "alert_events_alert_id_at_index" on "alert_events" ("alert_id", "at");`);

    this.addSql(`create table "ack_link_uses" ("nonce" varchar(32) not null, "alert_id" varchar(24) not null, "used_at" timestamptz(3) not null, constraint "ack_link_uses_pkey" primary key ("nonce"));`);
    this.addSql(`create index "ack_link_uses_alert_id_index" on "ack_link_uses" ("alert_id");`);

    this.addSql(`alter table "escalation_policies" add constraint "escalation_policies_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "escalation_steps" add constraint "escalation_steps_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "escalation_steps" add constraint "escalation_steps_alert_id_foreign" foreign key ("alert_id") references "alerts" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "alert_events" add constraint "alert_events_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "alert_events" add constraint "alert_events_alert_id_foreign" foreign key ("alert_id") references "alerts" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "ack_link_uses" add constraint "ack_link_uses_alert_id_foreign" foreign key ("alert_id") references "alerts" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "monitors" add column "escalation_policy_id" varchar(24) null;`);

    this.addSql(`alter table "journeys" add column "escalation_policy_id" varchar(24) null;`);

    this.addSql(`alter table "notification_channels" add column "remind_every_minutes" int null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "escalation_policies" cascade;`);

    this.addSql(`drop table if exists "escalation_steps" cascade;`);

    this.addSql(`drop table if exists "alert_events" cascade;`);

    this.addSql(`drop table if exists "ack_link_uses" cascade;`);

    this.addSql(`alter table "journeys" drop column "escalation_policy_id";`);

    this.addSql(`alter table "monitors" drop column "escalation_policy_id";`);

    this.addSql(`alter table "notification_channels" drop column "remind_every_minutes";`);
  }

}
