import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, systemActorOf } from '../audit/audit';
import type { VerifiedClaim, VerifiedClaims } from '../domains/domain-recheck';

const SEP = '\u0000';

/** SSO connections' verified email domains, for the worker's re-check (domains/domain-recheck.ts). */
export const ssoDomainClaims: VerifiedClaims = {
  kind: 'sso_domain',

  async due(em, before, limit) {
    const rows = await em.execute<{ connection_id: string; domain: string; verification_token: string; missing_since: Date | null; organization_id: string }[]>(
      `select d.connection_id, d.domain, d.verification_token, d.missing_since, c.organization_id
         from sso_domains d join sso_connections c on c.id = d.connection_id
        where d.status = 'VERIFIED' and (d.checked_at is null or d.checked_at <= ?)
        order by d.checked_at asc nulls first limit ?`,
      [before, limit],
    );
    return rows.map((r) => ({ key: `${r.connection_id}${SEP}${r.domain}`, organizationId: r.organization_id, domain: r.domain, token: r.verification_token, missingSince: r.missing_since ? new Date(r.missing_since) : null }));
  },

  // Both writes name the token the lookup used: a domain removed and claimed again (a new token) while the re-check
  // was looking is not marked by a look at the old claim.
  async checked(em, claim, at, missingSince) {
    const [connectionId, domain] = claim.key.split(SEP);
    await em.execute(`update sso_domains set checked_at = ?, missing_since = ? where connection_id = ? and domain = ? and status = 'VERIFIED' and verification_token = ?`, [at, missingSince, connectionId, domain, claim.token]);
  },

  async unverify(tx: EntityManager, claim: VerifiedClaim, at: Date) {
    const [connectionId, domain] = claim.key.split(SEP);
    const changed = await tx.execute<{ domain: string }[]>(
      `update sso_domains set status = 'PENDING', verified_at = null, checked_at = null, missing_since = null
        where connection_id = ? and domain = ? and status = 'VERIFIED' and verification_token = ? returning domain`,
      [connectionId, domain, claim.token],
    );
    if (!changed.length) return false;
    audit(tx, systemActorOf(claim.organizationId, 'dns-recheck'), 'sso_domain.unverified', connectionId, at, [domain]);
    return true;
  },
};
