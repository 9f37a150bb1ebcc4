import { afterAll, expect, it } from 'vitest';
import { describeDatabaseAgnostic } from '../helpers/database';
import { startTestApp, type TestApp } from '../helpers/app';
import { SANDBOX_SCRIPT, SANDBOX_VERSION } from '../../src/graphql/sandbox';

const apps: TestApp[] = [];
afterAll(async () => {
  for (const t of apps) await t.close();
});
const start = async (env: Record<string, string> = {}) => {
  const t = await startTestApp(env);
  apps.push(t);
  return t;
};
const page = (t: TestApp) => fetch(`${t.baseUrl}/graphql`, { headers: { accept: 'text/html' } });

describeDatabaseAgnostic('the Sandbox page (GET /graphql from a browser)', () => {
  it('loads only the pinned embed script, says so in a CSP header, and refuses to be framed', async () => {
    const t = await start();
    const res = await page(t);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(scripts[0].startsWith(`${SANDBOX_SCRIPT}?`)).toBe(true);
    expect(html).toContain(`/${SANDBOX_VERSION}/embeddable-sandbox`);
    expect(html).not.toMatch(/cdn\.apollographql\.com\/(v2|_latest)\//);

    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = Object.fromEntries(
      res.headers
        .get('content-security-policy')!
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    const nonce = /nonce="([0-9a-f]+)"/.exec(html)![1];
    expect(csp).toEqual({
      'default-src': ["'none'"],
      'script-src': [`'nonce-${nonce}'`, SANDBOX_SCRIPT],
      'style-src': [`'nonce-${nonce}'`],
      'frame-src': ['https://sandbox.embed.apollographql.com'],
      'connect-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    // Every inline script and style of the page carries the nonce the header allows.
    for (const tag of html.match(/<(script|style)\b[^>]*>/g)!) expect(tag).toMatch(new RegExp(`nonce="?${nonce}`));
    // An ordinary GraphQL answer gets none of the page's headers.
    const api = await fetch(`${t.baseUrl}/graphql?query=%7B__typename%7D`);
    expect(api.headers.get('content-security-policy')).toBeNull();
  });

  it('SANDBOX=false: no page; a browser GET is a GraphQL GET without a query (400)', async () => {
    const t = await start({ SANDBOX: 'false' });
    const res = await page(t);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).not.toMatch(/embeddable-sandbox|<html/i);
    expect(res.headers.get('content-type')).not.toContain('text/html');
  });
});
