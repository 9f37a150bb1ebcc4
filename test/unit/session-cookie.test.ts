import { describe, expect, it } from 'vitest';
import { SessionCookie } from '../../src/modules/accounts/session-cookie';
import { OriginCheck } from '../../src/modules/accounts/same-origin';
import { SessionGate } from '../../src/modules/accounts/session-gate';
import type { SessionVerifier } from '../../src/modules/accounts/session-verifier';
import type { IncomingRequest } from '../../src/modules/auth/context';

describe('the session cookie', () => {
  const plain = new SessionCookie(false, 60);
  const secure = new SessionCookie(true, 60);

  it('reads its own name only, wherever it stands in the header', () => {
    expect(plain.read('tracer_session=abc')).toBe('abc');
    expect(plain.read('a=1; tracer_session=abc; b=2')).toBe('abc');
    expect(plain.read('a=1;tracer_session=abc')).toBe('abc');
    expect(plain.read('xtracer_session=1; tracer_session=abc')).toBe('abc');
    expect(plain.read('foo=tracer_session=1')).toBeUndefined();
    expect(plain.read('__Host-tracer_session=abc')).toBeUndefined();
    expect(plain.read('tracer_sessionx=1')).toBeUndefined();
    expect(plain.read(undefined)).toBeUndefined();
    expect(secure.read('tracer_session=abc; __Host-tracer_session=def')).toBe('def');
  });

  it('is set HttpOnly, SameSite=Lax, Path=/; Secure with the __Host- prefix over https', () => {
    expect(plain.set('t')).toBe('tracer_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
    expect(secure.set('t')).toBe('__Host-tracer_session=t; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60');
    expect(secure.clear()).toBe('__Host-tracer_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0');
  });
});

describe('the origin check', () => {
  const check = new OriginCheck('https://tracer.example/base');
  const req = (method: string, headers: Record<string, string>) => ({ method, headers, protocol: 'http' });

  it('lets safe methods through, and others only from PUBLIC_URL\'s origin', () => {
    expect(() => check.assert(req('GET', {}))).not.toThrow();
    expect(() => check.assert(req('POST', { origin: 'https://tracer.example' }))).not.toThrow();
    expect(() => check.assert(req('POST', { referer: 'https://tracer.example/dashboard/x' }))).not.toThrow();
    for (const headers of [{}, { origin: 'https://evil.example' }, { origin: 'null' }, { referer: 'https://tracer.example.evil/' }, { origin: 'http://tracer.example' }] as Record<string, string>[])
      expect(() => check.assert(req('POST', headers)), JSON.stringify(headers)).toThrow(/Cross-origin/);
  });

  it('without PUBLIC_URL, the request\'s own host is the origin', () => {
    const local = new OriginCheck(undefined);
    expect(() => local.assert(req('DELETE', { host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000' }))).not.toThrow();
    expect(() => local.assert(req('DELETE', { host: '127.0.0.1:4000', origin: 'http://localhost:4000' }))).toThrow();
    expect(() => local.assertNotForeign(req('POST', { host: '127.0.0.1:4000' }))).not.toThrow();
    expect(() => local.assertNotForeign(req('POST', { host: '127.0.0.1:4000', origin: 'https://evil.example' }))).toThrow();
  });

  it('a cookie-authenticated request without a method is judged unsafe: no origin, no session looked up', async () => {
    let looked = 0;
    const verifier = { verify: async () => (looked++, {}) } as unknown as SessionVerifier;
    const gate = new SessionGate(new SessionCookie(false, 60), check, verifier);
    const noMethod = { headers: {}, ip: '127.0.0.1' } as unknown as IncomingRequest;
    await expect(gate.verify('t', noMethod)).rejects.toThrow(/Cross-origin/);
    expect(looked).toBe(0);
    await expect(gate.verify('t', { ...noMethod, headers: { origin: 'https://tracer.example' } })).resolves.toEqual({});
    await expect(gate.verify('t', { ...noMethod, method: 'GET' })).resolves.toEqual({});
  });
});
