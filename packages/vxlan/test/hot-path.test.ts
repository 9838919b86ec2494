import { EtherType, encodeEthernet, encodeIpv4, encodeIpv6, encodeUdp } from '@cnikit/ethernet';
import {
  decapsulate,
  type EncapsulateOptions,
  encapsulateEcn,
  encodeVxlan,
  gbpToVxlanHeader,
  innerDontFragment,
  innerDsfield,
  innerFlowHash,
  sourcePortFromHash,
  VxlanDecapsulator,
  VxlanEncapsulator,
} from '@cnikit/vxlan';
import { DecodeError, type IpContext, readMac48, verifyChecksum } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchmarkFrame } from './frames.js';

const INNER = benchmarkFrame('vxlan-inner');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The frame the ethernet package's writers build layer by layer from the same options: what
 * VxlanEncapsulator's precomputed template and incremental checksums must reproduce.
 */
function writersFrame(
  inner: Uint8Array,
  o: EncapsulateOptions & { src: number | Uint8Array; dst: number | Uint8Array },
) {
  const family = typeof o.src === 'number' ? 4 : 6;
  const vxlan = encodeVxlan(o.gbp ? gbpToVxlanHeader({ ...o.gbp, vni: o.vni }) : { vni: o.vni });
  const range = o.srcPortRange ?? { min: 49152, max: 65535 };
  const srcPort =
    o.srcPort ?? sourcePortFromHash(innerFlowHash(inner, 0, inner.length, o.hashSeed ?? 0), range);
  const ip: IpContext =
    family === 4
      ? { family: 4, src: o.src as number, dst: o.dst as number }
      : { family: 6, src: o.src as Uint8Array, dst: o.dst as Uint8Array };
  const udp = encodeUdp(
    {
      srcPort,
      dstPort: o.port ?? 4789,
      checksum: (o.udpChecksum ?? family === 6) ? undefined : 0,
      payload: concat(vxlan, inner),
    },
    { ip },
  );
  const innerTos = innerDsfield(inner, 0, inner.length);
  const tos = encapsulateEcn(o.tos === 'inherit' ? Math.max(innerTos, 0) : (o.tos ?? 0), innerTos);
  const packet =
    family === 4
      ? encodeIpv4({
          dscp: tos >> 2,
          ecn: tos & 3,
          identification: o.identification ?? 0,
          dontFragment: o.df === 'inherit' ? innerDontFragment(inner, 0, inner.length) : (o.df ?? false),
          moreFragments: false,
          fragmentOffset: 0,
          ttl: o.ttl ?? 64,
          protocol: 17,
          src: o.src as number,
          dst: o.dst as number,
          options: [],
          payload: udp,
        })
      : encodeIpv6({
          trafficClass: tos,
          flowLabel: o.flowLabel ?? 0,
          hopLimit: o.ttl ?? 64,
          src: o.src as Uint8Array,
          dst: o.dst as Uint8Array,
          extensions: [],
          protocol: 17,
          payload: udp,
        });
  return encodeEthernet({
    dst: o.dstMac as Uint8Array,
    src: o.srcMac as Uint8Array,
    etherType: family === 4 ? EtherType.IPv4 : EtherType.IPv6,
    payload: packet,
  });
}

/** Inner frames: the reference one with its TOS, DF and ports varied, or any bytes. */
const innerArb = fc.oneof(
  fc
    .record({ tos: fc.nat({ max: 255 }), df: fc.boolean(), port: fc.nat({ max: 0xffff }) })
    .map(({ tos, df, port }) => {
      const f = INNER.slice();
      f[15] = tos;
      f[20] = df ? f[20] | 0x40 : f[20] & ~0x40;
      f[34] = port >> 8;
      f[35] = port;
      return f;
    }),
  fc.uint8Array({ maxLength: 100 }),
);

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
const optionsArb = fc
  .record({
    family: fc.constantFrom(4, 6),
    srcMac: macArb,
    dstMac: macArb,
    src4: fc.nat({ max: 0xffffffff }),
    dst4: fc.nat({ max: 0xffffffff }),
    src6: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    dst6: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    vni: fc.integer({ min: 0, max: 0xffffff }),
    port: fc.option(fc.nat({ max: 0xffff }), { nil: undefined }),
    srcPort: fc.option(fc.nat({ max: 0xffff }), { nil: undefined }),
    srcPortRange: fc.option(
      fc
        .tuple(fc.nat({ max: 0xffff }), fc.nat({ max: 0xffff }))
        .map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
      { nil: undefined },
    ),
    hashSeed: fc.option(fc.integer(), { nil: undefined }),
    ttl: fc.option(fc.nat({ max: 255 }), { nil: undefined }),
    tos: fc.option(fc.oneof(fc.nat({ max: 255 }), fc.constant('inherit' as const)), { nil: undefined }),
    df: fc.option(fc.constantFrom(true, false, 'inherit' as const), { nil: undefined }),
    identification: fc.option(fc.nat({ max: 0xffff }), { nil: undefined }),
    flowLabel: fc.option(fc.nat({ max: 0xfffff }), { nil: undefined }),
    udpChecksum: fc.option(fc.boolean(), { nil: undefined }),
    gbp: fc.option(
      fc.record({
        groupPolicyId: fc.nat({ max: 0xffff }),
        dontLearn: fc.boolean(),
        policyApplied: fc.boolean(),
      }),
      { nil: undefined },
    ),
  })
  .map(({ family, src4, dst4, src6, dst6, ...o }) => ({
    ...o,
    src: family === 4 ? src4 : src6,
    dst: family === 4 ? dst4 : dst6,
  }));

