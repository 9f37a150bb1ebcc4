import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Lru } from '../../common/lru';
import type { LiveBus } from '../../common/live-events';
import { StatusPage } from '../status-page.entity';
import { buildSnapshot, type Snapshot } from './snapshot';
import { statusHtml } from './html';
import { atomFeed } from './atom';
import { statuspageJson } from './statuspage-json';
import type { PublicUrl } from '../../common/public-url';

/** One answer, ready to send. */
export interface PublicBody {
  /** Encoded once, when rendered: every request sends the same bytes. */
  body: Buffer;
  etag: string;
  type: string;
}

/** How the page was reached: `/status/<slug>` on this server, or `/` on its custom domain. */
export type Variant = 'path' | 'domain';

interface Entry {
  at: number;
  org: string | null;
  snapshot: Snapshot | null;
  bodies: Map<string, PublicBody | null>;
}


const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('base64url')}"`;
const ready = (text: string, type: string): PublicBody => ({ body: Buffer.from(text), etag: etagOf(text), type });

/**
 * The public pages' answers, cached in memory per page: a visitor's request costs a Map lookup, and the database
 * is read at most once per page per `ttlMs` (5 s by default) whatever the traffic (one build at a time per page;
 * concurrent requests wait for it). A change drops the page at once on this instance: an incident or a page edit
 * (the services call `invalidate`), a check's status or an alert (the live events of its organization). Other
 * instances learn of it within `ttlMs` at the latest (their live listener usually tells them sooner).
 */
export class PublicStatus {
  private readonly pages = new Lru<string, Entry>(2_000);
  private readonly hosts = new Lru<string, { at: number; slug: string | null }>(2_000);
  private readonly building = new Map<string, Promise<Entry>>();
  /** Organizations with a cached page, and how to stop hearing their events. */
  private readonly listening = new Map<string, () => void>();

  constructor(
    private readonly orm: MikroORM,
    private readonly bus: LiveBus,
    private readonly now: () => Date,
    private readonly opts: { ttlMs: number; publicUrl: PublicUrl },
  ) {}

  /** Drops every cached page of the organization (a state it shows may have changed). */
  invalidate(organizationId: string): void {
    this.generation++;
    this.listening.get(organizationId)?.();
    this.listening.delete(organizationId);
    // Few pages per organization and a bounded cache: a scan is cheaper than keeping a second index right.
    for (const [slug, entry] of this.entries()) if (entry.org === organizationId) this.pages.delete(slug);
    this.hosts.clear();
  }

  /** The host tracer itself is served on (PUBLIC_URL's): never a page's custom domain, whatever a page says. */
  get ownHost(): string {
    return hostOf(String(this.opts.publicUrl));
  }

  /** The page of a custom domain as cached: a slug, null (no page), or undefined (not looked up lately: a query). */
  cachedSlugOfHost(host: string): string | null | undefined {
    const hit = this.hosts.get(host);
    return hit && Date.now() - hit.at < this.opts.ttlMs ? hit.slug : undefined;
  }

  /** The page of a custom domain (a Host header's name, lower case, no port), if any. */
  async slugOfHost(host: string): Promise<string | null> {
    const now = Date.now();
    const hit = this.cachedSlugOfHost(host);
    if (hit !== undefined) return hit;
    // Only a domain its page proved by DNS: a pending claim serves nothing.
    const page = await this.orm.em.fork().findOne(StatusPage, { customDomain: host, domainStatus: 'VERIFIED' }, { fields: ['slug'] });
    this.hosts.set(host, { at: now, slug: page?.slug ?? null });
    return page?.slug ?? null;
  }

  /** The answer for `document` of the page `slug`; null: no such page or document. */
  async body(slug: string, document: string, variant: Variant): Promise<PublicBody | null> {
    const entry = await this.entry(slug);
    if (!entry.snapshot) return null;
    const key = `${variant}|${document}`;
    if (entry.bodies.has(key)) return entry.bodies.get(key)!;
    const body = this.render(entry.snapshot, document, variant);
    entry.bodies.set(key, body);
    return body;
  }

  private render(s: Snapshot, document: string, variant: Variant): PublicBody | null {
    const base = variant === 'domain' && s.page.customDomain ? '' : `/status/${s.page.slug}`;
    const url = variant === 'domain' && s.page.customDomain ? `https://${s.page.customDomain}` : `${this.opts.publicUrl}/status/${s.page.slug}`;
    if (document === '') {
      return ready(statusHtml(s, { atom: `${base}/history.atom`, json: `${base}/api/v2/summary.json`, subscribe: `/status/${s.page.slug}/subscribe` }), 'text/html; charset=utf-8');
    }
    if (document === 'history.atom') {
      return ready(atomFeed(s, url), 'application/atom+xml; charset=utf-8');
    }
    if (!document.startsWith('api/v2/')) return null;
    const json = statuspageJson(s, url)[document.slice('api/v2/'.length)];
    if (json === undefined) return null;
    return ready(JSON.stringify(json), 'application/json; charset=utf-8');
  }

  private *entries(): Generator<[string, Entry]> {
    // Lru has no iterator of its own: keep the keys we put.
    for (const slug of this.slugs) {
      const e = this.pages.get(slug);
      if (e) yield [slug, e];
      else this.slugs.delete(slug);
    }
  }
  private readonly slugs = new Set<string>();
  /** Bumped by every invalidation: a build that overlapped one is not kept as fresh. */
  private generation = 0;

  private async entry(slug: string): Promise<Entry> {
    const hit = this.pages.get(slug);
    if (hit && Date.now() - hit.at < this.opts.ttlMs) return hit;
    let pending = this.building.get(slug);
    if (!pending) {
      pending = this.build(slug).finally(() => this.building.delete(slug));
      this.building.set(slug, pending);
    }
    return pending;
  }

  private async build(slug: string): Promise<Entry> {
    const at = Date.now();
    const generation = this.generation;
    const em = this.orm.em.fork();
    const page = await em.findOne(StatusPage, { slug });
    const entry: Entry = { at, org: page?.organization.id ?? null, snapshot: page ? await buildSnapshot(em, page, this.now()) : null, bodies: new Map() };
    if (generation !== this.generation) entry.at = 0; // answered once, rebuilt by the next request
    this.pages.set(slug, entry);
    if (entry.org) this.slugs.add(slug);
    if (entry.org && !this.listening.has(entry.org)) {
      const org = entry.org;
      // A check's status or an alert changes a component's state: drop the organization's pages on the event.
      this.listening.set(org, this.bus.on(org, (e) => (e.type === 'status' || e.type === 'alert') && this.invalidate(org)));
    }
    return entry;
  }
}

/** The lower-case host name of a URL ('' when it is not one). */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}
