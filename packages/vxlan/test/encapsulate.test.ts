import type { Ipv4Packet, Ipv6Packet } from '@cnikit/ethernet';
import {
  decapsulate,
  type EncapsulateOptions,
  encapsulate,
  encapsulatedLength,
  encodeEncapsulated,
  innerFlowHash,
  SourcePortRange,
  sourcePortFromHash,
  VxlanDecapsulator,
  VxlanEncapsulator,
} from '@cnikit/vxlan';
import { DecodeError, formatIpv4, formatIpv6, formatMac, verifyChecksum } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutatePacket, seededRandom } from '../../../test/support/mutate.js';
import { benchmarkFrame } from './frames.js';

const INNER = benchmarkFrame('vxlan-inner');
const GOPACKET = benchmarkFrame('vxlan-eth-ipv4-udp');

/** The options gopacket's frame was built with (read off its bytes and tshark's decode). */
const GOPACKET_OPTIONS: EncapsulateOptions = {
  srcMac: '52:54:00:00:00:01',
  dstMac: '52:54:00:00:00:02',
  src: '192.168.0.1',
  dst: '192.168.0.2',
  vni: 42,
  srcPort: 0xc738,
  identification: 0x2a2a,
  df: true,
  udpChecksum: true,
};

describe('encapsulate', () => {
  it('builds byte for byte the frame gopacket serialised (outer IPv4 + UDP checksums computed)', () => {
    const out = new Uint8Array(GOPACKET.length + 10).fill(0xaa);
    expect(encapsulate(INNER, GOPACKET_OPTIONS, out, 5)).toBe(GOPACKET.length);
    expect(Buffer.from(out.subarray(5, 5 + GOPACKET.length)).toString('hex')).toBe(
      Buffer.from(GOPACKET).toString('hex'),
    );
    expect(out[4]).toBe(0xaa);
    expect(out[5 + GOPACKET.length]).toBe(0xaa);
  });

  it('sends a zero UDP checksum over IPv4 by default, computes it over IPv6', () => {
    const v4 = encodeEncapsulated(INNER, { ...GOPACKET_OPTIONS, udpChecksum: undefined });
    expect(v4[40] | v4[41]).toBe(0);
    const v6 = encodeEncapsulated(INNER, {
      ...GOPACKET_OPTIONS,
      src: 'fd00::1',
      dst: 'fd00::2',
      udpChecksum: undefined,
    });
    const d = decapsulate(v6);
    const ip = d.ip as Ipv6Packet;
    expect(d.udp.checksum).not.toBe(0);
    expect(d.udp.checksumStatus({ family: 6, src: ip.src, dst: ip.dst })).toBe('good');
    const zero = decapsulate(
      encodeEncapsulated(INNER, { ...GOPACKET_OPTIONS, src: 'fd00::1', dst: 'fd00::2', udpChecksum: false }),
    );
    expect(zero.udp.checksum).toBe(0);
  });

  it('takes the source port from the inner flow hash, inside the chosen range', () => {
    const o = { ...GOPACKET_OPTIONS, srcPort: undefined };
    const rfc = decapsulate(encodeEncapsulated(INNER, o)).udp.srcPort;
    expect(rfc).toBe(sourcePortFromHash(innerFlowHash(INNER), SourcePortRange.rfc7348));
    expect(rfc).toBeGreaterThanOrEqual(49152);
    const linux = decapsulate(encodeEncapsulated(INNER, { ...o, srcPortRange: SourcePortRange.linux })).udp
      .srcPort;
    expect(linux).toBe(sourcePortFromHash(innerFlowHash(INNER), SourcePortRange.linux));
    expect(linux).toBeLessThanOrEqual(60999);
  });

  it("inherits TOS as Linux's `tos inherit` and copies ECN per RFC 6040 (CE sent as ECT(0))", () => {
    // INNER's IPv4 TOS is 0xb8 (EF, Not-ECT)
    const inherit = decapsulate(encodeEncapsulated(INNER, { ...GOPACKET_OPTIONS, tos: 'inherit' }));
    expect((inherit.ip as Ipv4Packet).dsfield).toBe(0xb8);
    const ce = INNER.slice();
    ce[15] = 0xbb;
    const fixed = decapsulate(encodeEncapsulated(ce, { ...GOPACKET_OPTIONS, tos: 0x20 }));
    expect((fixed.ip as Ipv4Packet).dsfield).toBe(0x22);
    const ect1 = INNER.slice();
    ect1[15] = 0x01;
    expect(
      (decapsulate(encodeEncapsulated(ect1, { ...GOPACKET_OPTIONS, tos: 'inherit' })).ip as Ipv4Packet)
        .dsfield,
    ).toBe(1);
  });

  it('inherits DF from the inner IPv4 header when asked', () => {
    const clear = INNER.slice();
    clear[20] &= ~0x40;
    const o = { ...GOPACKET_OPTIONS, df: 'inherit' as const };
    expect((decapsulate(encodeEncapsulated(INNER, o)).ip as Ipv4Packet).dontFragment).toBe(true);
    expect((decapsulate(encodeEncapsulated(clear, o)).ip as Ipv4Packet).dontFragment).toBe(false);
  });

  it('writes only the headers in front of an inner frame already in place (encapsulateInPlace)', () => {
    const enc = new VxlanEncapsulator(GOPACKET_OPTIONS);
    const out = new Uint8Array(GOPACKET.length + 3);
    out.set(INNER, 3 + 50);
    expect(enc.encapsulateInPlace(out, 3, INNER.length)).toBe(GOPACKET.length);
    expect([...out.subarray(3)]).toEqual([...GOPACKET]);
    // the copying form also accepts an inner frame that is its own destination
    const again = new Uint8Array(GOPACKET.length);
    again.set(INNER, 50);
    expect(enc.encapsulate(again.subarray(50), again, 0)).toBe(GOPACKET.length);
    expect([...again]).toEqual([...GOPACKET]);
    expect(() => enc.encapsulateInPlace(out, 4, INNER.length)).toThrow(RangeError);
  });

  it.each([
    ['vni', { vni: 1 << 24 }],
    ['port', { port: 65536 }],
    ['ttl', { ttl: 256 }],
    ['tos', { tos: -1 }],
    ['srcPort', { srcPort: 70000 }],
    ['srcPortRange', { srcPortRange: { min: 2000, max: 1000 } }],
    ['IPv4 or both IPv6', { dst: 'fd00::2' }],
    ['MAC', { srcMac: '52:54:00' }],
    ['6 bytes', { dstMac: new Uint8Array(5) }],
  ] as [string, Partial<EncapsulateOptions>][])(
    'throws RangeError for a bad %s, before writing',
    (what, bad) => {
      const out = new Uint8Array(200).fill(7);
      expect(() => encapsulate(INNER, { ...GOPACKET_OPTIONS, ...bad }, out, 0)).toThrow(RangeError);
      expect(() => encapsulate(INNER, { ...GOPACKET_OPTIONS, ...bad }, out, 0)).toThrow(what);
      expect(out.every((b) => b === 7)).toBe(true);
    },
  );

  it('throws RangeError when the output is too small, writing nothing', () => {
    const out = new Uint8Array(GOPACKET.length - 1).fill(7);
    expect(() => encapsulate(INNER, GOPACKET_OPTIONS, out, 0)).toThrow(RangeError);
    expect(out.every((b) => b === 7)).toBe(true);
  });
});

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
const optionsArb = fc.record({
  family: fc.constantFrom(4, 6),
  srcMac: macArb,
  dstMac: macArb,
  src4: fc.nat({ max: 0xffffffff }),
  dst4: fc.nat({ max: 0xffffffff }),
  src6: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  dst6: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  vni: fc.integer({ min: 0, max: 0xffffff }),
  port: fc.constantFrom(4789, 8472, 1, 65535),
  ttl: fc.integer({ min: 0, max: 255 }),
  tos: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant('inherit' as const)),
  df: fc.constantFrom(true, false, 'inherit' as const),
  udpChecksum: fc.option(fc.boolean(), { nil: undefined }),
  identification: fc.integer({ min: 0, max: 0xffff }),
});

