import { formatAddress, ipv4Number, ipv6Bytes, macBytes, parseIpv6 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('formatAddress', () => {
  it('prints either family as ip and Wireshark do', () => {
    expect(formatAddress(0x0a000001)).toBe('10.0.0.1');
    expect(formatAddress(Uint8Array.of(192, 0, 2, 255))).toBe('192.0.2.255');
    expect(formatAddress(parseIpv6('2001:0db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatAddress('fe80::1')).toBe('fe80::1');
  });

  it('rejects what is no address with a RangeError', () => {
    for (const bad of [-1, 2 ** 32, 1.5, new Uint8Array(5)])
      expect(() => formatAddress(bad)).toThrow(RangeError);
  });

  it('a uint32 and its 4 bytes print the same, and parse back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const bytes = Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
        expect(formatAddress(bytes)).toBe(formatAddress(n));
        expect(ipv4Number(formatAddress(n), 'x')).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('address inputs', () => {
  it('pass bytes and numbers through untouched, parse text', () => {
    const mac = Uint8Array.of(2, 0, 0, 0, 0, 1);
    expect(macBytes(mac, 'src')).toBe(mac);
    expect(macBytes('02:00:00:00:00:01', 'src')).toEqual(mac);
    expect(ipv4Number(7, 'dst')).toBe(7);
    const v6 = parseIpv6('::1');
    expect(ipv6Bytes(v6, 'dst')).toBe(v6);
    expect(ipv6Bytes('::1', 'dst')).toEqual(v6);
  });

  it('name the field in the RangeError for bad text', () => {
    expect(() => macBytes('02:00', 'srcMac')).toThrow(/^srcMac: not a MAC address: "02:00"$/);
    expect(() => ipv4Number('1.2.3', 'dst')).toThrow(/^dst: not an IPv4 address/);
    expect(() => ipv6Bytes('1:::2', 'src')).toThrow(/^src: /);
  });
});
