import { Migration } from '@mikro-orm/migrations';

/** Single sign-on (issue 25): OpenID Connect connections and their email domains, sign-in attempts in flight (state, nonce, PKCE verifier; single use), and Organization.enforceSso. */

export class Migration20261206002340 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "sso_connections" ("id" varchar(24) not null, "organization_id" varchar(24) not null, "issuer" varchar(512) not null, "client_id" varchar(256) not null, "client_secret_sealed" text not null, "default_role" varchar(8) not null, "created_at" timestamptz(3) not null, constraint "sso_connections_pkey" primary key ("id"));`);
    this.addSql(`create index "sso_connections_organization_id_index" on "sso_connections" ("organization_id");`);

    this.addSql(`create table "sso_attempts" ("id" varchar(24) not null, "connection_id" varchar(24) not null, "state_hash" varchar(64) not null, "nonce" varchar(128) not null, "code_verifier" varchar(128) not null, "redirect_uri" varchar(1024) not null, "expires_at" timestamptz(3) not null, constraint "sso_attempts_pkey" primary key ("id"));`);
    this.addSql(`create index "sso_attempts_connection_id_index" on "sso_attempts" ("connection_id");`);
    this.addSql(`alter table "sso_attempts" add constraint "sso_attempts_state_hash_unique" unique ("state_hash");`);
    this.addSql(`create index "sso_attempts_expires_at_index" on "sso_attempts" ("expires_at");`);

    this.addSql(`create table "sso_domains" ("domain" varchar(253) not null, "connection_id" varchar(24) not null, constraint "sso_domains_pkey" primary key ("domain"));`);
    this.addSql(`create index "sso_domains_connection_id_index" on "sso_domains" ("connection_id");`);

    this.addSql(`alter table "sso_connections" add constraint "sso_connections_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sso_attempts" add constraint "sso_attempts_connection_id_foreign" foreign key ("connection_id") references "sso_connections" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "sso_domains" add constraint "sso_domains_connection_id_foreign" foreign key ("connection_id") references "sso_connections" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "organizations" add column "enforce_sso" boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sso_attempts" drop constraint "sso_attempts_connection_id_foreign";`);

    this.addSql(`alter table "sso_domains" drop constraint "sso_domains_connection_id_foreign";`);

    this.addSql(`drop table if exists "sso_connections" cascade;`);

    this.addSql(`drop table if exists "sso_attempts" cascade;`);

    this.addSql(`drop table if exists "sso_domains" cascade;`);

    this.addSql(`alter table "organizations" drop column "enforce_sso";`);
  }

}
