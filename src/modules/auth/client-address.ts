import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The unit the failure limiter counts per: an IPv4 address, or an IPv6 /64. One IPv6 subscriber usually holds a
 * whole /64 (often far more), so counting single IPv6 addresses would let one client rotate through 2^64 of them.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports) is its IPv4 address.
 */
export function clientGroup(ip: string): string {
  if (!ip.includes(':')) return ip;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip);
  } catch {
    return ip;
  }
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts;
  return `${parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}

/** The longest address a column keeps (`sessions.ip`, `audit_events.ip`, `api_keys.last_used_ip`: varchar(64)). */
const STORED_MAX = 64;

/**
 * The client address as it is stored: an IP address (at most 64 characters: an IPv6 zone can make it longer), or
 * null. With TRUST_PROXY the address is whatever X-Forwarded-For says, and a long or malformed value must neither
 * fail the insert (a 500, or a batch of lastUsedAt writes failing for good) nor be recorded as if it were one.
 */
export function storedAddress(ip: string): string | null {
  return isIP(ip) ? ip.slice(0, STORED_MAX) : null;
}