describe('VxlanEncapsulator (header template, incremental checksums)', () => {
  it('writes byte for byte what the ethernet writers build, at any offset and inner range', () => {
    fc.assert(
      fc.property(optionsArb, innerArb, fc.nat({ max: 9 }), fc.nat({ max: 5 }), (o, inner, offset, pad) => {
        const want = writersFrame(inner, o);
        const enc = new VxlanEncapsulator(o);
        // twice through one encapsulator: nothing of the first frame leaks into the second
        for (let round = 0; round < 2; round++) {
          const out = new Uint8Array(offset + want.length + 3).fill(0xa5);
          expect(enc.encapsulate(inner, out, offset)).toBe(want.length);
          expect(Buffer.from(out.subarray(offset, offset + want.length)).toString('hex')).toBe(
            Buffer.from(want).toString('hex'),
          );
          expect(out[offset + want.length]).toBe(0xa5);
        }
        // the inner frame as a range of a larger buffer
        const padded = concat(new Uint8Array(pad).fill(1), inner, new Uint8Array(pad).fill(2));
        const out = new Uint8Array(want.length);
        expect(enc.encapsulate(padded, out, 0, pad, pad + inner.length)).toBe(want.length);
        expect([...out]).toEqual([...want]);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every frame of different lengths its own lengths and a valid IPv4 checksum', () => {
    const enc = new VxlanEncapsulator({
      srcMac: '52:54:00:00:00:01',
      dstMac: '52:54:00:00:00:02',
      src: '192.168.0.1',
      dst: '192.168.0.2',
      vni: 42,
    });
    const out = new Uint8Array(50 + 1500);
    const d = new VxlanDecapsulator();
    for (let length = 14; length <= 1500; length++) {
      const n = enc.encapsulate(INNER, out, 0, 0, Math.min(length, INNER.length));
      const frame = enc.encapsulateInPlace(out, 0, length);
      expect(n).toBe(50 + Math.min(length, INNER.length));
      d.bind(out, 0, frame);
      expect(d.ipv4View.totalLength).toBe(20 + 8 + 8 + length);
      expect(d.udp.length).toBe(8 + 8 + length);
      expect(verifyChecksum(out, 14, 34)).toBe(true);
    }
  });
});

describe('VxlanDecapsulator numeric forms', () => {
  it('vni, the 48-bit MACs and the offsets equal what the subarray getters give', () => {
    const d = new VxlanDecapsulator({ ports: [0, 4789, 8472, 65535] });
    fc.assert(
      fc.property(
        optionsArb.filter((o) => o.port === undefined || [0, 4789, 8472, 65535].includes(o.port)),
        innerArb.filter((f) => f.length >= 14),
        (o, inner) => {
          const frame = writersFrame(inner, o);
          d.bind(frame);
          const views = decapsulate(frame, { ports: [0, 4789, 8472, 65535] });
          expect(d.vni).toBe(views.vxlan.vni);
          expect(d.vni).toBe(o.vni);
          expect(d.ethernet.dstMac).toBe(readMac48(views.ethernet.dst, 0));
          expect(d.ethernet.srcMac).toBe(readMac48(views.ethernet.src, 0));
          expect(d.inner.dstMac).toBe(readMac48(views.inner.dst, 0));
          expect(d.inner.srcMac).toBe(readMac48(views.inner.src, 0));
          const payload = views.udp.payload;
          expect([d.udp.payloadOffset, d.udp.payloadLength]).toEqual([payload.byteOffset, payload.length]);
          const innerPayload = views.inner.payload;
          expect([d.inner.payloadOffset, d.inner.payloadLength]).toEqual([
            innerPayload.byteOffset,
            innerPayload.length,
          ]);
          expect(d.inner.payloadLength).toBe(inner.length - 14);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the destination ports it was given', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 0xffff }), { maxLength: 5 }),
        fc.nat({ max: 0xffff }),
        (ports, port) => {
          const frame = writersFrame(INNER, {
            srcMac: new Uint8Array(6),
            dstMac: new Uint8Array(6),
            src: 1,
            dst: 2,
            vni: 7,
            port,
          });
          const d = new VxlanDecapsulator({ ports });
          if (ports.includes(port)) {
            expect(d.bind(frame).vni).toBe(7);
          } else {
            expect(() => d.bind(frame)).toThrow(DecodeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
