import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeKey } from '../helpers/keys';
import { clientGroup } from '../../src/modules/auth/client-address';
import { startTestApp, type TestApp } from '../helpers/app';
import type { Organization } from '../../src/modules/organization/organization.entity';

let t: TestApp;
let org: Organization;

beforeAll(async () => {
  t = await startTestApp({ AUTH_FAILURE_LIMIT: '5' });
  org = await t.org('Acme Inc');
});
afterAll(() => t?.close());

/** GET /v1/me from a chosen loopback address (all of 127.0.0.0/8 is this machine), so tests can be "other clients". */
function me(key: string, from = '127.0.0.1'): Promise<{ status: number; retryAfter?: string; requestId: string; body: Record<string, unknown> }> {
  const url = new URL(`${t.baseUrl}/v1/me`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, localAddress: from, headers: { authorization: `Bearer ${key}` }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, requestId: res.headers['x-request-id'] as string, body: JSON.parse(body) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const wrongSecretFor = (id: string, n: number) => forgeKey(id, String(n).padStart(32, 'w'));

const unknownKey = (n: number) => forgeKey(`U${String(n).padStart(11, '0')}`);

describe('failed-authentication limiter', () => {
  it('answers 429 before bcrypt once a (keyId, address) pair failed too often, and lets verified keys and other clients through', async () => {
    const victim = await t.key(org, ['monitors:read']);
    expect((await me(victim.key)).status).toBe(200); // this instance has verified it

    const bcryptBefore = t.app.verifier.stats.bcryptCompares;
    for (let i = 0; i < 5; i++) expect((await me(wrongSecretFor(victim.id, i))).status).toBe(401);
    expect(t.app.verifier.stats.bcryptCompares - bcryptBefore).toBe(5);

    const limited = await me(wrongSecretFor(victim.id, 99));
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(limited.body).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: 'Too many failed authentication attempts; retry later', retry_after: Number(limited.retryAfter), request_id: limited.requestId } });
    for (let i = 0; i < 50; i++) await me(wrongSecretFor(victim.id, 200 + i));
    expect(t.app.verifier.stats.bcryptCompares - bcryptBefore).toBe(5); // no bcrypt while limited

    // The owner of the attacked keyId keeps working, even from the attacking address.
    expect((await me(victim.key)).status).toBe(200);
    // Another client at another address is unaffected.
    const other = await t.key(org, ['monitors:read']);
    expect((await me(other.key, '127.0.0.3')).status).toBe(200);
    // The attacking address is blocked for new keys as well…
    const fresh = await t.key(org, ['monitors:read']);
    expect((await me(fresh.key, '127.0.0.1')).status).toBe(429);

    // …until the minute is over.
    t.clock.now = new Date(Date.now() + 61_000);
    try {
      expect((await me(fresh.key, '127.0.0.1')).status).toBe(200);
    } finally {
      t.clock.now = null;
    }
  });

  it("wrong secrets for a keyId from other addresses never lock out its owner's first request", async () => {
    // The audit's case: 40 wrong secrets from 4 addresses, then the owner's first use from a clean address.
    const owner = await t.key(org, ['monitors:read']);
    let n = 0;
    for (const from of ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4'])
      for (let i = 0; i < 10; i++) expect([401, 429]).toContain((await me(wrongSecretFor(owner.id, n++), from)).status);
    expect((await me(owner.key, '127.0.1.5')).status).toBe(200);
  });

  it('free failures never count: a NAT sending broken, revoked and expired keys keeps working for its valid keys', async () => {
    const from = '127.0.2.1';
    const revoked = await t.key(org, ['monitors:read']);
    expect((await me(revoked.key, from)).status).toBe(200);
    await t.app.services.apiKeys.revoke(t.db.orm.em.fork(), null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, revoked.id);
    const expiring = await t.key(org, ['monitors:read'], { expiresAt: new Date(Date.now() + 60_000) });
    for (let i = 0; i < 10; i++) {
      expect((await me(`izli_sk_live_garbage${i}`, from)).status).toBe(401); // malformed
      expect((await me(`${revoked.key.slice(0, -1)}${revoked.key.endsWith('A') ? 'B' : 'A'}`, from)).status).toBe(401); // bad checksum
      expect((await me(revoked.key, from)).status).toBe(401); // revoked: always 401, never 429
    }
    t.clock.now = new Date(Date.now() + 120_000);
    try {
      for (let i = 0; i < 10; i++) expect((await me(expiring.key, from)).status).toBe(401); // expired: the same
    } finally {
      t.clock.now = null;
    }
    const fresh = await t.key(org, ['monitors:read']);
    expect((await me(fresh.key, from)).status).toBe(200);
  });

  it('counts lookups of unknown keyIds per address; a revoked key stays 401 even from that address', async () => {
    const from = '127.0.3.1';
    const revoked = await t.key(org, ['organization:read']);
    expect((await me(revoked.key, from)).status).toBe(200);
    await t.app.services.apiKeys.revoke(t.db.orm.em.fork(), null, { keyId: 'cli', organizationId: org.id, name: 'cli', ip: null }, revoked.id);
    const lookups = t.app.verifier.stats.keyLookups;
    for (let i = 0; i < 5; i++) expect((await me(unknownKey(i), from)).status).toBe(401);
    expect(t.app.verifier.stats.keyLookups - lookups).toBe(5);
    for (let i = 5; i < 20; i++) expect((await me(unknownKey(i), from)).status).toBe(429);
    expect(t.app.verifier.stats.keyLookups - lookups).toBe(5); // refused before the lookup
    for (let i = 0; i < 3; i++) expect((await me(revoked.key, from)).status).toBe(401);
  });

  it('groups IPv6 clients by /64', async () => {
    expect(clientGroup('2001:db8:1:2:aaaa::1')).toBe(clientGroup('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(clientGroup('2001:db8:1:2::1')).not.toBe(clientGroup('2001:db8:1:3::1'));
    expect(clientGroup('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientGroup('10.1.2.3')).toBe('10.1.2.3');
  });

  it('GraphQL answers the same 429 with Retry-After', async () => {
    const from = '127.0.0.9';
    for (let i = 0; i < 6; i++) await me(unknownKey(100 + i), from);
    const valid = await t.key(org, ['monitors:read']);
    const url = new URL(`${t.baseUrl}/graphql`);
    const res = await new Promise<{ status: number; retryAfter?: string; requestId: string; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: from,
          agent: false,
          headers: { authorization: `Bearer ${wrongSecretFor(valid.id, 1)}`, 'content-type': 'application/json' },
        },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode!, retryAfter: r.headers['retry-after'] as string, requestId: r.headers['x-request-id'] as string, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ me { key { id } } }' }));
    });
    expect(res.status).toBe(429);
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ message: 'Too many failed authentication attempts; retry later', extensions: { code: 'RATE_LIMITED', retryAfter: Number(res.retryAfter), requestId: res.requestId } }],
    });
  });
});

