import ipaddr from 'ipaddr.js';

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
