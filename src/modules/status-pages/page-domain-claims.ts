import type { EntityManager } from '@mikro-orm/postgresql';
import { audit, systemActorOf } from '../audit/audit';
import type { VerifiedClaim, VerifiedClaims } from '../domains/domain-recheck';
import type { PageChanged } from './status-page.service';

/**
 * Status pages' verified custom domains, for the worker's re-check (domains/domain-recheck.ts). A domain made
 * PENDING stops serving its page at once on this instance (`changed` drops the cached host), within
 * STATUS_PAGE_CACHE_MS on the others.
 */
export function pageDomainClaims(changed: PageChanged): VerifiedClaims {
  return {
    kind: 'status_page_domain',

    async due(em, before, limit) {
      const rows = await em.execute<{ id: string; organization_id: string; custom_domain: string; domain_token: string; domain_missing_since: Date | null }[]>(
        `select id, organization_id, custom_domain, domain_token, domain_missing_since from status_pages
          where domain_status = 'VERIFIED' and (domain_checked_at is null or domain_checked_at <= ?)
          order by domain_checked_at asc nulls first limit ?`,
        [before, limit],
      );
      return rows.map((r) => ({ key: r.id, organizationId: r.organization_id, domain: r.custom_domain, token: r.domain_token, missingSince: r.domain_missing_since ? new Date(r.domain_missing_since) : null }));
    },

    // Both writes name the token the lookup used: a domain changed away and back (a new token) while the re-check
    // was looking is not marked by a look at the old claim.
    async checked(em, claim, at, missingSince) {
      await em.execute(`update status_pages set domain_checked_at = ?, domain_missing_since = ? where id = ? and domain_status = 'VERIFIED' and custom_domain = ? and domain_token = ?`, [
        at,
        missingSince,
        claim.key,
        claim.domain,
        claim.token,
      ]);
    },

    async unverify(tx: EntityManager, claim: VerifiedClaim, at: Date) {
      const gone = await tx.execute<{ id: string }[]>(
        `update status_pages set domain_status = 'PENDING', domain_verified_at = null, domain_checked_at = null, domain_missing_since = null, updated_at = ?
          where id = ? and domain_status = 'VERIFIED' and custom_domain = ? and domain_token = ? returning id`,
        [at, claim.key, claim.domain, claim.token],
      );
      if (!gone.length) return false;
      audit(tx, systemActorOf(claim.organizationId, 'dns-recheck'), 'status_page.domain_unverified', claim.key, at, [claim.domain]);
      return true;
    },

    unverified(claim) {
      changed(claim.organizationId);
    },
  };
}
