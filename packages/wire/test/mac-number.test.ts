import { displayValue, formatMac, formatMac48, parseMac, readMac48, writeMac48 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const mac48 = fc.integer({ min: 0, max: 0xffff_ffff_ffff });

describe('48-bit MAC numbers', () => {
  it('read the 6 bytes at an offset as hi16 * 2^32 + lo32, exactly', () => {
    // eth.src of dns_tcp.pcap frame 4, after a 2-byte prefix
    const b = Uint8Array.from([0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xff]);
    expect(readMac48(b, 2)).toBe(0x0011_2233_4455);
    expect(readMac48(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0)).toBe(281474976710655);
    expect(readMac48(Uint8Array.from([0x80, 0, 0, 0, 0, 0]), 0)).toBe(2 ** 47); // no sign trouble
    expect(readMac48(Uint8Array.from([0, 0, 0x80, 0, 0, 0]), 0)).toBe(2 ** 31);
  });

  it('format as lower-case colon hex, like formatMac', () => {
    expect(formatMac48(0x0242_0af4_0207)).toBe('02:42:0a:f4:02:07');
    expect(formatMac48(0)).toBe('00:00:00:00:00:00');
    expect(formatMac48(0xffff_ffff_ffff)).toBe('ff:ff:ff:ff:ff:ff');
  });

  it('write exactly 6 bytes, leaving neighbours alone', () => {
    const out = new Uint8Array(8).fill(0xee);
    writeMac48(0x0011_2233_4455, out, 1);
    expect(Array.from(out)).toEqual([0xee, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0xee]);
  });

  it.each([
    [-1, 0],
    [2 ** 48, 0],
    [1.5, 0],
    [Number.NaN, 0],
    [0, 3], // no room: 3 + 6 > 8
    [0, -1],
  ])('writeMac48(%d, out[8], %d) throws RangeError and writes nothing', (mac, offset) => {
    const out = new Uint8Array(8).fill(0xee);
    expect(() => writeMac48(mac, out, offset)).toThrow(RangeError);
    expect(Array.from(out)).toEqual(new Array(8).fill(0xee));
  });

  it('agree with the byte forms: read(parseMac(formatMac48(x))) = x and formatMac48 = formatMac', () => {
    fc.assert(
      fc.property(mac48, fc.nat(4), (x, offset) => {
        const out = new Uint8Array(10);
        writeMac48(x, out, offset);
        expect(readMac48(out, offset)).toBe(x);
        expect(formatMac48(x)).toBe(formatMac(out, offset));
        expect(readMac48(parseMac(formatMac48(x)), 0)).toBe(x);
      }),
    );
  });
});

describe('displayValue', () => {
  it('is the text after "Name: " in display, else the formatted value', () => {
    expect(
      displayValue({
        field: 'ip.hdr_len',
        name: 'Header Length',
        offset: 0,
        length: 1,
        value: 20,
        display: 'Header Length: 20 bytes (5)',
      }),
    ).toBe('20 bytes (5)');
    expect(displayValue({ field: 'ip.ttl', name: 'Time to Live', offset: 0, length: 1, value: 64 })).toBe(
      '64',
    );
    expect(
      displayValue({ field: 'tcp.payload', name: 'Payload', offset: 0, length: 3, value: new Uint8Array(3) }),
    ).toBe('(3 bytes)');
    expect(displayValue({ field: 'ip.flags.df', name: 'DF', offset: 0, length: 1, value: true })).toBe(
      'True',
    );
    expect(displayValue({ field: 'ip', name: 'IP', offset: 0, length: 20 })).toBe('');
    // a display without "Name: " falls back to the value
    expect(displayValue({ field: 'x', name: 'X', offset: 0, length: 1, value: 7, display: 'seven' })).toBe(
      '7',
    );
  });
});
