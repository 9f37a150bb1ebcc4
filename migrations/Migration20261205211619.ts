import { Migration } from '@mikro-orm/migrations';

export class Migration20261205211619 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "mfa_totp" ("id" varchar(24) not null, "member_id" varchar(24) not null, "secret_sealed" text not null, "last_step" int null, "created_at" timestamptz(3) not null, "confirmed_at" timestamptz(3) null, constraint "mfa_totp_pkey" primary key ("id"));`);
    this.addSql(`alter table "mfa_totp" add constraint "mfa_totp_member_id_unique" unique ("member_id");`);

    this.addSql(`create table "mfa_recovery_codes" ("id" varchar(24) not null, "member_id" varchar(24) not null, "code_hash" varchar(64) not null, "created_at" timestamptz(3) not null, "used_at" timestamptz(3) null, constraint "mfa_recovery_codes_pkey" primary key ("id"));`);
    this.addSql(`create index "mfa_recovery_codes_member_id_index" on "mfa_recovery_codes" ("member_id");`);
    this.addSql(`alter table "mfa_recovery_codes" add constraint "mfa_recovery_codes_code_hash_unique" unique ("code_hash");`);

    this.addSql(`alter table "mfa_totp" add constraint "mfa_totp_member_id_foreign" foreign key ("member_id") references "members" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "mfa_recovery_codes" add constraint "mfa_recovery_codes_member_id_foreign" foreign key ("member_id") references "members" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "organizations" add column "require_mfa" boolean not null default false;`);

    this.addSql(`alter table "members" add column "mfa_enabled_at" timestamptz(3) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mfa_totp" cascade;`);

    this.addSql(`drop table if exists "mfa_recovery_codes" cascade;`);

    this.addSql(`alter table "members" drop column "mfa_enabled_at";`);

    this.addSql(`alter table "organizations" drop column "require_mfa";`);
  }

}
