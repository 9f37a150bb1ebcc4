import { Migration } from '@mikro-orm/migrations';

export class Migration20261126193107 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "organizations" ("id" varchar(24) not null, "name" varchar(100) not null, "created_at" timestamptz(3) not null, constraint "organizations_pkey" primary key ("id"));`);

    this.addSql(`create table "api_keys" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "name" varchar(100) not null, "hash" varchar(60) not null, "permissions" text[] not null, "expires_at" timestamptz(3) null, "revoked_at" timestamptz(3) null, "created_at" timestamptz(3) not null, "created_by" varchar(24) not null, "last_used_at" timestamptz(3) null, "last_used_ip" varchar(64) null, constraint "api_keys_pkey" primary key ("id"));`);
    this.addSql(`create index "api_keys_organization_id_created_at_index" on "api_keys" ("organization_id", "created_at");`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop constraint "api_keys_organization_id_foreign";`);

    this.addSql(`drop table if exists "organizations" cascade;`);

    this.addSql(`drop table if exists "api_keys" cascade;`);
  }

}
