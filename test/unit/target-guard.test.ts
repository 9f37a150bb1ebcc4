import { describe, expect, it } from 'vitest';
import { addressRange, isBlockedAddress } from '../../src/modules/checks/target-guard';

/** The address allow-list on its own: only global unicast may be checked. */
describe('target guard', () => {
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '2606:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8', // a dual-stack spelling of 8.8.8.8: judged as that IPv4 address
  ])('allows %s', (address) => {
    expect(addressRange(address)).toBe('unicast');
    expect(isBlockedAddress(address)).toBe(false);
  });

  it.each([
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'], // documentation (TEST-NET-1)
    ['198.51.100.7', 'reserved'], // documentation (TEST-NET-2)
    ['203.0.113.9', 'reserved'], // documentation (TEST-NET-3)
    ['198.18.0.1', 'reserved'], // benchmarking
    ['192.88.99.1', 'reserved'], // 6to4 relay anycast
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::7f00:1', 'ipv4Compatible'], // ::/96, IPv4-compatible 127.0.0.1
    ['::a00:1', 'ipv4Compatible'],
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped: judged as the IPv4 address
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:0:0', 'unspecified'],
    ['::ffff:0:7f00:1', 'rfc6145'], // IPv4-translated
    ['64:ff9b::7f00:1', 'rfc6052'], // NAT64 well-known prefix
    ['64:ff9b::808:808', 'rfc6052'],
    ['64:ff9b:1::1', 'rfc6052'], // local-use NAT64
    ['2002:7f00:1::1', '6to4'],
    ['2002:808:808::1', '6to4'],
    ['2001::1', 'teredo'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['100::1', 'discard'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['ff05::2', 'multicast'],
    ['2001:db8::1', 'reserved'], // documentation
    ['3fff::1', 'reserved'], // documentation (RFC 9637)
    ['2001:2::1', 'benchmarking'],
    ['5f00::1', 'segmentRouting'],
    ['4000::1', 'reserved'], // outside 2000::/3: not allocated for global unicast
    ['::1:0:0:1', 'reserved'],
    // not addresses at all
    ['1.2.3', 'invalid'],
    ['localhost', 'invalid'],
    ['', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isBlockedAddress(address)).toBe(true);
  });
});
