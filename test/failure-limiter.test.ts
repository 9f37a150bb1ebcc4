import * as http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeKey } from './helpers/keys';
import { startTestApp, type TestApp } from './helpers/app';
import type { Organization } from '../src/modules/organization/organization.entity';

let t: TestApp;
let org: Organization;

beforeAll(async () => {
  t = await startTestApp({ AUTH_FAILURE_LIMIT: '5' });
  org = await t.org('Acme Inc');
});
afterAll(() => t?.close());

/** GET /v1/me from a chosen loopback address (all of 127.0.0.0/8 is this machine), so tests can be "other clients". */
function me(key: string, from = '127.0.0.1'): Promise<{ status: number; retryAfter?: string; body: Record<string, unknown> }> {
  const url = new URL(`${t.baseUrl}/v1/me`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, localAddress: from, headers: { authorization: `Bearer ${key}` }, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, body: JSON.parse(body) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const wrongSecretFor = (id: string, n: number) => forgeKey(id, String(n).padStart(32, 'w'));

describe('failed-authentication limiter', () => {
  it('answers 429 before bcrypt once a keyId or an address failed too often, and lets verified keys and other clients through', async () => {
    const victim = await t.key(org, ['monitors:read']);
    expect((await me(victim.key)).status).toBe(200); // this instance has verified it

    const bcryptBefore = t.app.verifier.stats.bcryptCompares;
    for (let i = 0; i < 5; i++) expect((await me(wrongSecretFor(victim.id, i))).status).toBe(401);
    expect(t.app.verifier.stats.bcryptCompares - bcryptBefore).toBe(5);

    const limited = await me(wrongSecretFor(victim.id, 99));
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(limited.body).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: 'Too many failed authentication attempts; retry later', retry_after: Number(limited.retryAfter) } });
    // …from another address too (the keyId is under attack), and still no bcrypt
    expect((await me(wrongSecretFor(victim.id, 100), '127.0.0.2')).status).toBe(429);
    for (let i = 0; i < 50; i++) await me(wrongSecretFor(victim.id, 200 + i));
    expect(t.app.verifier.stats.bcryptCompares - bcryptBefore).toBe(5);

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
      expect((await me(wrongSecretFor(victim.id, 300), '127.0.0.4')).status).toBe(401);
    } finally {
      t.clock.now = null;
    }
  });

  it('GraphQL answers the same 429 with Retry-After; malformed keys are refused by shape alone', async () => {
    // Six malformed keys from one address: each a plain 401 (no I/O to protect), but they count against it.
    for (let i = 0; i < 6; i++) expect((await me(`izli_sk_live_garbage${i}`, '127.0.0.9')).status).toBe(401);
    const valid = await t.key(org, ['monitors:read']);
    const url = new URL(`${t.baseUrl}/graphql`);
    const res = await new Promise<{ status: number; retryAfter?: string; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: '127.0.0.9',
          agent: false,
          headers: { authorization: `Bearer ${wrongSecretFor(valid.id, 1)}`, 'content-type': 'application/json' },
        },
        (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode!, retryAfter: r.headers['retry-after'] as string, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ me { key { id } } }' }));
    });
    expect(res.status).toBe(429);
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(res.body)).toEqual({
      errors: [{ message: 'Too many failed authentication attempts; retry later', extensions: { code: 'RATE_LIMITED', retryAfter: Number(res.retryAfter) } }],
    });
  });
});
