import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, forbidden, notFound, type FieldError } from '../../errors';
import { ALL } from '../../authorization/scopes';
import type { Principal } from '../auth/principal';
import type { SecretBox } from '../checks/secret-box';
import { checkUrl } from '../checks/check-rules';
import type { MemberRole } from '../members/member.entity';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization.service';
import { audit, type Actor } from '../audit/audit';
import { newDomainToken, verifyClaim, type TxtLookup } from '../domains/domain-proof';
import { MAX_SSO_CONNECTIONS, MAX_SSO_DOMAINS, SsoConnection, SsoDomain } from './sso.entity';

export interface SsoServiceDeps {
  now: () => Date;
  /** The credentials' key: client secrets are sealed with it at rest. */
  secrets: SecretBox;
  /** ALLOW_PRIVATE_TARGETS: an issuer on a private or loopback address, or over plain http, is accepted. */
  allowPrivateTargets: boolean;
  /** Where domain proofs are looked up (DOMAIN_DNS_RESOLVER, or SSO_DNS_RESOLVER). */
  dns: TxtLookup;
}

export interface ConnectionWithDomains {
  connection: SsoConnection;
  domains: SsoDomain[];
}

export interface SsoConnectionInput {
  issuer: string;
  clientId: string;
  clientSecret: string;
  emailDomains: string[];
  defaultRole: MemberRole;
}

