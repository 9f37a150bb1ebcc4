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
