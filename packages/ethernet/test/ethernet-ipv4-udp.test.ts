import {
  EthernetFrame,
  type EthernetIpv4UdpHeaders,
  Ipv4Packet,
  UdpDatagram,
  writeEthernet,
  writeEthernetIpv4Udp,
  writeIpv4,
  writeUdp,
} from '@cnikit/ethernet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const EMPTY = new Uint8Array(0);

const arbHeaders: fc.Arbitrary<EthernetIpv4UdpHeaders> = fc.record({
  eth: fc.record({
    dst: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    src: fc.uint8Array({ minLength: 6, maxLength: 6 }),
  }),
  ip: fc.record(
    {
      dscp: fc.nat(63),
      ecn: fc.nat(3),
      identification: fc.nat(0xffff),
      reservedFlag: fc.boolean(),
      dontFragment: fc.boolean(),
      moreFragments: fc.boolean(),
      fragmentOffset: fc.nat(0x1fff),
      ttl: fc.nat(255),
      src: fc.nat({ max: 0xffffffff }),
      dst: fc.nat({ max: 0xffffffff }),
    },
    {
      requiredKeys: [
        'dscp',
        'ecn',
        'identification',
        'dontFragment',
        'moreFragments',
        'fragmentOffset',
        'ttl',
        'src',
        'dst',
      ],
    },
  ),
  udp: fc.record(
    {
      srcPort: fc.nat(0xffff),
      dstPort: fc.nat(0xffff),
      checksum: fc.nat(0xffff),
      payload: fc.uint8Array({ maxLength: 300 }),
    },
    { requiredKeys: ['srcPort', 'dstPort', 'payload'] },
  ),
});

/** The three layer writers, outermost first: the reference the one-call writer must match. */
function writeLayers(h: EthernetIpv4UdpHeaders, out: Uint8Array, offset: number): number {
  const n = h.udp.payload.length;
  let o = offset;
  o += writeEthernet({ dst: h.eth.dst, src: h.eth.src, etherType: 0x0800, payload: EMPTY }, out, o);
  o += writeIpv4({ ...h.ip, protocol: 17, totalLength: 28 + n, options: [], payload: EMPTY }, out, o);
  o += writeUdp(h.udp, out, o, { ip: { family: 4, src: h.ip.src, dst: h.ip.dst } });
  return o - offset;
}

/** Ways to make one field bad (the value a JS caller could pass despite the types). */
const BAD_NUMBERS = [
  -1,
  0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 32,
  undefined,
  '1',
] as unknown as number[];
const FIELDS: [string, (h: EthernetIpv4UdpHeaders, v: number) => void, number][] = [
  ['dscp', (h, v) => (h.ip.dscp = v), 63],
  ['ecn', (h, v) => (h.ip.ecn = v), 3],
  ['identification', (h, v) => (h.ip.identification = v), 0xffff],
  ['fragmentOffset', (h, v) => (h.ip.fragmentOffset = v), 0x1fff],
  ['ttl', (h, v) => (h.ip.ttl = v), 255],
  ['src', (h, v) => (h.ip.src = v), 0xffffffff],
  ['dst', (h, v) => (h.ip.dst = v), 0xffffffff],
  ['srcPort', (h, v) => (h.udp.srcPort = v), 0xffff],
  ['dstPort', (h, v) => (h.udp.dstPort = v), 0xffff],
  ['checksum', (h, v) => (h.udp.checksum = v), 0xffff],
];

function clone(h: EthernetIpv4UdpHeaders): EthernetIpv4UdpHeaders {
  return { eth: { ...h.eth }, ip: { ...h.ip }, udp: { ...h.udp } };
}

