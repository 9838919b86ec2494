import { isIPv4 } from 'node:net';
import { formatIpv4, isIpv4Text, parseIpv4, readIpv4 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });

describe('parseIpv4 / formatIpv4', () => {
  it('parses dotted quads to unsigned 32-bit numbers', () => {
    expect(parseIpv4('192.0.2.1')).toBe(0xc0000201); // RFC 5737 TEST-NET-1
    expect(parseIpv4('198.51.100.255')).toBe(0xc63364ff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(4294967295); // unsigned, not -1
    expect(parseIpv4('10.0.0.1')).toBe(167772161);
    expect(parseIpv4('0.0.1.0')).toBe(256);
  });

  it('formats unsigned numbers, and signed int32 views of the same bits', () => {
    expect(formatIpv4(0xc0000201)).toBe('192.0.2.1');
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIpv4(-1)).toBe('255.255.255.255');
    expect(formatIpv4(0x80000000 | 0)).toBe('128.0.0.0');
    expect(formatIpv4(0)).toBe('0.0.0.0');
    expect(formatIpv4(0x0a000001)).toBe('10.0.0.1');
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.4.',
    '.1.2.3.4',
    '1..3.4',
    '256.0.0.0',
    '1.2.3.256',
    '01.2.3.4', // leading zeros: inet_pton and Node refuse them (octal ambiguity)
    '1.2.3.04',
    '0x1.2.3.4',
    '1.2.3.-4',
    '+1.2.3.4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4/32',
    '1e2.0.0.0',
    '１.2.3.4', // full-width digit
    '4294967295',
    '1.2.3.1000',
  ])('rejects %j with a RangeError naming the text', (text) => {
    expect(() => parseIpv4(text)).toThrow(RangeError);
    expect(() => parseIpv4(text)).toThrow(`not an IPv4 address: ${JSON.stringify(text)}`);
    expect(isIpv4Text(text)).toBe(false);
  });

  it('isIpv4Text accepts what parseIpv4 accepts', () => {
    expect(isIpv4Text('192.0.2.1')).toBe(true);
    expect(isIpv4Text('0.0.0.0')).toBe(true);
  });

  it('parse(format(x)) = x for every uint32', () => {
    fc.assert(fc.property(uint32, (x) => parseIpv4(formatIpv4(x)) === x));
  });

  it('format(parse(t)) = t: canonical dotted quads are unique', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), (o) => {
        const text = o.join('.');
        return formatIpv4(parseIpv4(text)) === text;
      }),
    );
  });

  it("accepts exactly what Node's net.isIPv4 accepts (mutated addresses)", () => {
    const alphabet = fc.constantFrom(...'0123456789.x -'.split(''));
    const mutated = fc
      .tuple(
        uint32,
        fc.array(fc.tuple(fc.nat(20), alphabet, fc.constantFrom('ins', 'del', 'set')), { maxLength: 3 }),
      )
      .map(([x, edits]) => {
        let s = formatIpv4(x);
        for (const [at, ch, op] of edits) {
          const i = at % (s.length + 1);
          if (op === 'ins') s = s.slice(0, i) + ch + s.slice(i);
          else if (op === 'del') s = s.slice(0, i) + s.slice(i + 1);
          else s = s.slice(0, i) + ch + s.slice(i + 1);
        }
        return s;
      });
    fc.assert(
      fc.property(mutated, (text) => {
        expect(isIpv4Text(text)).toBe(isIPv4(text));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('readIpv4', () => {
  it('reads a big-endian address at an offset, unsigned', () => {
    // RFC 791 header bytes 12..19 of LINKTYPE_IPV4.pcap: 192.168.1.100 → 9.9.9.9
    const b = Uint8Array.from([0xaa, 0xc0, 0xa8, 0x01, 0x64, 0x09, 0x09, 0x09, 0x09, 0xff, 0xff, 0xff, 0xff]);
    expect(readIpv4(b, 1)).toBe(0xc0a80164);
    expect(formatIpv4(readIpv4(b, 1))).toBe('192.168.1.100');
    expect(formatIpv4(readIpv4(b, 5))).toBe('9.9.9.9');
    expect(readIpv4(b, 9)).toBe(0xffffffff);
  });
});
