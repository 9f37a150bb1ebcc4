import { Migration } from '@mikro-orm/migrations';

export class Migration20261206033938 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "sso_domains" add column "checked_at" timestamptz(3) null, add column "missing_since" timestamptz(3) null;`);

    this.addSql(`alter table "status_pages" drop constraint "status_pages_custom_domain_unique";`);

    this.addSql(`alter table "status_pages" add column "domain_status" varchar(8) null, add column "domain_token" varchar(64) null, add column "domain_verified_at" timestamptz(3) null, add column "domain_checked_at" timestamptz(3) null, add column "domain_missing_since" timestamptz(3) null;`);
    // Custom domains set before the DNS proof existed were served under the old rule: they stay VERIFIED (and
    // serving), each with a token of its own, not yet re-checked: the worker's first re-check looks for the record,
    // and one missing for 7 days from then makes the domain PENDING (docs/adr/0072).
    this.addSql(`update "status_pages" set "domain_status" = 'VERIFIED', "domain_token" = md5(random()::text || clock_timestamp()::text || "custom_domain") || md5(random()::text || "id"), "domain_verified_at" = now() where "custom_domain" is not null;`);
    this.addSql(`create unique index "status_pages_domain_verified_unique" on "status_pages" ("custom_domain") where "domain_status" = 'VERIFIED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sso_domains" drop column "checked_at", drop column "missing_since";`);

    this.addSql(`drop index "status_pages_domain_verified_unique";`);
    // Pending claims may share a domain: only verified ones keep it under the old unique rule.
    this.addSql(`update "status_pages" set "custom_domain" = null where "domain_status" is distinct from 'VERIFIED';`);
    this.addSql(`alter table "status_pages" drop column "domain_status", drop column "domain_token", drop column "domain_verified_at", drop column "domain_checked_at", drop column "domain_missing_since";`);

    this.addSql(`alter table "status_pages" add constraint "status_pages_custom_domain_unique" unique ("custom_domain");`);
  }

}
