import { Migration } from '@mikro-orm/migrations';

export class Migration20261206014355 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "dns_monitors" add column "degraded_response_time_ms" int null, add column "retry_strategy" varchar(12) null, add column "retry_max_retries" int not null default 0, add column "retry_base_backoff_ms" int not null default 0;`);

    this.addSql(`alter table "tcp_monitors" add column "degraded_response_time_ms" int null, add column "retry_strategy" varchar(12) null, add column "retry_max_retries" int not null default 0, add column "retry_base_backoff_ms" int not null default 0;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "dns_monitors" drop column "degraded_response_time_ms", drop column "retry_strategy", drop column "retry_max_retries", drop column "retry_base_backoff_ms";`);

    this.addSql(`alter table "tcp_monitors" drop column "degraded_response_time_ms", drop column "retry_strategy", drop column "retry_max_retries", drop column "retry_base_backoff_ms";`);
  }

}