/** A domain name: labels of letters, digits and hyphens, with a dot, at most 253 characters. */
const DOMAIN = /^(?=.{3,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
const ownerOnly = (what: string) => forbidden({ missingScopes: [ALL] }, `Only an owner (a principal holding \`all\`) may ${what}`);

/** The domain of an email address, lower-cased; undefined when it has none. */
export const domainOf = (email: string): string | undefined => {
  const at = email.lastIndexOf('@');
  return at > 0 && at < email.length - 1 ? email.slice(at + 1).toLowerCase() : undefined;
};

/**
 * Single sign-on settings: an organization's OpenID Connect connections (each with the email domains it signs in,
 * a domain belonging to one connection in all of tracer) and `Organization.enforceSso`. Changes are OWNER only.
 */
export class SsoService {
  constructor(private readonly deps: SsoServiceDeps) {}

  /** The organization's connections, oldest first, each with its domains. */
  async list(em: EntityManager, organizationId: string): Promise<ConnectionWithDomains[]> {
    const connections = await em.find(SsoConnection, { organization: organizationId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const domains = connections.length ? await em.find(SsoDomain, { connection: { $in: connections.map((c) => c.id) } }, { orderBy: { domain: 'asc' } }) : [];
    return connections.map((connection) => ({ connection, domains: domains.filter((d) => d.connection.id === connection.id) }));
  }

  /**
   * Adds a connection (OWNER only), each of its domains PENDING with a fresh verification token. A domain another
   * connection holds VERIFIED, or one this organization already claims, is CONFLICT; other organizations' pending
   * claims do not stop it. The secret is sealed, never answered.
   */
  async create(em: EntityManager, principal: Principal, actor: Actor, input: SsoConnectionInput): Promise<ConnectionWithDomains> {
    if (!principal.held.has(ALL)) throw ownerOnly('add an SSO connection');
    const { issuer, domains } = this.validate(input);
    const now = this.deps.now();
    return em.transactional(async (tx) => {
      await lockOrganization(tx, actor.organizationId);
      if ((await tx.count(SsoConnection, { organization: actor.organizationId })) >= MAX_SSO_CONNECTIONS) throw conflict(`An organization has at most ${MAX_SSO_CONNECTIONS} SSO connections`);
      const taken = await tx.find(SsoDomain, { domain: { $in: domains }, $or: [{ status: 'VERIFIED' }, { connection: { organization: actor.organizationId } }] });
      if (taken.length) throw conflict(`${[...new Set(taken.map((d) => d.domain))].sort().join(', ')} already belongs to another SSO connection`);
      const connection = tx.create(SsoConnection, {
        organization: tx.getReference(Organization, actor.organizationId),
        issuer,
        clientId: input.clientId.trim(),
        clientSecretSealed: this.deps.secrets.seal(input.clientSecret),
        defaultRole: input.defaultRole,
        createdAt: now,
      });
      tx.persist(connection);
      const rows = domains.map((domain) => tx.create(SsoDomain, { domain, connection, status: 'PENDING', verificationToken: newDomainToken(), verifiedAt: null }));
      tx.persist(rows);
      audit(tx, actor, 'sso_connection.created', connection.id, now);
      await tx.flush();
      return { connection, domains: rows };
    });
  }

  /**
   * Proves one of a connection's domains (OWNER only): asks SSO_DNS_RESOLVER for the TXT records of
   * `_tracer-challenge.<domain>` and marks it VERIFIED when one is `tracer-domain-verification=<token>`; every other
   * connection's pending claim on the domain is then dropped. Another organization's connection, or a domain the
   * connection does not claim, is NOT_FOUND; a domain verified elsewhere first is CONFLICT; no such record is
   * BAD_USER_INPUT; a resolver that does not answer is SERVICE_UNAVAILABLE. Nothing changes unless it is VERIFIED.
   */
  async verifyDomain(em: EntityManager, principal: Principal, actor: Actor, connectionId: string, domainInput: string): Promise<ConnectionWithDomains> {
    const connection = await em.findOne(SsoConnection, { id: connectionId, organization: actor.organizationId });
    if (!connection) throw notFound('SSO connection');
    if (!principal.held.has(ALL)) throw ownerOnly('verify an SSO domain');
    const domain = typeof domainInput === 'string' ? domainInput.trim().toLowerCase().replace(/^@/, '') : '';
    if (!DOMAIN.test(domain)) throw badInput([{ field: 'domain', message: 'must be a domain name such as example.com' }]);
    const claim = await em.findOne(SsoDomain, { connection: connection.id, domain });
    if (!claim) throw notFound('SSO domain');
    if (claim.status !== 'VERIFIED') {
      const verified = await verifyClaim(em, this.deps.dns, {
        domain,
        token: claim.verificationToken,
        field: 'domain',
        takenMessage: `${domain} was verified by another SSO connection first`,
        verifiedElsewhere: async (tx) => (await tx.count(SsoDomain, { domain, status: 'VERIFIED' })) > 0,
        markVerified: (tx, at) =>
          tx.nativeUpdate(SsoDomain, { connection: connection.id, domain, status: 'PENDING' }, { status: 'VERIFIED', verifiedAt: at, checkedAt: at, missingSince: null }),
        settle: async (tx, at) => {
          await tx.nativeDelete(SsoDomain, { domain, status: 'PENDING', connection: { $ne: connection.id } });
          audit(tx, actor, 'sso_domain.verified', connection.id, at, [domain]);
        },
      }, this.deps.now);
      if (!verified) throw notFound('SSO domain');
    }
    const [fresh] = (await this.list(em.fork(), actor.organizationId)).filter((c) => c.connection.id === connection.id);
    return fresh;
  }

  /** Removes a connection of the caller's organization (OWNER only); another organization's is NOT_FOUND. */
  async delete(em: EntityManager, principal: Principal, actor: Actor, id: string): Promise<string> {
    await em.transactional(async (tx) => {
      const found = await tx.findOne(SsoConnection, { id, organization: actor.organizationId });
      if (!found) throw notFound('SSO connection');
      if (!principal.held.has(ALL)) throw ownerOnly('remove an SSO connection');
      await tx.nativeDelete(SsoConnection, { id });
      audit(tx, actor, 'sso_connection.deleted', id, this.deps.now());
    });
    return id;
  }

  /** Sets `Organization.enforceSso` (OWNER only); turning it on needs a connection with a VERIFIED domain first (CONFLICT). */
  async setEnforced(em: EntityManager, principal: Principal, actor: Actor, enforced: boolean): Promise<Organization> {
    if (!principal.held.has(ALL)) throw ownerOnly('change whether single sign-on is enforced');
    return em.transactional(async (tx) => {
      await lockOrganization(tx, actor.organizationId);
      const org = await tx.findOneOrFail(Organization, { id: actor.organizationId });
      if (enforced && !(await tx.count(SsoConnection, { organization: org.id }))) throw conflict('Add an SSO connection before enforcing single sign-on');
      // Pending domains bind nobody: enforcing with none verified would promise what nothing does.
      if (enforced && !(await tx.count(SsoDomain, { status: 'VERIFIED', connection: { organization: org.id } })))
        throw conflict('Verify at least one domain of an SSO connection (verifySsoDomain) before enforcing single sign-on');
      if (org.enforceSso !== enforced) {
        org.enforceSso = enforced;
        audit(tx, actor, 'organization.updated', org.id, this.deps.now(), ['enforceSso']);
        await tx.flush();
      }
      return org;
    });
  }

  /**
   * Whether a member may not sign in with a password: their organization enforces SSO and their email's domain
   * belongs to one of its connections. Read by the password sign-in (accounts) once the password is right.
   */
  async requiredFor(em: EntityManager, member: { organizationId: string; email: string }): Promise<boolean> {
    const domain = domainOf(member.email);
    if (!domain) return false;
    const rows = await em.getConnection().execute<{ one: number }[]>(
      `select 1 as one from organizations o join sso_connections c on c.organization_id = o.id join sso_domains d on d.connection_id = c.id
       where o.id = ? and o.enforce_sso and d.domain = ? and d.status = 'VERIFIED' limit 1`,
      [member.organizationId, domain],
    );
    return rows.length > 0;
  }

  private validate(input: SsoConnectionInput): { issuer: string; domains: string[] } {
    const errors: FieldError[] = [];
    const issuer = typeof input.issuer === 'string' ? input.issuer.trim().replace(/\/+$/, '') : '';
    errors.push(...checkUrl(issuer, 'issuer', { allowPrivateTargets: this.deps.allowPrivateTargets }));
    if (!errors.length) {
      const u = new URL(issuer);
      if (u.protocol !== 'https:' && !this.deps.allowPrivateTargets) errors.push({ field: 'issuer', message: 'must be an https URL' });
      if (u.search || u.hash) errors.push({ field: 'issuer', message: 'must not have a query or a fragment' });
      if (issuer.length > 512) errors.push({ field: 'issuer', message: 'must be at most 512 characters' });
    }
    const clientId = typeof input.clientId === 'string' ? input.clientId.trim() : '';
    if (!clientId || clientId.length > 256 || /[\u0000-\u001f]/.test(clientId)) errors.push({ field: 'clientId', message: 'must be 1 to 256 characters' });
    if (typeof input.clientSecret !== 'string' || !input.clientSecret || input.clientSecret.length > 1024 || /[\u0000-\u001f]/.test(input.clientSecret))
      errors.push({ field: 'clientSecret', message: 'must be 1 to 1024 characters' });
    const list = Array.isArray(input.emailDomains) ? input.emailDomains : [];
    const domains = [...new Set(list.map((d) => (typeof d === 'string' ? d.trim().toLowerCase().replace(/^@/, '') : '')))];
    if (!domains.length || domains.length > MAX_SSO_DOMAINS) errors.push({ field: 'emailDomains', message: `must name 1 to ${MAX_SSO_DOMAINS} domains` });
    domains.forEach((d, i) => {
      if (!DOMAIN.test(d)) errors.push({ field: `emailDomains[${i}]`, message: 'must be a domain name such as example.com' });
    });
    if (input.defaultRole === 'OWNER') errors.push({ field: 'defaultRole', message: 'may not be OWNER: owners are made by an owner, not by a first sign-in' });
    if (errors.length) throw badInput(errors);
    return { issuer, domains };
  }
}