describe('writeEthernetIpv4Udp', () => {
  it('writes the bytes writeEthernet + writeIpv4 + writeUdp write', () => {
    fc.assert(
      fc.property(arbHeaders, fc.nat(16), (h, offset) => {
        const total = 42 + h.udp.payload.length;
        const ours = new Uint8Array(offset + total + 3).fill(0xa5);
        const layers = new Uint8Array(offset + total + 3).fill(0xa5);
        expect(writeEthernetIpv4Udp(h, ours, offset)).toBe(total);
        expect(writeLayers(h, layers, offset)).toBe(total);
        expect(ours).toEqual(layers);
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes a frame that decodes back to its fields with good checksums', () => {
    fc.assert(
      fc.property(arbHeaders, (h) => {
        const out = new Uint8Array(42 + h.udp.payload.length);
        writeEthernetIpv4Udp(h, out);
        const eth = EthernetFrame.parse(out);
        const ip = Ipv4Packet.parse(out, 14);
        const udp = UdpDatagram.parse(out, 34);
        expect(eth.etherType).toBe(0x0800);
        expect(ip.protocol).toBe(17);
        expect(ip.verifyChecksum()).toBe(true);
        expect(ip.identification).toBe(h.ip.identification);
        expect(udp.payload).toEqual(h.udp.payload);
        if (h.udp.checksum === undefined) {
          expect(udp.checksumStatus({ family: 4, src: h.ip.src, dst: h.ip.dst })).toBe('good');
        } else {
          expect(udp.checksum).toBe(h.udp.checksum);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('copies a payload that already sits in out, even where the headers go', () => {
    fc.assert(
      fc.property(arbHeaders, fc.nat(80), (h, at) => {
        const payload = h.udp.payload;
        const out = new Uint8Array(42 + payload.length + 80);
        out.set(payload, at);
        const inOut = { ...h, udp: { ...h.udp, payload: out.subarray(at, at + payload.length) } };
        const expected = new Uint8Array(42 + payload.length);
        writeEthernetIpv4Udp(h, expected);
        writeEthernetIpv4Udp(inOut, out);
        expect(out.subarray(0, expected.length)).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  const DEFAULTED_BY_WRITE_IPV4 = new Set(['dscp', 'ecn', 'identification', 'fragmentOffset']);

  it('throws RangeError naming the bad field before writing anything', () => {
    fc.assert(
      fc.property(
        arbHeaders,
        fc.nat(FIELDS.length - 1),
        fc.constantFrom(...BAD_NUMBERS, 'over'),
        (h, f, badValue) => {
          const [name, set, max] = FIELDS[f];
          fc.pre(!(name === 'checksum' && badValue === undefined)); // absent checksum = computed
          const bad = clone(h);
          set(bad, badValue === 'over' ? max + 1 : (badValue as number));
          const out = new Uint8Array(42 + h.udp.payload.length).fill(0x5a);
          expect(() => writeEthernetIpv4Udp(bad, out)).toThrow(RangeError);
          expect(() => writeEthernetIpv4Udp(bad, out)).toThrow(name);
          expect(out.every((b) => b === 0x5a)).toBe(true);
          // The layer writers reject it too, except a left-out field they default (writeIpv4's
          // dscp, ecn, identification and fragment offset; this fused hot-path writer wants all).
          if (badValue !== undefined || !DEFAULTED_BY_WRITE_IPV4.has(name)) {
            expect(() => writeLayers(bad, new Uint8Array(out.length), 0)).toThrow(RangeError);
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('throws RangeError for bad MACs, a payload too long, and no room, before writing', () => {
    const h = fc.sample(arbHeaders, { numRuns: 1, seed: 1 })[0];
    const cases: [EthernetIpv4UdpHeaders, Uint8Array, number, string][] = [
      [{ ...h, eth: { ...h.eth, dst: new Uint8Array(5) } }, new Uint8Array(2000), 0, 'dst'],
      [{ ...h, eth: { ...h.eth, src: new Uint8Array(7) } }, new Uint8Array(2000), 0, 'src'],
      [{ ...h, udp: { ...h.udp, payload: new Uint8Array(65508) } }, new Uint8Array(70000), 0, 'totalLength'],
      [h, new Uint8Array(41 + h.udp.payload.length), 0, 'room'],
      [h, new Uint8Array(2000), -1, 'room'],
      [h, new Uint8Array(2000), 0.5, 'room'],
      [h, new Uint8Array(2000), 2000 - 41 - h.udp.payload.length, 'room'],
    ];
    for (const [bad, out, offset, name] of cases) {
      out.fill(0x5a);
      expect(() => writeEthernetIpv4Udp(bad, out, offset)).toThrow(RangeError);
      expect(() => writeEthernetIpv4Udp(bad, out, offset)).toThrow(name);
      expect(out.every((b) => b === 0x5a)).toBe(true);
      expect(() => writeLayers(bad, new Uint8Array(out.length), offset)).toThrow(RangeError);
    }
    // The largest payload fits.
    const max = { ...h, udp: { ...h.udp, payload: new Uint8Array(65507) } };
    expect(writeEthernetIpv4Udp(max, new Uint8Array(65549))).toBe(65549);
  });
});