describe('TRUST_PROXY: clients behind a load balancer are told apart', () => {
  let behind: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    behind = await startTestApp({ AUTH_FAILURE_LIMIT: '3', TRUST_PROXY: '127.0.0.1' });
    direct = await startTestApp({ AUTH_FAILURE_LIMIT: '3' });
  });
  afterAll(async () => {
    await behind?.close();
    await direct?.close();
  });

  const via = (app: TestApp, forwardedFor: string, n: number) =>
    fetch(`${app.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${unknownKey(n)}`, 'x-forwarded-for': forwardedFor } }).then((r) => r.status);

  it('with the proxy trusted, X-Forwarded-For is the client; IPv6 clients share a /64', async () => {
    for (let i = 0; i < 3; i++) expect(await via(behind, '203.0.113.5', i)).toBe(401);
    expect(await via(behind, '203.0.113.5', 3)).toBe(429);
    expect(await via(behind, '203.0.113.6', 4)).toBe(401); // another client behind the same proxy
    for (let i = 0; i < 3; i++) expect(await via(behind, `2001:db8:0:1::${i + 1}`, 10 + i)).toBe(401);
    expect(await via(behind, '2001:db8:0:1:ffff::9', 20)).toBe(429); // same /64
    expect(await via(behind, '2001:db8:0:2::1', 21)).toBe(401); // the next /64
  });

  it('without it (the default), the header is ignored: the socket peer is the client', async () => {
    for (let i = 0; i < 3; i++) expect(await via(direct, `203.0.113.${i}`, 30 + i)).toBe(401);
    expect(await via(direct, '203.0.113.99', 40)).toBe(429);
  });

  it('refuses a bad TRUST_PROXY at start, naming it', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ TRUST_PROXY: 'not-an-address' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });
});
