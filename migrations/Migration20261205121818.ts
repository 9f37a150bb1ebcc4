import { Migration } from '@mikro-orm/migrations';

/**
 * EMAIL channels are confirmed through a link before anything but the confirmation is sent to them: when, and the
 * hash of the link's token. EMAIL channels that already exist count as confirmed as of their creation: an upgrade
 * must not silently stop a team's alerts, and the abuse the rule closes (mail to addresses nobody confirmed) is
 * bounded for them by the per-channel test throttle; every new or changed address is confirmed by its link. Stored masked URLs are rewritten to the origin-only form (mask-url.ts): credentials dropped, a path
 * or query as `/…`, labels left of the last two as `*` (a `co.uk`-like host shows one label less than the view's
 * rule would; views mask again on read either way).
 */
export class Migration20261205121818 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "notification_channels" add column "confirmed_at" timestamptz(3) null, add column "confirm_token_hash" varchar(64) null;`);
    this.addSql(`update "notification_channels" set "confirmed_at" = "created_at" where "type" = 'EMAIL';`);
    this.addSql(`create index "notification_channels_confirm_token_hash_index" on "notification_channels" ("confirm_token_hash");`);
    this.addSql(`update "notification_channels" c set "masked_url" = m[1] || (case when m[2] ~ '^\\[' or m[2] ~ '^[0-9.]+$' or m[2] !~ '\\..*\\.' then m[2] else '*.' || substring(m[2] from '([^.]+\\.[^.]+)$') end)
        || coalesce(m[3], '') || (case when m[4] in ('', '/') then '' else '/…' end)
      from (select id, regexp_match("masked_url", '^(https?://)(?:[^@/]*@)?(\\[[^\\]]*\\]|[^:/?#]*)(:[0-9]+)?(.*)$') as m from "notification_channels" where "masked_url" is not null) x
      where x.id = c.id and x.m is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "notification_channels_confirm_token_hash_index";`);
    this.addSql(`alter table "notification_channels" drop column "confirmed_at", drop column "confirm_token_hash";`);
  }

}
