import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, conflict, notFound, type FieldError } from '../../errors';
import { unknownCheckErrors } from '../checks/check-ids';
import { nameErrors } from '../common/names';
import { paginate, type Page, type PageArgs } from '../common/pagination';
import { audit, type Actor } from '../audit/audit';
import { Organization } from '../organization/organization.entity';
import { lockOrganization } from '../organization/organization-lock';
import { StatusComponent, StatusPage } from './status-page.entity';
import { newDomainToken, verifyClaim, type TxtLookup } from '../domains/domain-proof';
import { checkFacts, componentState, type ComponentState } from './component-state';

export interface ComponentInput {
  /** An existing component of the page to keep (its id stays, so incidents naming it still do); none: a new one. */
  id?: string | null;
  name: string;
  description?: string | null;
  checkIds?: string[] | null;
  /** Open a draft incident when an alert opens on one of its checks (default false). */
  autoDraftIncident?: boolean | null;
}

export interface PageInput {
  name?: string | null;
  slug?: string | null;
  components?: ComponentInput[] | null;
  customDomain?: string | null;
  showUptime?: boolean | null;
}

export const MAX_COMPONENTS = 50;
export const MAX_CHECKS_PER_COMPONENT = 100;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;
// A host name (RFC 1123 labels), at least two labels, no port, no trailing dot.
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Slugs that would shadow the page's own paths. */
const RESERVED_SLUGS = new Set(['api', 'assets', 'static', 'unsubscribe']);

/** Told after a commit that changed what a page shows (its public cache drops the page). */
export type PageChanged = (organizationId: string) => void;

/**
 * Status pages of one organization and their components. A component names checks; its state is derived from
 * them when read (component-state.ts), never stored, so it cannot disagree with the checks.
 */
export class StatusPageService {
  constructor(
    private readonly now: () => Date,
    /** `ownHost`: the host tracer is served on (PUBLIC_URL's), which no page may take as its custom domain. */
    private readonly opts: { maxPages: number; ownHost?: string },
    private readonly changed: PageChanged,
    /** Told in the delete's transaction (subscribers' channels go with the page). */
    private readonly deleting: { hook: ((tx: EntityManager, pageId: string) => Promise<void>) | null } = { hook: null },
    /** Where custom domains are proven (`verifyDomain`). */
    private readonly dns?: TxtLookup,
  ) {}

  list(em: EntityManager, organizationId: string, args: PageArgs): Promise<Page<StatusPage>> {
    return paginate(em, StatusPage, { organization: organizationId }, 'createdAt', args);
  }

  async get(em: EntityManager, organizationId: string, id: string): Promise<StatusPage> {
    const page = await em.findOne(StatusPage, { id, organization: organizationId });
    if (!page) throw notFound('Status page');
    return page;
  }

  components(em: EntityManager, pageId: string): Promise<StatusComponent[]> {
    return em.find(StatusComponent, { page: pageId }, { orderBy: { position: 'asc' } });
  }

  /** Every component's state now (one set of statements for all of them). */
  async states(em: EntityManager, organizationId: string, components: readonly StatusComponent[]): Promise<Map<string, ComponentState>> {
    const facts = await checkFacts(em, organizationId, components.flatMap((c) => c.checkIds), this.now());
    return new Map(components.map((c) => [c.id, componentState(c.checkIds.flatMap((id) => facts.get(id) ?? []))]));
  }

  async create(em: EntityManager, actor: Actor, input: PageInput): Promise<StatusPage> {
    const errors = [...this.inputErrors(input, true), ...(await this.checkErrors(em, actor.organizationId, input))];
    if (errors.length) throw badInput(errors);
    const page = await em.transactional(async (tx) => {
      await lockOrganization(tx, actor.organizationId);
      const count = await tx.count(StatusPage, { organization: actor.organizationId });
      if (count >= this.opts.maxPages) throw conflict(`The organization has ${count} status pages, the most it may have (${this.opts.maxPages})`);
      await this.assertFree(tx, actor.organizationId, input, null);
      const now = this.now();
      const page = tx.create(StatusPage, {
        organization: tx.getReference(Organization, actor.organizationId),
        name: input.name!.trim(),
        slug: input.slug!,
        ...domainClaim(input.customDomain),
        showUptime: input.showUptime ?? true,
        createdAt: now,
        updatedAt: now,
      });
      this.writeComponents(tx, page, [], input.components ?? [], now);
      audit(tx, actor, 'status_page.created', page.id, now);
      return page;
    });
    this.changed(actor.organizationId);
    return page;
  }

