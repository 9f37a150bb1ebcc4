import { Migration } from '@mikro-orm/migrations';

export class Migration20261206015325 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "sso_domains_connection_id_index";`);
    this.addSql(`alter table "sso_domains" drop constraint "sso_domains_pkey";`);

    // Domains claimed before the DNS proof existed were made under the old rule: they stay VERIFIED (and routing).
    this.addSql(`alter table "sso_domains" add column "status" varchar(8) not null default 'VERIFIED', add column "verification_token" varchar(64) not null default '', add column "verified_at" timestamptz(3) null;`);
    this.addSql(`update "sso_domains" set "verification_token" = md5(random()::text || clock_timestamp()::text || "domain") || md5(random()::text || "connection_id"), "verified_at" = now();`);
    this.addSql(`alter table "sso_domains" alter column "status" drop default, alter column "verification_token" drop default;`);
    this.addSql(`create unique index "sso_domains_verified_unique" on "sso_domains" ("domain") where "status" = 'VERIFIED';`);
    this.addSql(`alter table "sso_domains" add constraint "sso_domains_pkey" primary key ("connection_id", "domain");`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "sso_domains" where "status" <> 'VERIFIED';`);
    this.addSql(`drop index "sso_domains_verified_unique";`);
    this.addSql(`alter table "sso_domains" drop constraint "sso_domains_pkey";`);
    this.addSql(`alter table "sso_domains" drop column "status", drop column "verification_token", drop column "verified_at";`);

    this.addSql(`create index "sso_domains_connection_id_index" on "sso_domains" ("connection_id");`);
    this.addSql(`alter table "sso_domains" add constraint "sso_domains_pkey" primary key ("domain");`);
  }

}
