import { Migration } from '@mikro-orm/migrations';

export class Migration20261205182221 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "password_tokens" ("id" varchar(24) not null, "member_id" varchar(24) not null, "token_hash" varchar(64) not null, "purpose" varchar(20) not null, "created_at" timestamptz(3) not null, "expires_at" timestamptz(3) not null, "used_at" timestamptz(3) null, constraint "password_tokens_pkey" primary key ("id"));`);
    this.addSql(`create index "password_tokens_member_id_index" on "password_tokens" ("member_id");`);
    this.addSql(`alter table "password_tokens" add constraint "password_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "sessions" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "member_id" varchar(24) not null, "token_hash" varchar(64) not null, "created_at" timestamptz(3) not null, "last_seen_at" timestamptz(3) not null, "expires_at" timestamptz(3) not null, "ip" varchar(64) null, "user_agent" varchar(256) null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_organization_id_index" on "sessions" ("organization_id");`);
    this.addSql(`alter table "sessions" add constraint "sessions_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "sessions_member_id_created_at_index" on "sessions" ("member_id", "created_at");`);

    this.addSql(`alter table "password_tokens" add constraint "password_tokens_member_id_foreign" foreign key ("member_id") references "members" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sessions" add constraint "sessions_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "sessions" add constraint "sessions_member_id_foreign" foreign key ("member_id") references "members" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "members" add column "password_hash" varchar(255) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "password_tokens" cascade;`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`alter table "members" drop column "password_hash";`);
  }

}
