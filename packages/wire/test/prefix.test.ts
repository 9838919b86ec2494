import {
  formatBytes,
  formatIpv4,
  formatIpv6,
  formatPrefix,
  ipv4Mask,
  maskIpv4,
  maskIpv6,
  type Prefix,
  parseIpv6,
  parsePrefix,
  prefixContains,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itWithTool, run } from './tools.js';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });

/** The address as a string of bits, the slow obvious way. */
const bits4 = (a: number) => a.toString(2).padStart(32, '0');
const bits6 = (a: Uint8Array) => Array.from(a, (x) => x.toString(2).padStart(8, '0')).join('');

const ipv4Prefix = fc
  .tuple(uint32, fc.integer({ min: 0, max: 32 }))
  .map(([a, length]): Prefix => ({ family: 4, address: maskIpv4(a, length), length }));
const ipv6Prefix = fc
  .tuple(v6, fc.integer({ min: 0, max: 128 }))
  .map(([a, length]): Prefix => ({ family: 6, address: maskIpv6(a, length), length }));

describe('parsePrefix / formatPrefix', () => {
  it('parses IPv4 CIDR text', () => {
    expect(parsePrefix('10.1.0.0/16')).toStrictEqual({ family: 4, address: 0x0a010000, length: 16 });
    expect(parsePrefix('0.0.0.0/0')).toStrictEqual({ family: 4, address: 0, length: 0 });
    expect(parsePrefix('192.0.2.1/32')).toStrictEqual({ family: 4, address: 0xc0000201, length: 32 });
    expect(parsePrefix('255.255.255.254/31')).toStrictEqual({ family: 4, address: 0xfffffffe, length: 31 });
  });

  it('parses the RFC 4291 §2.3 legal spellings of 2001:db8:0:cd30::/60', () => {
    for (const text of [
      '2001:0DB8:0000:CD30:0000:0000:0000:0000/60',
      '2001:0DB8::CD30:0:0:0:0/60',
      '2001:0DB8:0:CD30::/60',
    ]) {
      const p = parsePrefix(text);
      expect(p.family).toBe(6);
      expect(p.length).toBe(60);
      expect(formatBytes(p.address as Uint8Array, '')).toBe('20010db80000cd300000000000000000');
      expect(formatPrefix(p)).toBe('2001:db8:0:cd30::/60');
    }
  });

  it.each([
    // RFC 4291 §2.3: "the following are NOT legal representations of the above prefix"
    '2001:0DB8:0:CD3/60', // may drop leading zeros but not trailing ones
    '2001:0DB8::CD30/60', // address to the left of '/' expands to 2001:db8::cd30, host bits set
    '2001:0DB8::CD3/60', // likewise 2001:db8::cd3
    '10.0.0.0',
    '10.0.0.0/',
    '/8',
    '10.0.0.0/33',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/ 8',
    '10.0.0.0/8 ',
    '10.0.0.0/8/8',
    '10.0.0.0/255.0.0.0',
    '10.0.0/8',
    '10.1.0.0/8', // host bits set
    '10.0.0.1/31',
    '::/129',
    '::1/127',
    'fe80::/1000',
    'fe80::%eth0/64',
  ])('rejects %j with a RangeError', (text) => {
    expect(() => parsePrefix(text)).toThrow(RangeError);
  });

  it('names the reason in the error', () => {
    expect(() => parsePrefix('10.1.0.0/8')).toThrow('not a prefix (host bits set): "10.1.0.0/8"');
    expect(() => parsePrefix('2001:db8::1/64')).toThrow('not a prefix (host bits set): "2001:db8::1/64"');
    expect(() => parsePrefix('10.0.0.0')).toThrow('not a prefix (no /length): "10.0.0.0"');
    expect(() => parsePrefix('10.0.0.0/33')).toThrow('not a prefix (length over 32): "10.0.0.0/33"');
    expect(() => parsePrefix('::/129')).toThrow('not a prefix (length over 128): "::/129"');
    expect(() => parsePrefix('10.0.0.0/x')).toThrow('not a prefix (bad length): "10.0.0.0/x"');
  });

  it('clears host bits when strict is false, as `ip route add 10.1.2.3/16` does', () => {
    expect(parsePrefix('10.1.2.3/16', false)).toStrictEqual({ family: 4, address: 0x0a010000, length: 16 });
    expect(formatPrefix(parsePrefix('10.1.2.3/16', false))).toBe('10.1.0.0/16');
    expect(formatPrefix(parsePrefix('255.255.255.255/0', false))).toBe('0.0.0.0/0');
    expect(formatPrefix(parsePrefix('2001:db8:0:cd3f:1::1/60', false))).toBe('2001:db8:0:cd30::/60');
    expect(formatPrefix(parsePrefix('2001:db8::ff/121', false))).toBe('2001:db8::80/121');
    expect(formatPrefix(parsePrefix('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1', false))).toBe('8000::/1');
  });

  it('formats with the canonical address text', () => {
    expect(formatPrefix({ family: 6, address: parseIpv6('2001:0DB8:0:0::'), length: 32 })).toBe(
      '2001:db8::/32',
    );
    expect(formatPrefix({ family: 6, address: parseIpv6('::ffff:0.0.0.0'), length: 96 })).toBe(
      '::ffff:0.0.0.0/96',
    );
    expect(formatPrefix({ family: 4, address: 0xac100000, length: 12 })).toBe('172.16.0.0/12');
  });

  it('parse(format(p)) = p for every IPv4 and IPv6 prefix', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Prefix, ipv6Prefix), (p) => {
        expect(parsePrefix(formatPrefix(p))).toStrictEqual(p);
      }),
      { numRuns: 3000 },
    );
  });

  it('strict parsing refuses exactly the addresses with host bits set', () => {
    fc.assert(
      fc.property(uint32, fc.integer({ min: 0, max: 32 }), (a, length) => {
        const text = `${formatIpv4(a)}/${length}`;
        const hostBitsSet = bits4(a).slice(length).includes('1');
        if (hostBitsSet) expect(() => parsePrefix(text)).toThrow('host bits set');
        else expect(parsePrefix(text)).toStrictEqual({ family: 4, address: a, length });
        expect(formatPrefix(parsePrefix(text, false))).toBe(
          `${formatIpv4(Number.parseInt(bits4(a).slice(0, length).padEnd(32, '0'), 2))}/${length}`,
        );
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), (a, length) => {
        const text = `${formatIpv6(a)}/${length}`;
        const hostBitsSet = bits6(a).slice(length).includes('1');
        if (hostBitsSet) expect(() => parsePrefix(text)).toThrow('host bits set');
        else expect(formatPrefix(parsePrefix(text))).toBe(text);
        expect(bits6(parsePrefix(text, false).address as Uint8Array)).toBe(
          bits6(a).slice(0, length).padEnd(128, '0'),
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('masks', () => {
  it.each([
    [0, 0x00000000],
    [1, 0x80000000],
    [8, 0xff000000],
    [12, 0xfff00000],
    [24, 0xffffff00],
    [31, 0xfffffffe],
    [32, 0xffffffff],
  ])('ipv4Mask(%i) = %i, unsigned', (length, mask) => {
    expect(ipv4Mask(length)).toBe(mask);
  });

  it('maskIpv4 keeps the first length bits', () => {
    expect(maskIpv4(0xc0a80164, 24)).toBe(0xc0a80100);
    expect(maskIpv4(0xffffffff, 32)).toBe(0xffffffff);
    expect(maskIpv4(0xffffffff, 0)).toBe(0);
    expect(maskIpv4(0xffffffff, 1)).toBe(0x80000000);
    fc.assert(
      fc.property(uint32, fc.integer({ min: 0, max: 32 }), (a, length) => {
        expect(bits4(maskIpv4(a, length))).toBe(bits4(a).slice(0, length).padEnd(32, '0'));
      }),
    );
  });

  it('maskIpv6 keeps the first length bits and returns a new array', () => {
    const a = parseIpv6('2001:db8:0:cd3f:ffff:ffff:ffff:ffff');
    const m = maskIpv6(a, 60);
    expect(formatIpv6(m)).toBe('2001:db8:0:cd30::');
    expect(m).not.toBe(a);
    expect(formatIpv6(a)).toBe('2001:db8:0:cd3f:ffff:ffff:ffff:ffff');
    fc.assert(
      fc.property(v6, fc.integer({ min: 0, max: 128 }), (b, length) => {
        expect(bits6(maskIpv6(b, length))).toBe(bits6(b).slice(0, length).padEnd(128, '0'));
      }),
    );
  });
});

describe('prefixContains', () => {
  it('known answers', () => {
    const p4 = parsePrefix('10.1.0.0/16');
    expect(prefixContains(p4, '10.1.255.255')).toBe(true);
    expect(prefixContains(p4, '10.1.0.0')).toBe(true);
    expect(prefixContains(p4, '10.2.0.0')).toBe(false);
    expect(prefixContains(p4, '10.0.255.255')).toBe(false);
    expect(prefixContains(p4, 0x0a01abcd)).toBe(true);
    expect(prefixContains(parsePrefix('0.0.0.0/0'), '255.255.255.255')).toBe(true);
    expect(prefixContains(parsePrefix('192.0.2.1/32'), '192.0.2.1')).toBe(true);
    expect(prefixContains(parsePrefix('192.0.2.1/32'), '192.0.2.0')).toBe(false);
    const p6 = parsePrefix('2001:db8::/32');
    expect(prefixContains(p6, '2001:db8:ffff::1')).toBe(true);
    expect(prefixContains(p6, '2001:db9::')).toBe(false);
    expect(prefixContains(p6, parseIpv6('2001:0db8::abcd'))).toBe(true);
    expect(prefixContains(parsePrefix('::/0'), '::')).toBe(true);
  });

  it('is false across families and for arrays that are not 16 bytes', () => {
    expect(prefixContains(parsePrefix('0.0.0.0/0'), '::')).toBe(false);
    expect(prefixContains(parsePrefix('0.0.0.0/0'), new Uint8Array(4))).toBe(false);
    expect(prefixContains(parsePrefix('::/0'), '1.2.3.4')).toBe(false);
    expect(prefixContains(parsePrefix('::/0'), 0)).toBe(false);
    expect(prefixContains(parsePrefix('::/0'), new Uint8Array(15))).toBe(false);
    expect(prefixContains(parsePrefix('::ffff:0:0/96'), '10.0.0.1')).toBe(false);
  });

  it('throws RangeError for address text that does not parse', () => {
    expect(() => prefixContains(parsePrefix('10.0.0.0/8'), '10.0.0')).toThrow(RangeError);
    expect(() => prefixContains(parsePrefix('::/0'), '1:::2')).toThrow(RangeError);
  });

  it('agrees with a bit-by-bit comparison (IPv4)', () => {
    fc.assert(
      fc.property(ipv4Prefix, uint32, fc.boolean(), (p, a, near) => {
        // half the time, an address that shares the prefix's leading bits
        const addr = near ? (p.address as number) | (a & ~ipv4Mask(p.length)) : a;
        const expected =
          bits4(addr >>> 0).slice(0, p.length) === bits4(p.address as number).slice(0, p.length);
        expect(prefixContains(p, addr >>> 0)).toBe(expected);
        expect(prefixContains(p, formatIpv4(addr))).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with a bit-by-bit comparison (IPv6)', () => {
    fc.assert(
      fc.property(ipv6Prefix, v6, fc.nat(128), (p, a, flip) => {
        // an address equal to the prefix but for one flipped bit: inside iff the bit is a host bit
        const addr = (p.address as Uint8Array).slice();
        if (flip < 128) addr[flip >> 3] ^= 0x80 >> (flip & 7);
        expect(prefixContains(p, addr)).toBe(flip >= p.length);
        expect(prefixContains(p, formatIpv6(addr))).toBe(flip >= p.length);
        const expected = bits6(a).slice(0, p.length) === bits6(p.address as Uint8Array).slice(0, p.length);
        expect(prefixContains(p, a)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("agreement with Python's ipaddress", () => {
  const itPython = itWithTool('python3');
  itPython('strict and non-strict parsing and membership match ip_network', () => {
    const cases = fc.sample(
      fc.tuple(fc.oneof(uint32, v6), fc.nat(128), fc.oneof(uint32, v6)).map(([a, len, b]) => {
        const four = typeof a === 'number';
        const length = len % (four ? 33 : 129);
        const addr = four ? formatIpv4(a) : formatIpv6(a);
        const probe = typeof b === 'number' ? formatIpv4(b) : formatIpv6(b);
        return { text: `${addr}/${length}`, probe };
      }),
      { numRuns: 2000, seed: 4632 },
    );
    const script = `
import ipaddress, sys
for line in sys.stdin:
    text, probe = line.split()
    try:
        strict = str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        strict = 'ERR'
    n = ipaddress.ip_network(text, strict=False)
    p = ipaddress.ip_address(probe)
    print(strict, n, 'in' if p.version == n.version and p in n else 'out')
`;
    const out = run('python3', ['-c', script], cases.map((c) => `${c.text} ${c.probe}\n`).join(''))
      .trimEnd()
      .split('\n');
    expect(out).toHaveLength(cases.length);
    cases.forEach(({ text, probe }, i) => {
      const [strict, loose, membership] = out[i].split(' ');
      let ours = 'ERR';
      try {
        ours = formatPrefix(parsePrefix(text));
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
      }
      expect(ours, text).toBe(strict);
      const p = parsePrefix(text, false);
      expect(formatPrefix(p), text).toBe(loose);
      expect(prefixContains(p, probe) ? 'in' : 'out', `${probe} in ${text}`).toBe(membership);
    });
  });
});
