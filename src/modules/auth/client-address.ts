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

export type TrustProxy = boolean | string[] | ((addr: string, hop: number) => boolean);

/**
 * TRUST_PROXY as Fastify's `trustProxy` takes it: false (the default: the socket's peer is the client), true
 * (trust every hop: only when every request passes a proxy that sets X-Forwarded-For), a hop count, or a
 * comma-separated list of proxy addresses and CIDR ranges (also `loopback`, `linklocal`, `uniquelocal`).
 */
export function parseTrustProxy(value: string): TrustProxy | null {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    // A hop count, as proxy-addr reads one: trust the nearest `hops` addresses of the chain.
    const hops = Number(v);
    return (_addr: string, i: number) => i < hops;
  }
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const valid = (s: string) => named.has(s) || ipaddr.isValid(s) || isCidr(s);
  return list.length && list.every(valid) ? list : null;
}

function isCidr(s: string): boolean {
  try {
    ipaddr.parseCIDR(s);
    return true;
  } catch {
    return false;
  }
}
