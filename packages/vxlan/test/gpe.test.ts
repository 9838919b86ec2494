import { encodeVxlanGpe, GpeNextProtocol, VxlanGpePacket, writeVxlanGpe } from '@cnikit/vxlan';
import { DecodeError, parseBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('VXLAN-GPE', () => {
  it('reads nsh-over-vxlan-gpe.pcap as tshark does (flags 0x0c, next protocol NSH, VNI 16777215)', () => {
    const v = VxlanGpePacket.parse(parseBytes('0c:00:00:04:ff:ff:ff:00:30:06'));
    expect(v.toJSON()).toEqual({
      vni: 16777215,
      nextProtocol: GpeNextProtocol.NSH,
      version: 0,
      flags: 0x0c,
      reserved16: 0,
      reserved8: 0,
    });
    expect([v.hasVni, v.hasNextProtocol, v.bum, v.oam]).toEqual([true, true, false, false]);
    expect([...v.payload]).toEqual([0x30, 0x06]);
  });

  it('splits version and B/O bits as the draft lays them out', () => {
    const v = VxlanGpePacket.parse(parseBytes('ffffff0300000742'));
    expect(v.version).toBe(3);
    expect([v.hasVni, v.hasNextProtocol, v.bum, v.oam]).toEqual([true, true, true, true]);
    expect(v.reserved16).toBe(0xffff);
    expect(v.nextProtocol).toBe(GpeNextProtocol.Ethernet);
    expect(v.reserved8).toBe(0x42);
  });

  it('writes I and P by default', () => {
    expect([...encodeVxlanGpe({ vni: 0x010203, nextProtocol: GpeNextProtocol.IPv6 })]).toEqual([
      0x0c, 0, 0, 2, 1, 2, 3, 0,
    ]);
  });

  it('refuses out-of-range fields with RangeError before writing', () => {
    const out = new Uint8Array(8);
    expect(() => writeVxlanGpe({ vni: 1 << 24, nextProtocol: 3 }, out)).toThrow(/vni/);
    expect(() => writeVxlanGpe({ vni: 1, nextProtocol: 256 }, out)).toThrow(/nextProtocol/);
    expect(() => writeVxlanGpe({ vni: 1, nextProtocol: 3, version: 4 }, out)).toThrow(/version/);
    expect(() => writeVxlanGpe({ vni: 1, nextProtocol: 3, flags: 0x30 }, out)).toThrow(/version bits/);
    expect([...out]).toEqual(new Array(8).fill(0));
  });

  it('round-trips: parse(write(x)) = x and write(parse(b)) = b', () => {
    const header = fc.record({
      vni: fc.integer({ min: 0, max: 0xffffff }),
      nextProtocol: fc.integer({ min: 0, max: 255 }),
      version: fc.integer({ min: 0, max: 3 }),
      flags: fc.integer({ min: 0, max: 255 }).map((f) => f & 0xcf),
      reserved16: fc.integer({ min: 0, max: 0xffff }),
      reserved8: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(header, (h) => {
        expect(VxlanGpePacket.parse(encodeVxlanGpe(h)).toJSON()).toEqual(h);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (b) => {
        expect([...encodeVxlanGpe(VxlanGpePacket.parse(b).toJSON())]).toEqual([...b]);
      }),
      { numRuns: 5000 },
    );
  });

  it('only throws DecodeError on 100000 random inputs', () => {
    const v = new VxlanGpePacket();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
        try {
          v.bind(b);
          expect(v.version).toBeLessThanOrEqual(3);
          expect(v.payload.length).toBe(b.length - 8);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          expect(b.length).toBeLessThan(8);
        }
      }),
      { numRuns: 100_000 },
    );
  });
});
