import {
  formatBytes,
  hex,
  parseBytes,
  readU16,
  readU24,
  readU32,
  writeU16,
  writeU24,
  writeU32,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('big-endian reads', () => {
  // The first bytes of an IPv4 header from dns_tcp.pcap frame 4: 45 00 00 62 9b 2a 40 00
  const b = Uint8Array.from([0x45, 0x00, 0x00, 0x62, 0x9b, 0x2a, 0x40, 0x00, 0xff, 0xff, 0xff, 0xff]);

  it('read network byte order at an offset', () => {
    expect(readU16(b, 2)).toBe(98); // total length 0x0062
    expect(readU16(b, 4)).toBe(0x9b2a); // identification
    expect(readU24(b, 1)).toBe(0x000062);
    expect(readU24(b, 3)).toBe(0x629b2a);
    expect(readU32(b, 0)).toBe(0x45000062);
    expect(readU32(b, 4)).toBe(0x9b2a4000);
  });

  it('return unsigned values when the top bit is set', () => {
    expect(readU16(b, 8)).toBe(0xffff);
    expect(readU24(b, 8)).toBe(0xffffff);
    expect(readU32(b, 8)).toBe(4294967295);
    expect(readU32(b, 4)).toBeGreaterThan(0);
  });

  it("agree with DataView's big-endian getters", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 40 }), fc.nat(), (bytes, at) => {
        const o = at % (bytes.length - 3);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        expect(readU16(bytes, o)).toBe(view.getUint16(o));
        expect(readU24(bytes, o)).toBe((view.getUint16(o) << 8) | view.getUint8(o + 2));
        expect(readU32(bytes, o)).toBe(view.getUint32(o));
      }),
    );
  });
});

describe('big-endian writes', () => {
  it('write exactly their bytes, leaving neighbours alone', () => {
    const b = new Uint8Array(12).fill(0xee);
    writeU16(b, 1, 0x86dd);
    writeU24(b, 3, 0x123456);
    writeU32(b, 6, 0xc0000201);
    expect(formatBytes(b, '')).toBe('ee86dd123456c0000201eeee');
  });

  it('keep the low bits of over-wide values', () => {
    const b = new Uint8Array(4);
    writeU16(b, 0, 0x12345);
    expect(formatBytes(b.subarray(0, 2), '')).toBe('2345');
    writeU32(b, 0, -1);
    expect(formatBytes(b, '')).toBe('ffffffff');
  });

  it('round-trip through the reads, and agree with DataView', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(8), (v, o) => {
        const b = new Uint8Array(12);
        const view = new DataView(b.buffer);
        writeU32(b, o, v);
        expect(readU32(b, o)).toBe(v);
        expect(view.getUint32(o)).toBe(v);
        writeU24(b, o, v & 0xffffff);
        expect(readU24(b, o)).toBe(v & 0xffffff);
        writeU16(b, o, v & 0xffff);
        expect(readU16(b, o)).toBe(v & 0xffff);
        expect(view.getUint16(o)).toBe(v & 0xffff);
      }),
    );
  });
});

describe('formatBytes / parseBytes / hex', () => {
  it('formatBytes writes lower-case hex with a separator', () => {
    const b = Uint8Array.from([0x00, 0x0a, 0xab, 0xff]);
    expect(formatBytes(b)).toBe('00:0a:ab:ff');
    expect(formatBytes(b, ' ')).toBe('00 0a ab ff');
    expect(formatBytes(b, '')).toBe('000aabff');
    expect(formatBytes(new Uint8Array(0))).toBe('');
    expect(formatBytes(Uint8Array.from([7]))).toBe('07');
  });

  it.each([
    ['12:34:ab', [0x12, 0x34, 0xab]],
    ['12-34-AB', [0x12, 0x34, 0xab]],
    ['1234ab', [0x12, 0x34, 0xab]],
    ['12 34 ab', [0x12, 0x34, 0xab]],
    ['1234.abcd', [0x12, 0x34, 0xab, 0xcd]],
    ['  0800\n4500\t00 3c ', [0x08, 0x00, 0x45, 0x00, 0x00, 0x3c]],
    ['', []],
  ])('parseBytes(%j)', (text, bytes) => {
    expect(Array.from(parseBytes(text))).toEqual(bytes);
  });

  it.each([
    '1',
    '123',
    '12:3',
    '1:2:3:4', // single digits per group are not bytes (used to parse as 12 34)
    '1.2.3.4',
    'a:b',
    '12::34',
    'gg',
    '0x12',
    '12:34:',
    ':12',
  ])('parseBytes rejects %j with a RangeError', (text) => {
    expect(() => parseBytes(text)).toThrow(RangeError);
    expect(() => parseBytes(text)).toThrow(`not a hex byte string: ${JSON.stringify(text)}`);
  });

  it('parseBytes(formatBytes(b, sep)) = b for every separator', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(':', '-', ' ', '', '.'), (b, sep) => {
        expect(Array.from(parseBytes(formatBytes(b, sep)))).toEqual(Array.from(b));
      }),
    );
  });

  it('hex pads as Wireshark shows hex fields', () => {
    expect(hex(0x800, 4)).toBe('0x0800');
    expect(hex(0x86dd, 4)).toBe('0x86dd');
    expect(hex(6, 2)).toBe('0x06');
    expect(hex(0x12345, 4)).toBe('0x12345');
    expect(hex(0, 8)).toBe('0x00000000');
  });
});
