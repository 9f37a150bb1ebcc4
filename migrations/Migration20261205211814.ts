import { Migration } from '@mikro-orm/migrations';

export class Migration20261205211814 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "invitations" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "kind" varchar(8) not null, "email" varchar(254) null, "name" varchar(100) null, "role" varchar(8) not null, "token_hash" varchar(64) not null, "invited_by" varchar(254) not null, "created_at" timestamptz(3) not null, "expires_at" timestamptz(3) not null, constraint "invitations_pkey" primary key ("id"));`);
    this.addSql(`alter table "invitations" add constraint "invitations_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "invitations_organization_id_email_index" on "invitations" ("organization_id", "email");`);

    this.addSql(`alter table "invitations" add constraint "invitations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "invitations" cascade;`);
  }

}
