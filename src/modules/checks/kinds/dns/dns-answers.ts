import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { CaaRecord, MxRecord, SrvRecord } from 'node:dns';
import type { RecordType } from './dns-monitor.entity';

/**
 * How a DNS answer is written, in runs and in `expectedValues`, one string per record:
 * A / AAAA the address (IPv6 in its shortest form), CNAME / NS the name, MX `priority exchange`, TXT the record's
 * strings joined, SRV `priority weight port target`, CAA `flags tag value`. Names are lower case without the final dot.
 */
export function formatAnswers(type: RecordType, raw: unknown[]): string[] {
  switch (type) {
    case 'A':
    case 'AAAA':
      return (raw as string[]).map((a) => normalizeValue(type, a));
    case 'CNAME':
    case 'NS':
      return (raw as string[]).map(name);
    case 'MX':
      return (raw as MxRecord[]).map((r) => `${r.priority} ${name(r.exchange)}`);
    case 'TXT':
      return (raw as string[][]).map((chunks) => chunks.join(''));
    case 'SRV':
      return (raw as SrvRecord[]).map((r) => `${r.priority} ${r.weight} ${r.port} ${name(r.name)}`);
    case 'CAA':
      return (raw as CaaRecord[]).map((r) => {
        const tag = Object.keys(r).find((k) => k !== 'critical') ?? '';
        return `${r.critical} ${tag} ${String((r as unknown as Record<string, unknown>)[tag] ?? '')}`;
      });
  }
}

const name = (n: string) => n.toLowerCase().replace(/\.$/, '');

/** An expected value in the form answers are written (formatAnswers), so `2001:DB8::1` and `Mail.Example.com.` match. */
export function normalizeValue(type: RecordType, value: string): string {
  const v = value.trim();
  if (type === 'TXT') return value;
  if ((type === 'A' || type === 'AAAA') && isIP(v)) return ipaddr.parse(v).toString();
  if (type === 'CAA') {
    const [flags, tag, ...rest] = v.split(/\s+/);
    return [flags, (tag ?? '').toLowerCase(), rest.join(' ').replace(/^"(.*)"$/, '$1')].join(' ');
  }
  return v.split(/\s+/).map(name).join(' ');
}

/** The rule an expected value of this type follows, or null when it does. */
export function valueError(type: RecordType, value: string): string | null {
  const v = value.trim();
  if (!v) return 'must not be blank';
  switch (type) {
    case 'A':
      return isIP(v) === 4 ? null : 'must be an IPv4 address for an A record';
    case 'AAAA':
      return isIP(v) === 6 ? null : 'must be an IPv6 address for an AAAA record';
    case 'MX':
      return /^\d{1,5}\s+\S+$/.test(v) ? null : 'must be "priority exchange" for an MX record, e.g. "10 mail.example.com"';
    case 'SRV':
      return /^\d{1,5}\s+\d{1,5}\s+\d{1,5}\s+\S+$/.test(v) ? null : 'must be "priority weight port target" for an SRV record';
    case 'CAA':
      return /^\d{1,3}\s+[a-z0-9]+\s+\S.*$/i.test(v) ? null : 'must be "flags tag value" for a CAA record, e.g. "0 issue letsencrypt.org"';
    default:
      return null;
  }
}

/** `address[:port]`, `[v6]:port` or a bare IPv6 address; null when it is none of them. */
export function parseResolver(value: string): { address: string; port: number } | null {
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/i.exec(value);
  const v4 = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(value);
  const [address, port] = v6 ? [v6[1], v6[2]] : v4 ? [v4[1], v4[2]] : [value, undefined];
  if (isIP(address) !== (v4 ? 4 : 6)) return null;
  const n = port === undefined ? 53 : Number(port);
  return n >= 1 && n <= 65535 ? { address, port: n } : null;
}
