/**
 * Custom domains of status pages proven by DNS (verifyStatusPageDomain) against a DNS server on 127.0.0.1: a claim
 * serves nothing until its TXT record is found, the first organization to prove a domain holds it (other claims are
 * dropped, a race is settled by the unique index), and a changed domain starts over. The app is given only
 * SSO_DNS_RESOLVER, the older name of the resolver setting, which status pages read too. Also here: the worker's
 * daily re-check of verified domains (SSO's and status pages'), driven by the app clock.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSsoConnectionDocument,
  CreateStatusPageDocument,
  SsoConnectionsDocument,
  StatusPageDocument,
  UpdateStatusPageDocument,
  VerifySsoDomainDocument,
  VerifyStatusPageDomainDocument,
} from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server';
import { openTestDatabase } from '../helpers/database';
import { migratorOf } from '../../src/db/database';

let t: TestApp;
let dns: TestDnsServer;
let a: Awaited<ReturnType<TestApp['key']>>;
let b: Awaited<ReturnType<TestApp['key']>>;

/** `GET /` with a Host header: the page's HTML (200) or the dashboard's redirect (302). */
function home(host: string): Promise<{ status: number; body: string }> {
  const url = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: '/', headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

const create = async (client: typeof a, slug: string, customDomain: string) => {
  const res = await client.client.gql(CreateStatusPageDocument, { input: { name: `Page ${slug}`, slug, customDomain } });
  expect(res.errors).toBeUndefined();
  return res.data!.createStatusPage;
};
const verifyPage = (client: typeof a, id: string) => client.client.gql(VerifyStatusPageDomainDocument, { id });
const proofOf = async (client: typeof a, id: string) => (await client.client.gql(StatusPageDocument, { id })).data!.statusPage.customDomainVerification;

beforeAll(async () => {
  dns = await startDnsServer();
  t = await startTestApp({ SSO_DNS_RESOLVER: dns.address, DOMAIN_RECHECK_TICK_MS: '100', PUBLIC_URL: 'https://tracer.example', STATUS_PAGE_CACHE_MS: '50', STATUS_PAGE_RATE_LIMIT_PER_MINUTE: '100000' });
  a = await t.key(await t.org('Alpha'), ['all']);
  b = await t.key(await t.org('Beta'), ['all']);
});
afterAll(async () => {
  await t?.close();
  await dns?.close();
});

describe('verifyStatusPageDomain', () => {
  it('serves a custom domain only once its TXT record is found; a missing record or a silent DNS server change nothing', async () => {
    const page = await create(a, 'alpha', 'Status.Alpha.example');
    const proof = page.customDomainVerification!;
    expect(proof).toMatchObject({ domain: 'status.alpha.example', status: 'PENDING', verificationName: '_tracer-challenge.status.alpha.example', verifiedAt: null });
    expect(proof.verificationRecord).toMatch(/^tracer-domain-verification=[A-Za-z0-9_-]{43}$/);
    expect((await home('status.alpha.example')).status).toBe(302); // pending: the dashboard, not the page

    const missing = await verifyPage(a, page.id);
    expect(missing.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(missing.errors?.[0].extensions?.fields)).toContain('_tracer-challenge.status.alpha.example');
    dns.txt(proof.verificationName, 'v=spf1 -all', 'tracer-domain-verification=not-the-token');
    expect((await verifyPage(a, page.id)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    dns.failing.add(proof.verificationName);
    try {
      expect((await verifyPage(a, page.id)).errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      dns.failing.delete(proof.verificationName);
    }
    expect((await proofOf(a, page.id))!.status).toBe('PENDING');

    dns.txt(proof.verificationName, 'v=spf1 -all', proof.verificationRecord);
    const done = await verifyPage(a, page.id);
    expect(done.errors).toBeUndefined();
    expect(done.data!.verifyStatusPageDomain.customDomainVerification).toMatchObject({ status: 'VERIFIED', verifiedAt: expect.any(String) });
    const served = await home('status.alpha.example');
    expect([served.status, served.body.includes('Page alpha')]).toEqual([200, true]);
    // Verified already: answered as it is, no second lookup.
    const asked = dns.queries.length;
    expect((await verifyPage(a, page.id)).data!.verifyStatusPageDomain.customDomainVerification!.status).toBe('VERIFIED');
    expect(dns.queries.length).toBe(asked);
    // Another organization's page cannot be verified (NOT_FOUND) nor claim a verified domain (CONFLICT).
    expect((await verifyPage(b, page.id)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const taken = await b.client.gql(CreateStatusPageDocument, { input: { name: 'x', slug: 'beta-x', customDomain: 'status.alpha.example' } });
    expect(taken.errors?.[0].extensions?.code).toBe('CONFLICT');
    // A page without a custom domain has nothing to verify.
    const plain = (await a.client.gql(CreateStatusPageDocument, { input: { name: 'Plain', slug: 'plain' } })).data!.createStatusPage;
    expect(plain.customDomainVerification).toBeNull();
    expect((await verifyPage(a, plain.id)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lets every organization claim a pending domain; the first to prove it holds it and the other claims are dropped', async () => {
    const squatter = await create(a, 'squat', 'status.shared.example');
    const owner = await create(b, 'owner', 'status.shared.example');
    // One organization claims a domain once (a second page of its own is CONFLICT).
    expect((await b.client.gql(CreateStatusPageDocument, { input: { name: 'y', slug: 'owner-2', customDomain: 'status.shared.example' } })).errors?.[0].extensions?.code).toBe('CONFLICT');
    const theirs = owner.customDomainVerification!;
    expect(theirs.verificationRecord).not.toBe(squatter.customDomainVerification!.verificationRecord);
    dns.txt(theirs.verificationName, theirs.verificationRecord);
    // The squatter's record is not there: it cannot verify with the owner's.
    expect((await verifyPage(a, squatter.id)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await verifyPage(b, owner.id)).data!.verifyStatusPageDomain.customDomainVerification!.status).toBe('VERIFIED');
    const dropped = (await a.client.gql(StatusPageDocument, { id: squatter.id })).data!.statusPage;
    expect([dropped.customDomain, dropped.customDomainVerification]).toEqual([null, null]);
    expect((await home('status.shared.example')).body).toContain('Page owner');
  });

  it('settles two organizations proving one domain at once: one holds it, the other is CONFLICT', async () => {
    const one = await create(a, 'race-a', 'status.race.example');
    const two = await create(b, 'race-b', 'status.race.example');
    dns.txt('_tracer-challenge.status.race.example', one.customDomainVerification!.verificationRecord, two.customDomainVerification!.verificationRecord);
    const results = await Promise.all([verifyPage(a, one.id), verifyPage(b, two.id)]);
    const won = results.filter((r) => r.data?.verifyStatusPageDomain.customDomainVerification?.status === 'VERIFIED');
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r !== won[0])!;
    expect(lost.errors?.[0].extensions?.code).toMatch(/^(CONFLICT|NOT_FOUND)$/);
    const rows = await t.db.orm.em.fork().getConnection().execute<{ domain_status: string }[]>(`select domain_status from status_pages where custom_domain = 'status.race.example'`);
    expect(rows).toEqual([{ domain_status: 'VERIFIED' }]);
  });

  it('starts over when the domain changes: pending, a new token, not served; removing it frees it', async () => {
    const page = await create(a, 'moving', 'old.moving.example');
    const first = page.customDomainVerification!;
    dns.txt(first.verificationName, first.verificationRecord);
    await verifyPage(a, page.id);
    expect((await home('old.moving.example')).status).toBe(200);
    const moved = (await a.client.gql(UpdateStatusPageDocument, { id: page.id, input: { customDomain: 'new.moving.example' } })).data!.updateStatusPage;
    expect(moved.customDomainVerification).toMatchObject({ domain: 'new.moving.example', status: 'PENDING', verifiedAt: null });
    expect(moved.customDomainVerification!.verificationRecord).not.toBe(first.verificationRecord);
    expect((await home('old.moving.example')).status).toBe(302);
    expect((await home('new.moving.example')).status).toBe(302);
    // The same domain again keeps its claim (and its token).
    const same = (await a.client.gql(UpdateStatusPageDocument, { id: page.id, input: { customDomain: 'NEW.moving.example', name: 'Moving' } })).data!.updateStatusPage;
    expect(same.customDomainVerification!.verificationRecord).toBe(moved.customDomainVerification!.verificationRecord);
    const cleared = (await a.client.gql(UpdateStatusPageDocument, { id: page.id, input: { customDomain: '' } })).data!.updateStatusPage;
    expect([cleared.customDomain, cleared.customDomainVerification]).toEqual([null, null]);
  });
});

describe('the daily re-check of verified domains', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const sql = () => t.db.orm.em.fork().getConnection();
  /** A timestamp as the driver answers it (a Date or a string), in milliseconds. */
  const ms = (d: Date | string | null | undefined) => (d == null ? null : new Date(d).getTime());
  const pageRow = async (id: string) =>
    (await sql().execute<{ domain_status: string; domain_checked_at: Date | null; domain_missing_since: Date | null }[]>(
      `select domain_status, domain_checked_at, domain_missing_since from status_pages where id = ?`,
      [id],
    ))[0];
  const ssoRow = async (domain: string) =>
    (await sql().execute<{ status: string; checked_at: Date | null; missing_since: Date | null }[]>(`select status, checked_at, missing_since from sso_domains where domain = ?`, [domain]))[0];
  /** Sets the app clock and waits until the worker has looked at `pageId`'s domain at that instant (or made it PENDING). */
  const at = async (instant: number, pageId: string) => {
    t.clock.now = new Date(instant);
    await expect
      .poll(async () => {
        const r = await pageRow(pageId);
        return r.domain_status === 'PENDING' || ms(r.domain_checked_at) === instant;
      }, { timeout: 10_000, interval: 50 })
      .toBe(true);
  };

  afterAll(() => {
    t.clock.now = null;
  });

  it('keeps a domain whose record stays, makes one PENDING after its record has been missing for 7 days (audited), and forgives a record back in time', async () => {
    const kept = await create(b, 'kept', 'status.kept.example');
    const lost = await create(b, 'lost', 'status.lost.example');
    const back = await create(b, 'back', 'status.back.example');
    const sso = (
      await b.client.gql(CreateSsoConnectionDocument, {
        input: { issuer: 'https://idp.example.com', clientId: 'tracer', clientSecret: 'secret', emailDomains: ['lost.example'], defaultRole: 'VIEWER' as never },
      })
    ).data!.createSsoConnection;
    const ssoClaim = sso.domains[0];
    for (const p of [kept, lost, back]) dns.txt(p.customDomainVerification!.verificationName, p.customDomainVerification!.verificationRecord);
    dns.txt(ssoClaim.verificationName, ssoClaim.verificationRecord);
    const t0 = Date.now();
    t.clock.now = new Date(t0);
    for (const p of [kept, lost, back]) expect((await verifyPage(b, p.id)).data!.verifyStatusPageDomain.customDomainVerification!.status).toBe('VERIFIED');
    expect((await b.client.gql(VerifySsoDomainDocument, { connectionId: sso.id, domain: 'lost.example' })).data!.verifySsoDomain.domains[0].status).toBe('VERIFIED');

    // A day later every record is still there: looked at, nothing else.
    await at(t0 + 25 * HOUR, lost.id);
    expect(await pageRow(lost.id)).toMatchObject({ domain_status: 'VERIFIED', domain_missing_since: null });
    await expect.poll(async () => ms((await ssoRow('lost.example')).checked_at), { timeout: 10_000, interval: 50 }).toBe(t0 + 25 * HOUR);

    // Two records go away: the next day's look notes since when; the domains still serve.
    dns.txt(lost.customDomainVerification!.verificationName);
    dns.txt(back.customDomainVerification!.verificationName);
    dns.txt(ssoClaim.verificationName);
    const missing = t0 + 50 * HOUR;
    await at(missing, lost.id);
    await at(missing, back.id);
    expect(ms((await pageRow(lost.id)).domain_missing_since)).toBe(missing);
    await expect.poll(async () => ms((await ssoRow('lost.example')).missing_since), { timeout: 10_000, interval: 50 }).toBe(missing);
    expect((await home('status.lost.example')).status).toBe(200);
    const shown = (await b.client.gql(StatusPageDocument, { id: lost.id })).data!.statusPage.customDomainVerification!;
    expect(shown).toMatchObject({ status: 'VERIFIED', missingSince: new Date(missing).toISOString() });

    // One comes back within the 7 days: forgiven. Six days missing: still VERIFIED.
    dns.txt(back.customDomainVerification!.verificationName, back.customDomainVerification!.verificationRecord);
    await at(missing + 6 * DAY, lost.id);
    await at(missing + 6 * DAY, back.id);
    expect(await pageRow(lost.id)).toMatchObject({ domain_status: 'VERIFIED' });
    expect(await pageRow(back.id)).toMatchObject({ domain_status: 'VERIFIED', domain_missing_since: null });

    // Seven days missing: PENDING, no longer served, audited as the system's; its token (and record) stay the same.
    await at(missing + 7 * DAY, lost.id);
    expect(await pageRow(lost.id)).toMatchObject({ domain_status: 'PENDING', domain_checked_at: null, domain_missing_since: null });
    await expect.poll(async () => (await ssoRow('lost.example')).status, { timeout: 10_000, interval: 50 }).toBe('PENDING');
    expect((await home('status.lost.example')).status).toBe(302);
    expect((await home('status.kept.example')).status).toBe(200);
    expect((await home('status.back.example')).status).toBe(200);
    const again = (await b.client.gql(StatusPageDocument, { id: lost.id })).data!.statusPage.customDomainVerification!;
    expect([again.status, again.verificationRecord]).toEqual(['PENDING', lost.customDomainVerification!.verificationRecord]);
    expect((await b.client.gql(SsoConnectionsDocument, {})).data!.ssoConnections[0].domains[0].status).toBe('PENDING');
    const events = await sql().execute<{ action: string; target: string; actor_key_id: string; changed_fields: string[] }[]>(
      `select action, target, actor_key_id, changed_fields from audit_events where action in ('status_page.domain_unverified', 'sso_domain.unverified') order by action`,
    );
    expect(events).toEqual([
      { action: 'sso_domain.unverified', target: sso.id, actor_key_id: 'dns-recheck', changed_fields: ['lost.example'] },
      { action: 'status_page.domain_unverified', target: lost.id, actor_key_id: 'dns-recheck', changed_fields: ['status.lost.example'] },
    ]);
    // Its owner publishes the record again and verifies: served again.
    dns.txt(lost.customDomainVerification!.verificationName, lost.customDomainVerification!.verificationRecord);
    expect((await verifyPage(b, lost.id)).data!.verifyStatusPageDomain.customDomainVerification!.status).toBe('VERIFIED');
    expect((await home('status.lost.example')).status).toBe(200);
  });

  it('counts a DNS server that does not answer neither way', async () => {
    const page = await create(a, 'flaky-dns', 'status.flaky.example');
    const proof = page.customDomainVerification!;
    dns.txt(proof.verificationName, proof.verificationRecord);
    const t0 = (t.clock.now ?? new Date()).getTime();
    await verifyPage(a, page.id);
    dns.failing.add(proof.verificationName);
    try {
      await at(t0 + 25 * HOUR, page.id);
      expect(await pageRow(page.id)).toMatchObject({ domain_status: 'VERIFIED', domain_missing_since: null });
    } finally {
      dns.failing.delete(proof.verificationName);
    }
  });
});

describe('the migration', () => {
  it('keeps custom domains set before verification existed VERIFIED (each with a token of its own, never looked at), and reverts', async () => {
    const db = await openTestDatabase();
    try {
      const migrator = await migratorOf(db.orm);
      // Back to before this change (and every later migration): custom_domain unique, no claim columns.
      const THIS_CHANGE = 'Migration20261206033938';
      await migrator.down({ to: THIS_CHANGE });
      const sql = db.orm.em.getConnection();
      await sql.execute(`insert into organizations (id, name, created_at) values ('org_migrated0000000001', 'Old', now())`);
      for (const [id, slug, domain] of [['stp_migrated00000001', 'old-a', 'status.old-a.example'], ['stp_migrated00000002', 'old-b', null]])
        await sql.execute(`insert into status_pages (id, organization_id, name, slug, custom_domain, created_at, updated_at) values (?, 'org_migrated0000000001', 'Old', ?, ?, now(), now())`, [id, slug, domain]);
      await migrator.up();
      const rows = await sql.execute<{ id: string; domain_status: string | null; domain_token: string | null; domain_verified_at: Date | null; domain_checked_at: Date | null }[]>(
        `select id, domain_status, domain_token, domain_verified_at, domain_checked_at from status_pages order by id`,
      );
      expect(rows.map((r) => [r.id, r.domain_status, r.domain_token?.length ?? null, r.domain_verified_at !== null, r.domain_checked_at])).toEqual([
        ['stp_migrated00000001', 'VERIFIED', 64, true, null],
        ['stp_migrated00000002', null, null, false, null],
      ]);
      await migrator.down({ to: THIS_CHANGE });
      await migrator.up();
    } finally {
      await db.close();
    }
  });
});
