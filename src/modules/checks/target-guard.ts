import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a check may reach unless ALLOW_PRIVATE_TARGETS=true: global unicast only. An allow-list, so a
 * range nobody thought of is refused rather than reached. ipaddr.js names the special-purpose ranges (loopback,
 * private, link-local, CGNAT, multicast, unspecified, broadcast, reserved and documentation, benchmarking,
 * 6to4, Teredo, NAT64, discard, site-local, unique-local…) and calls every other address 'unicast'.
 * Checked on the resolved address that the connection then uses, so DNS rebinding cannot slip past it.
 */

/**
 * IPv6 that ipaddr.js calls 'unicast' but that is not a public address. The IPv4-compatible form (`::7f00:1`)
 * reaches 127.0.0.1 on stacks that still honour it. Everything outside 2000::/3, IANA's global unicast block,
 * is reserved or special-purpose (and ipaddr.js has no name for most of it), so that block is required too.
 */
const EXTRA_V6: Array<[string, [ipaddr.IPv6, number]]> = [['ipv4Compatible', ipaddr.IPv6.parseCIDR('::/96')]];
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** The range an address is in: 'unicast' when a check may reach it, else the name of the range that refuses it. */
export function addressRange(address: string): string {
  if (!isIP(address)) return 'invalid'; // not an address at all: refuse
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(address);
  } catch {
    return 'invalid';
  }
  // `::ffff:a.b.c.d` is how a dual-stack socket spells an IPv4 peer: judge it as that IPv4 address.
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const range = addr.range();
  if (range !== 'unicast' || addr.kind() === 'ipv4') return range;
  const v6 = addr as ipaddr.IPv6;
  for (const [name, subnet] of EXTRA_V6) if (v6.match(subnet)) return name;
  return v6.match(GLOBAL_UNICAST_V6) ? 'unicast' : 'reserved';
}

export const isBlockedAddress = (address: string): boolean => addressRange(address) !== 'unicast';

/**
 * Why a name that resolved to a refused address is not reached. Never the address nor its range: the message goes
 * into run and delivery records, and what an internal name resolves to is the operator's business, not the
 * reader's (a monitor pointed at `vm` or `db.internal` would otherwise map the private network for its owner).
 */
export const resolvesToNonPublic = (hostname: string): string => `${hostname} resolves to a non-public address`;

/** `linkLocal` → `link-local`, for messages a person reads. */
export const rangeWords = (range: string): string => range.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The range a URL's host is known to be in before any DNS lookup: an address literal's (`http://[::1]/`,
 * `http://2130706433/` once WHATWG-parsed), `loopback` for `localhost` and `*.localhost` (RFC 6761: always the
 * loopback), undefined for any other name, which only its resolution at run time can judge.
 */
export function literalHostRange(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (isIP(host)) return addressRange(host);
  return host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : undefined;
}

/** A DNS name or an address literal as a TCP or DNS check takes it (`db.example.com`, `192.0.2.1`, `2001:db8::1`). */
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.?$/i;

/**
 * Suffixes that name a private network by convention (RFC 6762 `.local`, RFC 8375 `home.arpa`, ICANN's `.internal`)
 * or nothing at all: refused unless ALLOW_PRIVATE_TARGETS, so a check cannot ask the operator's resolver about its
 * own network. A single-label name (`db`) is refused too: resolvers complete it with the host's search domains.
 */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'lan', 'intranet', 'corp', 'private'];

/**
 * The rules of a host given to a TCP or DNS check, as field errors: a name or an address, and unless
 * `allowPrivateTargets` not a literal private, loopback or link-local address, `localhost`, a private-use suffix or a
 * single label. Like checkUrl, a name that resolves to such an address is only known at run time, where the run
 * fails saying so.
 */
export function checkHost(host: string, field: string, allowPrivateTargets: boolean): { field: string; message: string }[] {
  const bare = host.replace(/^\[|\]$/g, '');
  if (!isIP(bare) && !HOSTNAME.test(bare)) return [{ field, message: 'must be a host name or an IP address' }];
  if (allowPrivateTargets) return [];
  const range = literalHostRange(bare);
  const unless = 'tracer does not check private, loopback or link-local targets unless ALLOW_PRIVATE_TARGETS=true';
  if (range && range !== 'unicast') {
    const words = rangeWords(range);
    return [{ field, message: `${bare} is ${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words} address; ${unless}` }];
  }
  if (isIP(bare)) return [];
  const name = bare.toLowerCase().replace(/\.$/, '');
  if (!name.includes('.')) return [{ field, message: `${bare} is a single-label name, which only a private network answers; ${unless}` }];
  const suffix = privateSuffix(name);
  if (suffix) return [{ field, message: `${bare} is in .${suffix}, a private-use domain; ${unless}` }];
  return [];
}

/** The private-use suffix (PRIVATE_SUFFIXES) a DNS name is in, or undefined (any case, final dot or not). */
export function privateSuffix(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.+$/, '');
  return PRIVATE_SUFFIXES.find((s) => n === s || n.endsWith(`.${s}`));
}

/**
 * Whether a name a DNS answer gives (a CNAME, NS, MX exchange or SRV target) points into a private network: a
 * non-public address written as a name, a private-use suffix, or a single label (which the asking host's search
 * domains would complete). The root (`.`, e.g. a null MX) is no target.
 */
export function isPrivateTargetName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.+$/, '');
  if (!n) return false;
  if (isIP(n)) return addressRange(n) !== 'unicast';
  return !n.includes('.') || privateSuffix(n) !== undefined;
}

/**
 * Whether free text from a DNS answer (a TXT record, a CAA value) names a non-public address or a name in a
 * private-use domain: `ip4:10.0.0.0/8`, `include:spf.corp`, `mailto:ops@db.internal`, `https://[fd00::1]/`. Words are
 * split on blanks and punctuation, and each is read as it is, after a `scheme:` or `key=`, without a `/prefix`, a
 * path or a `user@`. Single words are not refused here (free text is full of them).
 */
export function namesPrivateTarget(text: string): boolean {
  for (const word of text.split(/[\s,;="'()<>]+/)) {
    if (!word) continue;
    const forms = new Set<string>([word]);
    const afterScheme = /^[a-z][a-z0-9+.-]*:(?!:)(.+)$/i.exec(word);
    if (afterScheme) forms.add(afterScheme[1].replace(/^\/\//, ''));
    for (const form of [...forms]) {
      const host = form.replace(/^[^@]*@/, '').replace(/\/.*$/, '');
      forms.add(host);
      const bracketed = /^\[([^\]]+)\]/.exec(host);
      if (bracketed) forms.add(bracketed[1]);
      else if (/^[^:]+:\d+$/.test(host)) forms.add(host.replace(/:\d+$/, '')); // host:port
    }
    for (const form of forms) {
      const f = form.replace(/\.+$/, '');
      if (isIP(f) ? addressRange(f) !== 'unicast' : f.includes('.') && privateSuffix(f) !== undefined) return true;
    }
  }
  return false;
}
