import {
  encodeVxlan,
  gbpToVxlanHeader,
  readGbp,
  VXLAN_RESERVED_FLAGS,
  type VxlanHeader,
  VxlanPacket,
  writeVxlan,
  writeVxlanGbp,
} from '@cnikit/vxlan';
import { DecodeError, parseBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = 100_000;

describe('VXLAN header (RFC 7348 §5)', () => {
  it('reads the header of vxlan.pcap frame 1 as tshark does (flags 0x0800, VNI 100)', () => {
    // udp.payload of frame 1 in the corpus: header, then the inner frame to 00:16:3e:37:f6:04
    const b = parseBytes('08:00:00:00:00:00:64:00:00:30:88:01:00:02:00:16:3e:37:f6:04:08:00');
    const v = VxlanPacket.parse(b);
    expect(v.toJSON()).toEqual({ flags: 0x0800, groupPolicyId: 0, vni: 100, reserved8: 0 });
    expect(v.hasVni).toBe(true);
    expect(v.hasGroupPolicy).toBe(false);
    expect(v.reservedFlags).toBe(0);
    expect([...v.payload]).toEqual([
      0x00, 0x30, 0x88, 0x01, 0x00, 0x02, 0x00, 0x16, 0x3e, 0x37, 0xf6, 0x04, 0x08, 0x00,
    ]);
  });

  it('reports reserved bits without refusing them, as tshark decodes ff ff 12 34 ab cd ef 99', () => {
    const v = VxlanPacket.parse(parseBytes('ffff1234abcdef99'));
    expect(v.flags).toBe(0xffff);
    expect(v.reservedFlags).toBe(0x77b7);
    expect(v.groupPolicyId).toBe(4660);
    expect(v.vni).toBe(11259375);
    expect(v.reserved8).toBe(153);
    expect([v.hasGroupPolicy, v.hasVni, v.dontLearn, v.policyApplied]).toEqual([true, true, true, true]);
  });

  it('binds at an offset and ends where told', () => {
    const b = parseBytes('aaaa0800000000ff0100bbbb');
    const v = VxlanPacket.parse(b, 2, 11);
    expect(v.vni).toBe(0xff01);
    expect([...v.payload]).toEqual([0xbb]);
  });

  it('writes I only by default, I and G with a group policy id', () => {
    expect([...encodeVxlan({ vni: 0x123456 })]).toEqual([0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
    expect([...encodeVxlan({ vni: 1, groupPolicyId: 0xbeef })]).toEqual([0x88, 0, 0xbe, 0xef, 0, 0, 1, 0]);
  });

  it('writes GBP D and A bits where Linux and Wireshark put them', () => {
    const out = new Uint8Array(8);
    writeVxlanGbp({ vni: 7, groupPolicyId: 0x0102, dontLearn: true, policyApplied: true }, out);
    expect([...out]).toEqual([0x88, 0x48, 0x01, 0x02, 0, 0, 7, 0]);
    expect(readGbp(VxlanPacket.parse(out))).toEqual({
      vni: 7,
      groupPolicyId: 0x0102,
      dontLearn: true,
      policyApplied: true,
    });
    expect(readGbp(VxlanPacket.parse(encodeVxlan({ vni: 7 })))).toBeUndefined();
  });

  it.each([
    ['vni', { vni: 0x1000000 }],
    ['vni', { vni: -1 }],
    ['vni', { vni: 1.5 }],
    ['vni', { vni: Number.NaN }],
    ['flags', { vni: 1, flags: 0x10000 }],
    ['groupPolicyId', { vni: 1, groupPolicyId: 65536 }],
    ['reserved8', { vni: 1, reserved8: 256 }],
  ] as [string, VxlanHeader][])('throws RangeError naming %s before writing anything', (field, h) => {
    const out = new Uint8Array(8).fill(0xee);
    expect(() => writeVxlan(h, out, 0)).toThrow(new RegExp(`${field}`));
    expect(() => writeVxlan(h, out, 0)).toThrow(RangeError);
    expect([...out]).toEqual(new Array(8).fill(0xee));
  });

  it('throws RangeError when the buffer is too short, and for a GBP id out of range', () => {
    expect(() => writeVxlan({ vni: 1 }, new Uint8Array(10), 3)).toThrow(RangeError);
    expect(() => gbpToVxlanHeader({ vni: 1, groupPolicyId: -1 })).toThrow(/groupPolicyId/);
  });

  it('throws a truncated DecodeError with the absolute offset for fewer than 8 bytes', () => {
    const err = (() => {
      try {
        VxlanPacket.parse(new Uint8Array(20), 14, 21);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).toJSON()).toMatchObject({ code: 'truncated', layer: 'vxlan', offset: 14 });
  });

  it('parse(write(x)) equals x for every header', () => {
    const header = fc.record({
      vni: fc.integer({ min: 0, max: 0xffffff }),
      flags: fc.integer({ min: 0, max: 0xffff }),
      groupPolicyId: fc.integer({ min: 0, max: 0xffff }),
      reserved8: fc.integer({ min: 0, max: 0xff }),
    });
    fc.assert(
      fc.property(header, fc.nat(16), (h, offset) => {
        const out = new Uint8Array(offset + 8);
        expect(writeVxlan(h, out, offset)).toBe(8);
        expect(VxlanPacket.parse(out, offset).toJSON()).toEqual(h);
      }),
      { numRuns: 2000 },
    );
  });

  it('write(parse(b)) equals b for any 8 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (b) => {
        expect([...encodeVxlan(VxlanPacket.parse(b).toJSON())]).toEqual([...b]);
      }),
      { numRuns: 5000 },
    );
  });

  it(`only ever throws DecodeError on ${RUNS} random inputs, and getters stay in bounds`, () => {
    const v = new VxlanPacket();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.nat(24), (b, s) => {
        const start = Math.min(s, b.length);
        try {
          v.bind(b, start, b.length);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          expect(b.length - start).toBeLessThan(8);
          return;
        }
        expect(Number.isInteger(v.vni) && v.vni <= 0xffffff).toBe(true);
        expect(v.flags & ~0xffff).toBe(0);
        expect(v.reservedFlags & ~VXLAN_RESERVED_FLAGS).toBe(0);
        expect(v.payload.length).toBe(b.length - start - 8);
      }),
      { numRuns: RUNS },
    );
  });
});
