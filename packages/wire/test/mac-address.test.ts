import { formatBytes, formatMac, isBroadcastMac, isMulticastMac, parseMac } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('parseMac / formatMac', () => {
  it.each([
    ['00:00:5e:00:53:01', '00005e005301'], // RFC 7042 §2.1.2 documentation unicast MAC
    ['00-00-5E-00-53-01', '00005e005301'],
    ['0000.5e00.5301', '00005e005301'], // Cisco dotted form
    ['01:00:5E:90:10:00', '01005e901000'], // RFC 7042 documentation multicast MAC
    ['ff:ff:ff:ff:ff:ff', 'ffffffffffff'],
    ['Aa:bB:cC:Dd:eE:Ff', 'aabbccddeeff'],
  ])('parses %s', (text, hex) => {
    expect(formatBytes(parseMac(text), '')).toBe(hex);
  });

  it.each([
    '',
    '00:00:5e:00:53',
    '00:00:5e:00:53:01:02',
    '00:00:5e:00:53:1',
    '0:0:5e:0:53:1',
    '00:00-5e:00:53:01', // one separator throughout
    '00-00:5e-00:53-01',
    '00005e005301', // no separators: not one of the documented forms
    '00.00.5e.00.53.01',
    '0000.5e00.530',
    '0000:5e00:5301',
    '00:00:5e:00:53:0g',
    ' 00:00:5e:00:53:01',
    '00:00:5e:00:53:01 ',
    '00::00:5e:00:53:01',
  ])('rejects %j with a RangeError naming the text', (text) => {
    expect(() => parseMac(text)).toThrow(RangeError);
    expect(() => parseMac(text)).toThrow(`not a MAC address: ${JSON.stringify(text)}`);
  });

  it('formats lower-case colon hex, as TShark writes eth.src', () => {
    // Ethernet header of dns_tcp.pcap frame 4: dst 00:11:22:33:44:66, src 00:11:22:33:44:55
    const frame = Uint8Array.from([
      0x00, 0x11, 0x22, 0x33, 0x44, 0x66, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 8, 0,
    ]);
    expect(formatMac(frame)).toBe('00:11:22:33:44:66');
    expect(formatMac(frame, 6)).toBe('00:11:22:33:44:55');
    expect(formatMac(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x0a, 0xb0]))).toBe('de:ad:be:ef:0a:b0');
  });

  it('parse(format(x)) = x, and format is canonical for every spelling', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        fc.constantFrom(':', '-', '.'),
        fc.boolean(),
        (b, sep, upper) => {
          const text = formatMac(b);
          expect(text).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
          expect(formatBytes(parseMac(text))).toBe(formatBytes(b));
          const hex = formatBytes(b, '');
          let other = sep === '.' ? hex.match(/.{4}/g)!.join('.') : hex.match(/.{2}/g)!.join(sep);
          if (upper) other = other.toUpperCase();
          expect(formatMac(parseMac(other))).toBe(text);
        },
      ),
    );
  });
});

describe('isMulticastMac / isBroadcastMac', () => {
  it.each([
    ['ff:ff:ff:ff:ff:ff', true, true],
    ['01:00:5e:00:00:01', true, false], // IPv4 multicast (RFC 1112)
    ['33:33:00:00:00:01', true, false], // IPv6 multicast (RFC 2464)
    ['01:80:c2:00:00:00', true, false], // STP
    ['00:00:5e:00:53:01', false, false],
    ['02:00:00:00:00:01', false, false], // locally administered unicast
    ['fe:ff:ff:ff:ff:ff', false, false],
    ['ff:ff:ff:ff:ff:fe', true, false],
  ])('%s: multicast %s, broadcast %s', (text, multicast, broadcast) => {
    const b = parseMac(text);
    expect(isMulticastMac(b)).toBe(multicast);
    expect(isBroadcastMac(b)).toBe(broadcast);
  });

  it('read at an offset', () => {
    const b = Uint8Array.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
    expect(isBroadcastMac(b, 1)).toBe(true);
    expect(isBroadcastMac(b, 0)).toBe(false);
    expect(isMulticastMac(b, 1)).toBe(true);
    expect(isMulticastMac(b, 0)).toBe(false);
  });
});
