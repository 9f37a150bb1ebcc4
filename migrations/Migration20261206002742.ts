import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 27's certificates, degraded state and retries: the columns of ProbedCheck on monitors and journeys, a
 * monitor's certificate settings, what a run records (degraded, attempts, their errors, the certificate), the
 * rollups' degraded count, and an alert's cause code: a check may now have one unresolved alert of each cause (its
 * failure and its certificate), so the unique index takes the code. Quota alerts get theirs.
 */
export class Migration20261206002742 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "monitors" add column "degraded_response_time_ms" int null, add column "retry_strategy" varchar(12) null, add column "retry_max_retries" int not null default 0, add column "retry_base_backoff_ms" int not null default 0, add column "tls_expiry_warning_days" int null default 14, add column "skip_tls_verification" boolean not null default false;`);

    this.addSql(`alter table "journeys" add column "degraded_response_time_ms" int null, add column "retry_strategy" varchar(12) null, add column "retry_max_retries" int not null default 0, add column "retry_base_backoff_ms" int not null default 0;`);

    this.addSql(`alter table "alerts" add column "cause_code" varchar(32) not null default 'CHECK_FAILED';`);
    this.addSql(`update "alerts" set "cause_code" = 'QUOTA_EXHAUSTED' where "subject" = 'quota';`);
    this.addSql(`drop index if exists "alerts_one_active_per_check";`);
    this.addSql(`create unique index "alerts_one_active_per_check" on "alerts" ("check_id", "cause_code") where "status" <> 'RESOLVED';`);

    this.addSql(`alter table "runs" add column "degraded" boolean not null default false, add column "attempts" smallint not null default 1, add column "attempt_errors" jsonb null, add column "tls" jsonb null;`);

    this.addSql(`alter table "run_rollups" add column "degraded" int not null default 0;`);
  }

  override async down(): Promise<void> {
    // Back to one unresolved alert per check: certificate alerts are resolved first.
    this.addSql(`update "alerts" set "status" = 'RESOLVED', "resolved_at" = now(), "resolved_by" = 'system', "resolved_by_name" = 'system' where "cause_code" = 'TLS_CERTIFICATE_EXPIRING' and "status" <> 'RESOLVED';`);
    this.addSql(`drop index if exists "alerts_one_active_per_check";`);
    this.addSql(`create unique index "alerts_one_active_per_check" on "alerts" ("check_id") where "status" <> 'RESOLVED';`);
    this.addSql(`alter table "alerts" drop column "cause_code";`);

    this.addSql(`alter table "journeys" drop column "degraded_response_time_ms", drop column "retry_strategy", drop column "retry_max_retries", drop column "retry_base_backoff_ms";`);

    this.addSql(`alter table "monitors" drop column "degraded_response_time_ms", drop column "retry_strategy", drop column "retry_max_retries", drop column "retry_base_backoff_ms", drop column "tls_expiry_warning_days", drop column "skip_tls_verification";`);

    this.addSql(`alter table "run_rollups" drop column "degraded";`);

    this.addSql(`alter table "runs" drop column "degraded", drop column "attempts", drop column "attempt_errors", drop column "tls";`);
  }

}