  async update(em: EntityManager, actor: Actor, id: string, input: PageInput): Promise<StatusPage> {
    const page = await this.get(em, actor.organizationId, id);
    const existing = await this.components(em, page.id);
    const known = new Set(existing.map((c) => c.id));
    const errors = [...this.inputErrors(input, false), ...(await this.checkErrors(em, actor.organizationId, input))];
    (input.components ?? []).forEach((c, i) => {
      if (c.id && !known.has(c.id)) errors.push({ field: `components[${i}].id`, message: 'no component of this page has this id' });
    });
    if (errors.length) throw badInput(errors);
    await em.transactional(async (tx) => {
      await this.assertFree(tx, actor.organizationId, input, page.id);
      const now = this.now();
      const p = tx.merge(page);
      if (input.name != null) p.name = input.name.trim();
      if (input.slug != null) p.slug = input.slug;
      // A new domain (or none) is a new claim: pending with a new token, whatever the old one was.
      if (input.customDomain !== undefined && (input.customDomain?.toLowerCase() || null) !== p.customDomain) Object.assign(p, domainClaim(input.customDomain));
      if (input.showUptime != null) p.showUptime = input.showUptime;
      if (input.components != null) this.writeComponents(tx, p, existing.map((c) => tx.merge(c)), input.components, now);
      p.updatedAt = now;
      audit(tx, actor, 'status_page.updated', p.id, now);
    });
    this.changed(actor.organizationId);
    return page;
  }

  async delete(em: EntityManager, actor: Actor, id: string): Promise<string> {
    const page = await this.get(em, actor.organizationId, id);
    await em.transactional(async (tx) => {
      await this.deleting.hook?.(tx, id);
      tx.remove(tx.merge(page));
      audit(tx, actor, 'status_page.deleted', id, this.now());
    });
    this.changed(actor.organizationId);
    return id;
  }

  /** Replaces the page's components by `wanted`, in its order: kept ones by id, new ones created, the rest removed. */
  private writeComponents(tx: EntityManager, page: StatusPage, existing: StatusComponent[], wanted: ComponentInput[], now: Date): void {
    const byId = new Map(existing.map((c) => [c.id, c]));
    const kept = new Set<string>();
    wanted.forEach((w, position) => {
      const fields = { name: w.name.trim(), description: w.description?.trim() || null, checkIds: [...new Set(w.checkIds ?? [])], autoDraftIncident: w.autoDraftIncident ?? false, position, updatedAt: now };
      const old = w.id ? byId.get(w.id) : undefined;
      if (old) {
        Object.assign(old, fields);
        kept.add(old.id);
      } else {
        tx.create(StatusComponent, { ...fields, page, organization: page.organization, createdAt: now });
      }
    });
    for (const c of existing) if (!kept.has(c.id)) tx.remove(c);
  }

  /**
   * Slugs are unique across organizations; a custom domain is taken once a page holds it VERIFIED, or by another page
   * of the same organization. Other organizations' pending claims do not stop a claim: the first to prove it wins.
   * Taken is CONFLICT (it says no more than that it is taken).
   */
  private async assertFree(tx: EntityManager, organizationId: string, input: PageInput, self: string | null): Promise<void> {
    const notSelf = self ? { id: { $ne: self } } : {};
    if (input.slug && (await tx.count(StatusPage, { slug: input.slug, ...notSelf }))) throw conflict('This slug is taken; choose another');
    const domain = input.customDomain?.toLowerCase();
    if (domain && (await tx.count(StatusPage, { customDomain: domain, ...notSelf, $or: [{ domainStatus: 'VERIFIED' }, { organization: organizationId }] })))
      throw conflict('This custom domain is used by another status page');
  }

