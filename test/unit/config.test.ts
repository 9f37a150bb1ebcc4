import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration', () => {
  it('has the documented defaults for the limits on clients and shutdown', () => {
    expect(loadConfig({})).toMatchObject({
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 72_000,
      HTTP_MAX_CONNECTIONS: 10_000,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      SHUTDOWN_DEADLINE_MS: 25_000,
    });
  });

  it('refuses settings that contradict each other, naming the variable', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must not exceed/);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '30000' })).toThrow(/SHUTDOWN_DEADLINE_MS: must exceed SHUTDOWN_TIMEOUT_MS/);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '30000', SHUTDOWN_DEADLINE_MS: '45000' }).SHUTDOWN_DEADLINE_MS).toBe(45_000);
  });

  it('takes SSO_DNS_RESOLVER as an IP address with an optional port, unset when empty', () => {
    expect(loadConfig({}).SSO_DNS_RESOLVER).toBeUndefined();
    expect(loadConfig({ SSO_DNS_RESOLVER: '' }).SSO_DNS_RESOLVER).toBeUndefined();
    for (const ok of ['192.0.2.53', '127.0.0.1:5353', '[2001:db8::53]', '[2001:db8::53]:53']) expect(loadConfig({ SSO_DNS_RESOLVER: ok }).SSO_DNS_RESOLVER).toBe(ok);
    for (const bad of ['dns.example.com', '999.1.1.1', '127.0.0.1:0', '127.0.0.1:70000', '2001:db8::53', '[1.2.3.4]'])
      expect(() => loadConfig({ SSO_DNS_RESOLVER: bad }), bad).toThrow(/SSO_DNS_RESOLVER/);
  });

  it('prints a bootstrap key on the embedded database only, unless BOOTSTRAP_KEY says otherwise', () => {
    expect(loadConfig({}).BOOTSTRAP_KEY).toBe(true); // the quickstart: no DATABASE_URL
    const url = 'postgres://tracer@db.example.com/tracer';
    expect(loadConfig({ DATABASE_URL: url }).BOOTSTRAP_KEY).toBe(false); // stdout is a log stream there
    expect(loadConfig({ DATABASE_URL: url, BOOTSTRAP_KEY: 'true' }).BOOTSTRAP_KEY).toBe(true);
    expect(loadConfig({ BOOTSTRAP_KEY: 'false' }).BOOTSTRAP_KEY).toBe(false);
    expect(loadConfig({ DATABASE_URL: '' }).BOOTSTRAP_KEY).toBe(true); // an empty DATABASE_URL is unset
    expect(() => loadConfig({ BOOTSTRAP_KEY: 'maybe' })).toThrow(/BOOTSTRAP_KEY/);
    // The setup link follows the same rule: printed on the embedded database, not where stdout is a log stream.
    expect(loadConfig({}).SETUP_LINK).toBe(true);
    expect(loadConfig({ DATABASE_URL: url }).SETUP_LINK).toBe(false);
    expect(loadConfig({ DATABASE_URL: url, SETUP_LINK: 'true' }).SETUP_LINK).toBe(true);
    expect(loadConfig({ SETUP_LINK: 'false' }).SETUP_LINK).toBe(false);
    expect(() => loadConfig({ SETUP_LINK: 'maybe' })).toThrow(/SETUP_LINK/);
  });
});
