/**
 * Custom domains of status pages proven by DNS (verifyStatusPageDomain) against a DNS server on 127.0.0.1: a claim
 * serves nothing until its TXT record is found, the first organization to prove a domain holds it (other claims are
 * dropped, a race is settled by the unique index), and a changed domain starts over. The app is given only
 * SSO_DNS_RESOLVER, the older name of the resolver setting, which status pages read too.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStatusPageDocument, StatusPageDocument, UpdateStatusPageDocument, VerifyStatusPageDomainDocument } from '../../src/client/generated/graphql';
import { startTestApp, type TestApp } from '../helpers/app';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server';

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
  t = await startTestApp({ SSO_DNS_RESOLVER: dns.address, PUBLIC_URL: 'https://tracer.example', STATUS_PAGE_CACHE_MS: '50', STATUS_PAGE_RATE_LIMIT_PER_MINUTE: '100000' });
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
    expect(proof).toMatchObject({ domain: 'status.alpha.example', status: 'PENDING', name: '_tracer-challenge.status.alpha.example', verifiedAt: null });
    expect(proof.record).toMatch(/^tracer-domain-verification=[A-Za-z0-9_-]{43}$/);
    expect((await home('status.alpha.example')).status).toBe(302); // pending: the dashboard, not the page

    const missing = await verifyPage(a, page.id);
    expect(missing.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(missing.errors?.[0].extensions?.fields)).toContain('_tracer-challenge.status.alpha.example');
    dns.txt(proof.name, 'v=spf1 -all', 'tracer-domain-verification=not-the-token');
    expect((await verifyPage(a, page.id)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    dns.failing.add(proof.name);
    try {
      expect((await verifyPage(a, page.id)).errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      dns.failing.delete(proof.name);
    }
    expect((await proofOf(a, page.id))!.status).toBe('PENDING');

    dns.txt(proof.name, 'v=spf1 -all', proof.record);
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
    expect(theirs.record).not.toBe(squatter.customDomainVerification!.record);
    dns.txt(theirs.name, theirs.record);
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
    dns.txt('_tracer-challenge.status.race.example', one.customDomainVerification!.record, two.customDomainVerification!.record);
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
    dns.txt(first.name, first.record);
    await verifyPage(a, page.id);
    expect((await home('old.moving.example')).status).toBe(200);
    const moved = (await a.client.gql(UpdateStatusPageDocument, { id: page.id, input: { customDomain: 'new.moving.example' } })).data!.updateStatusPage;
    expect(moved.customDomainVerification).toMatchObject({ domain: 'new.moving.example', status: 'PENDING', verifiedAt: null });
    expect(moved.customDomainVerification!.record).not.toBe(first.record);
    expect((await home('old.moving.example')).status).toBe(302);
    expect((await home('new.moving.example')).status).toBe(302);
    // The same domain again keeps its claim (and its token).
    const same = (await a.client.gql(UpdateStatusPageDocument, { id: page.id, input: { customDomain: 'NEW.moving.example', name: 'Moving' } })).data!.updateStatusPage;
    expect(same.customDomainVerification!.record).toBe(moved.customDomainVerification!.record);
    const cleared = (await a.client.gql(UpdateStatusPageDocument, { id: page.id, input: { customDomain: '' } })).data!.updateStatusPage;
    expect([cleared.customDomain, cleared.customDomainVerification]).toEqual([null, null]);
  });
});