describe('decapsulate(encapsulate(x)) gives back x', () => {
  it('for random inner frames and options over IPv4 and IPv6', () => {
    const d = new VxlanDecapsulator({ ports: [4789, 8472, 1, 65535] });
    fc.assert(
      fc.property(optionsArb, fc.uint8Array({ minLength: 14, maxLength: 300 }), fc.nat(7), (o, inner, at) => {
        const options: EncapsulateOptions = {
          srcMac: o.srcMac,
          dstMac: o.dstMac,
          src: o.family === 4 ? o.src4 : o.src6,
          dst: o.family === 4 ? o.dst4 : o.dst6,
          vni: o.vni,
          port: o.port,
          ttl: o.ttl,
          tos: o.tos,
          df: o.df,
          udpChecksum: o.udpChecksum,
          identification: o.identification,
        };
        const out = new Uint8Array(at + encapsulatedLength(inner.length, o.family as 4 | 6));
        encapsulate(inner, options, out, at);
        d.bind(out, at);
        expect([...d.inner.buf.subarray(d.inner.start, d.inner.end)]).toEqual([...inner]);
        expect(d.vxlan.vni).toBe(o.vni);
        expect(d.vxlan.flags).toBe(0x0800);
        expect(d.udp.dstPort).toBe(o.port);
        expect(formatMac(d.ethernet.src)).toBe(formatMac(o.srcMac));
        expect(formatMac(d.ethernet.dst)).toBe(formatMac(o.dstMac));
        const wantChecksum = o.udpChecksum ?? o.family === 6;
        expect(d.udp.checksumStatus(d.ipContext())).toBe(
          wantChecksum ? 'good' : o.family === 4 ? 'none' : 'zero-ipv6',
        );
        if (o.family === 4) {
          const ip = d.ipv4!;
          expect(formatIpv4(ip.src)).toBe(formatIpv4(o.src4));
          expect(ip.dst).toBe(o.dst4);
          expect(ip.ttl).toBe(o.ttl);
          expect(ip.identification).toBe(o.identification);
          expect(verifyChecksum(out, ip.start, ip.start + 20)).toBe(true);
          expect(ip.totalLength).toBe(out.length - at - 14);
        } else {
          const ip = d.ipv6!;
          expect(formatIpv6(ip.src)).toBe(formatIpv6(o.src6));
          expect(formatIpv6(ip.dst)).toBe(formatIpv6(o.dst6));
          expect(ip.hopLimit).toBe(o.ttl);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('decapsulate rejects every way a frame can be wrong with a typed DecodeError', () => {
  const errorOf = (frame: Uint8Array, ports?: number[]) => {
    try {
      decapsulate(frame, ports ? { ports } : {});
    } catch (e) {
      if (e instanceof DecodeError) return e.toJSON();
      throw e;
    }
    throw new Error('decoded');
  };
  const edit = (f: (b: Uint8Array) => void) => {
    const b = GOPACKET.slice();
    f(b);
    return b;
  };
  const fixIpChecksum = (b: Uint8Array) => b;

  it('accepts the reference frame on 4789 and views every layer', () => {
    const d = decapsulate(GOPACKET);
    expect(d.vxlan.vni).toBe(42);
    expect(formatIpv4((d.ip as Ipv4Packet).dst)).toBe('192.168.0.2');
    expect([...d.inner.buf.subarray(d.inner.start, d.inner.end)]).toEqual([...INNER]);
    expect(d.inner.buf).toBe(GOPACKET); // zero-copy
  });

  it.each([
    ['short Ethernet', () => GOPACKET.subarray(0, 10), { code: 'truncated', layer: 'eth', offset: 0 }],
    ['short IPv4', () => GOPACKET.subarray(0, 30), { code: 'truncated', layer: 'ip', offset: 14 }],
    ['cut inside UDP', () => GOPACKET.subarray(0, 40), { code: 'truncated' }],
    ['ARP, not IP', () => edit((b) => (b[13] = 0x06)), { code: 'unsupported', layer: 'vxlan', offset: 12 }],
    ['TCP, not UDP', () => edit((b) => (b[23] = 6)), { code: 'unsupported', layer: 'vxlan', offset: 23 }],
    ['port 53', () => edit((b) => (b[36] = 0)), { code: 'unsupported', layer: 'vxlan', offset: 36 }],
    ['I flag clear', () => edit((b) => (b[42] = 0)), { code: 'bad-value', layer: 'vxlan', offset: 42 }],
    [
      'UDP length too short',
      () => edit((b) => (b[39] -= 4)),
      { code: 'bad-length', layer: 'vxlan', offset: 38 },
    ],
    [
      'UDP length below 8',
      () =>
        edit((b) => {
          b[38] = 0;
          b[39] = 4;
        }),
      { code: 'bad-length', layer: 'udp', offset: 38 },
    ],
    ['UDP length past IP', () => edit((b) => (b[39] += 4)), { code: 'truncated', layer: 'udp' }],
    ['IP total length past frame', () => edit((b) => (b[17] += 1)), { code: 'truncated', layer: 'ip' }],
    [
      'IPv4 fragment',
      () => edit((b) => (b[20] |= 0x20)),
      { code: 'unsupported', layer: 'vxlan', offset: 20 },
    ],
    ['IP version 5', () => edit((b) => (b[14] = 0x55)), { code: 'bad-version', layer: 'ip' }],
    [
      'inner frame under 14 bytes',
      () => {
        const b = GOPACKET.slice(0, 50 + 10);
        b[17] = 50 + 10 - 14; // IPv4 total length
        b[39] = 8 + 8 + 10; // UDP length
        return b;
      },
      { code: 'truncated', layer: 'eth', offset: 50 },
    ],
  ] as [string, () => Uint8Array, object][])('%s', (_, frame, want) => {
    expect(errorOf(fixIpChecksum(frame()))).toMatchObject(want);
  });

  it('takes only the ports it is given', () => {
    const on8472 = encodeEncapsulated(INNER, { ...GOPACKET_OPTIONS, port: 8472 });
    expect(decapsulate(on8472).udp.dstPort).toBe(8472);
    expect(errorOf(on8472, [4789])).toMatchObject({ code: 'unsupported', offset: 36 });
    const on9999 = encodeEncapsulated(INNER, { ...GOPACKET_OPTIONS, port: 9999 });
    expect(errorOf(on9999)).toMatchObject({ code: 'unsupported' });
    expect(decapsulate(on9999, { ports: [9999] }).vxlan.vni).toBe(42);
  });

  it('reads through outer 802.1Q tags', () => {
    const tagged = new Uint8Array(GOPACKET.length + 4);
    tagged.set(GOPACKET.subarray(0, 12));
    tagged.set([0x81, 0x00, 0x00, 0x64], 12);
    tagged.set(GOPACKET.subarray(12), 16);
    const d = decapsulate(tagged);
    expect(d.vlanTags.map((t) => t.vid)).toEqual([100]);
    expect(d.vxlan.vni).toBe(42);
  });

  it('reads the outer IPv6 addresses and the inner frame', () => {
    const f = encodeEncapsulated(INNER, {
      ...GOPACKET_OPTIONS,
      src: 'fd00::1',
      dst: parseIpv6Bytes('fd00::2'),
    });
    const d = new VxlanDecapsulator().bind(f);
    expect(d.family).toBe(6);
    expect(formatIpv6(d.ipv6!.dst)).toBe('fd00::2');
    expect(d.ipv4).toBeUndefined();
    expect(d.inner.end - d.inner.start).toBe(INNER.length);
  });

  it('only throws DecodeError on 100000 random byte strings', () => {
    const d = new VxlanDecapsulator();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        try {
          d.bind(b);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 100_000 },
    );
  });

  it('only throws DecodeError on 100000 mutations of valid IPv4 and IPv6 VXLAN frames', () => {
    const d = new VxlanDecapsulator();
    const seeds = [
      GOPACKET,
      encodeEncapsulated(INNER, { ...GOPACKET_OPTIONS, src: 'fd00::1', dst: 'fd00::2', port: 8472 }),
    ];
    const random = seededRandom(7348);
    const scratch = new Uint8Array(GOPACKET.length + 200);
    let decoded = 0;
    for (let i = 0; i < 100_000; i++) {
      const seed = seeds[i & 1];
      const length = mutatePacket(seed, scratch, random);
      try {
        d.bind(scratch, 0, length);
        decoded++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    }
    // Mutations that keep the frame valid (payload bytes, addresses) must still decode.
    expect(decoded).toBeGreaterThan(10_000);
    expect(decoded).toBeLessThan(100_000);
  });
});

function parseIpv6Bytes(text: string): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = 0xfd;
  b[15] = Number(text.split('::')[1]);
  return b;
}