  /**
   * Proves the page's custom domain by DNS (domains/domain-proof.ts): VERIFIED when the TXT record is found, then
   * the only page `GET /` on that host serves; other pages' pending claims on it are dropped (their custom domain
   * is cleared). No custom domain is BAD_USER_INPUT; verified by another page first, CONFLICT. Verified already:
   * answered unchanged, no lookup.
   */
  async verifyDomain(em: EntityManager, actor: Actor, id: string): Promise<StatusPage> {
    const page = await this.get(em, actor.organizationId, id);
    const domain = page.customDomain;
    if (!domain || !page.domainToken) throw badInput([{ field: 'customDomain', message: 'the page has no custom domain to verify' }]);
    if (page.domainStatus === 'VERIFIED') return page;
    if (!this.dns) throw new Error('StatusPageService: no DNS lookup configured');
    const dropped: string[] = [];
    const verified = await verifyClaim(em, this.dns, {
      domain,
      token: page.domainToken,
      field: 'customDomain',
      takenMessage: `${domain} was verified by another status page first`,
      verifiedElsewhere: async (tx) => (await tx.count(StatusPage, { customDomain: domain, domainStatus: 'VERIFIED', id: { $ne: page.id } })) > 0,
      markVerified: (tx, at) =>
        tx.nativeUpdate(
          StatusPage,
          { id: page.id, customDomain: domain, domainToken: page.domainToken, domainStatus: 'PENDING' },
          { domainStatus: 'VERIFIED', domainVerifiedAt: at, domainCheckedAt: at, domainMissingSince: null },
        ),
      settle: async (tx, at) => {
        const others = await tx.find(StatusPage, { customDomain: domain, domainStatus: 'PENDING', id: { $ne: page.id } }, { fields: ['id', 'organization'] });
        dropped.push(...others.map((o) => o.organization.id));
        if (others.length) await tx.nativeUpdate(StatusPage, { id: { $in: others.map((o) => o.id) } }, { ...domainClaim(null), updatedAt: at });
        audit(tx, actor, 'status_page.domain_verified', page.id, at, [domain]);
      },
    }, this.now);
    if (!verified) throw notFound('Status page');
    for (const org of new Set([actor.organizationId, ...dropped])) this.changed(org);
    return em.fork().findOneOrFail(StatusPage, { id: page.id });
  }

  private async checkErrors(em: EntityManager, organizationId: string, input: PageInput): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const [i, c] of (input.components ?? []).entries()) errors.push(...(await unknownCheckErrors(em, organizationId, c.checkIds ?? [], `components[${i}].checkIds`)));
    return errors;
  }

  inputErrors(input: PageInput, creating: boolean): FieldError[] {
    const errors: FieldError[] = [];
    if (creating || input.name != null) errors.push(...textErrors('name', input.name, 100));
    if (creating || input.slug != null) {
      if (!input.slug || !SLUG.test(input.slug)) errors.push({ field: 'slug', message: 'must be 1 to 50 lower-case letters, digits and inner hyphens' });
      else if (RESERVED_SLUGS.has(input.slug)) errors.push({ field: 'slug', message: 'is reserved' });
    }
    if (input.customDomain && !HOST.test(input.customDomain.toLowerCase()))
      errors.push({ field: 'customDomain', message: 'must be a host name such as status.example.com (no scheme, port or path)' });
    else if (input.customDomain && this.opts.ownHost && input.customDomain.toLowerCase() === this.opts.ownHost)
      errors.push({ field: 'customDomain', message: "is tracer's own host (PUBLIC_URL): a page cannot take it" });
    const components = input.components ?? [];
    if (components.length > MAX_COMPONENTS) errors.push({ field: 'components', message: `at most ${MAX_COMPONENTS}` });
    const ids = components.map((c) => c.id).filter(Boolean);
    if (new Set(ids).size !== ids.length) errors.push({ field: 'components', message: 'a component id appears twice' });
    components.forEach((c, i) => {
      errors.push(...textErrors(`components[${i}].name`, c.name, 100));
      if (c.description && (c.description.length > 500 || /[\p{Cc}]/u.test(c.description.replace(/\n/g, ''))))
        errors.push({ field: `components[${i}].description`, message: 'must be at most 500 characters, without control characters' });
      if ((c.checkIds ?? []).length > MAX_CHECKS_PER_COMPONENT) errors.push({ field: `components[${i}].checkIds`, message: `at most ${MAX_CHECKS_PER_COMPONENT} checks` });
    });
    return errors;
  }
}

/** The custom-domain columns of a new claim on `domain` (pending, a fresh token), or of none. */
function domainClaim(domain: string | null | undefined): Pick<StatusPage, 'customDomain' | 'domainStatus' | 'domainToken' | 'domainVerifiedAt' | 'domainCheckedAt' | 'domainMissingSince'> {
  const d = domain ? domain.toLowerCase() : null;
  return { customDomain: d, domainStatus: d ? 'PENDING' : null, domainToken: d ? newDomainToken() : null, domainVerifiedAt: null, domainCheckedAt: null, domainMissingSince: null };
}

/** A name shown to the public: not blank, at most `max` characters, no control characters. */
export function textErrors(field: string, value: string | null | undefined, max: number): FieldError[] {
  if (!value?.trim()) return [{ field, message: 'must not be blank' }];
  if (value.length > max) return [{ field, message: `must be at most ${max} characters` }];
  return nameErrors(field, value);
}
