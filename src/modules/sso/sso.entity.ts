import { Entity, Index, ManyToOne, PrimaryKey, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../organization/organization.entity';
import type { MemberRole } from '../members/member.entity';
import { newId } from '../common/ids';

/** At most this many connections per organization; each has at most MAX_SSO_DOMAINS domains. */
export const MAX_SSO_CONNECTIONS = 10;
export const MAX_SSO_DOMAINS = 20;

/** An organization's OpenID Connect provider: who signs its members in when their email is in one of its domains. */
@Entity({ tableName: 'sso_connections' })
export class SsoConnection {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('sso');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade', index: true })
  organization!: Ref<Organization>;

  /** The provider's issuer URL, as its discovery document and its ID tokens name it. */
  @Property({ type: 'string', length: 512 })
  issuer!: string;

  @Property({ type: 'string', length: 256 })
  clientId!: string;

  /** Sealed with the credentials' key (SecretBox); never answered. */
  @Property({ type: 'text', hidden: true })
  clientSecretSealed!: string;

  /** The role of a member made at their first sign-in through this connection. */
  @Property({ type: 'string', length: 8 })
  defaultRole!: MemberRole;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  createdAt: Date = new Date();
}

/** PENDING until its owner proves it by DNS (`verifySsoDomain`); only a VERIFIED domain signs anyone in. */
export type SsoDomainStatus = 'PENDING' | 'VERIFIED';

/**
 * An email domain a connection claims. Several connections (of several organizations) may claim one domain while
 * it is PENDING; at most one holds it VERIFIED (the partial unique index): the first to publish its TXT record.
 */
@Entity({ tableName: 'sso_domains' })
@Index({ name: 'sso_domains_verified_unique', expression: 'create unique index "sso_domains_verified_unique" on "sso_domains" ("domain") where "status" = \'VERIFIED\'' })
export class SsoDomain {
  [PrimaryKeyProp]?: ['connection', 'domain'];

  @ManyToOne(() => SsoConnection, { ref: true, deleteRule: 'cascade', primary: true })
  connection!: Ref<SsoConnection>;

  /** Lower-case, without `@`: `example.com`. */
  @PrimaryKey({ type: 'string', length: 253 })
  domain!: string;

  @Property({ type: 'string', length: 8 })
  status!: SsoDomainStatus;

  /** Random, 256 bits in base64url: published as `tracer-domain-verification=<token>` at `_tracer-challenge.<domain>`. */
  @Property({ type: 'string', length: 64 })
  verificationToken!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  verifiedAt?: Date | null;

  /** When the worker last looked for the record of this VERIFIED domain (domains/domain-recheck.ts); null: not yet. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  checkedAt?: Date | null;

  /** Since when the record has been missing at every re-check; null: found at the last one. */
  @Property({ type: 'Date', columnType: 'timestamptz(3)', nullable: true })
  missingSince?: Date | null;
}

/**
 * A sign-in begun at `/auth/sso/start` and not finished: what the callback checks the provider's answer against.
 * Found by the hash of its state (the browser holds the state in a cookie too) and deleted by the callback that
 * uses it, so a state works once.
 */
@Entity({ tableName: 'sso_attempts' })
@Index({ properties: ['expiresAt'] })
export class SsoAttempt {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('ssa');

  @ManyToOne(() => SsoConnection, { ref: true, deleteRule: 'cascade', index: true })
  connection!: Ref<SsoConnection>;

  @Property({ type: 'string', length: 64, unique: true })
  stateHash!: string;

  @Property({ type: 'string', length: 128 })
  nonce!: string;

  /** The PKCE verifier; useless without the code the provider gives only to this browser. */
  @Property({ type: 'string', length: 128 })
  codeVerifier!: string;

  @Property({ type: 'string', length: 1024 })
  redirectUri!: string;

  @Property({ type: 'Date', columnType: 'timestamptz(3)' })
  expiresAt!: Date;
}
