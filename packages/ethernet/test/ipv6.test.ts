import {
  encodeIpv6,
  Icmpv6Message,
  Ipv6Packet,
  MAX_IPV6_EXTENSION_HEADERS,
  writeIpv6,
} from '@cnikit/ethernet';
import { DecodeError, formatIpv6, parseIpv6 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { assertRejectsOnlyWithDecodeError, validPayloads } from './fixtures/decode-property.js';
import { assertParsesBack } from './fixtures/round-trip.js';
import { ipv6Bytes, ipv6Header } from './fixtures/v6-arbitraries.js';
import { agreeWithTshark, corpusIpv6Packets } from './fixtures/v6-corpus.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/ipv6.test.ts: 4 tests on corpus captures (tshark agreement, routing header, jumbogram, known packet) and the corpus part of the write(parse(b)) round trip',
);

function corpusPacket(file: string, frame: number) {
  for (const p of corpusIpv6Packets((f) => f === file)) if (p.frame === frame) return p;
  throw new Error(`${file}#${frame} not in corpus`);
}

function decodeErrorOf(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

describe('IPv6 against tshark on the corpus', () => {
  it.skipIf(!CORPUS)(
    'emits the values tshark writes for every ipv6/icmpv6 field of every IPv6 packet',
    () => {
      const r = agreeWithTshark();
      expect(r.packets).toBeGreaterThan(650);
      expect(r.compared).toBeGreaterThan(8000);
      for (const f of [
        'ipv6.tclass.dscp',
        'ipv6.flow',
        'ipv6.hopopts.len_oct',
        'ipv6.opt.jumbo',
        'ipv6.routing.src.addr',
        'ipv6.routing.srh.addr',
        'ipv6.fraghdr.ident',

        'ah.icv',
        'icmpv6.checksum.status',
      ]) {
        expect(r.fields, f).toContain(f);
      }
      expect(r.mismatches).toEqual([]);
      // A payload length past the captured bytes: tshark warns and decodes what is there; we refuse.
      expect(r.weThrowTsharkDoesNot.map((s) => s.split('#')[0]).sort()).toEqual([
        'ipv6_invalid_length_2.pcap',
        'ipv6_jumbogram_invalid_length.pcap',
        'quic_32_bit_pointer_overflow.pcap',
      ]);
    },
  );

  it.skipIf(!CORPUS)(
    'uses a type 0 routing header’s last address as the pseudo-header destination (RFC 8200 §8.1)',
    () => {
      const p = corpusPacket('ipv6-routing-header.pcap', 1); // tshark: icmpv6.checksum.status 1
      const ip = Ipv6Packet.parse(p.data, p.start);
      expect(formatIpv6(ip.dst)).toBe('2200::240:2:0:0:4');
      expect(formatIpv6(ip.pseudoHeaderDst)).toBe('2200::210:2:0:0:4');
      expect(ip.protocol).toBe(58);
      expect(ip.payloadOffset).toBe(p.start + 40 + 24);
      const icmp = Icmpv6Message.parse(p.data, ip.payloadOffset, ip.end);
      expect(icmp.checksumValid(ip.src, ip.pseudoHeaderDst)).toBe(true);
      expect(icmp.checksumValid(ip.src, ip.dst)).toBe(false);
    },
  );

  it.skipIf(!CORPUS)('finds a jumbogram’s length in the hop-by-hop Jumbo option (RFC 2675)', () => {
    const p = corpusPacket('bigtcp-ipv6-hbh.pcap', 1); // tshark: ipv6.opt.jumbo 80040, tcp.len 80000
    const ip = Ipv6Packet.parse(p.data, p.start);
    expect(ip.payloadLength).toBe(0);
    expect(ip.jumboLength).toBe(80040);
    expect(ip.end - ip.start).toBe(40 + 80040);
    expect(ip.protocol).toBe(6);
    expect(ip.payload.length).toBe(80040 - 8);
  });

  it.skipIf(!CORPUS)('reads the fields of a known packet', () => {
    const p = corpusPacket('ipv6-srh-tlv-pad1-padn-5.pcap', 1); // tshark: tclass 0x78, flow 0x09abcd
    const ip = Ipv6Packet.parse(p.data, p.start);
    expect([ip.version, ip.trafficClass, ip.dscp, ip.ecn, ip.flowLabel]).toEqual([6, 0x78, 30, 0, 0x09abcd]);
    expect([ip.payloadLength, ip.nextHeader, ip.hopLimit, ip.protocol, ip.extensionCount]).toEqual([
      32, 43, 64, 59, 1,
    ]);
    expect([formatIpv6(ip.src), formatIpv6(ip.dst)]).toEqual(['2001:db8:1::1', 'cafe:1::2']);
    const [routing] = ip.toJSON().extensions;
    expect(routing).toMatchObject({ kind: 'routing', routingType: 4, segmentsLeft: 0 });
  });

  it('stops at a non-first fragment: it has no upper-layer header', () => {
    const bytes = encodeIpv6({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 64,
      src: parseIpv6('2001:db8::1'),
      dst: parseIpv6('2001:db8::2'),
      extensions: [
        {
          kind: 'fragment',
          reserved: 0,
          fragmentOffset: 185,
          reservedBits: 0,
          moreFragments: false,
          identification: 7,
        },
      ],
      protocol: 17,
      payload: new Uint8Array([43, 1, 0, 0, 0, 0, 0, 0]), // looks like a routing header; must not be walked
    });
    const ip = Ipv6Packet.parse(bytes);
    expect([ip.isFragment, ip.fragmentOffset, ip.moreFragments, ip.hasUpperLayer]).toEqual([
      true,
      185,
      false,
      false,
    ]);
    expect([ip.protocol, ip.payloadOffset - ip.start]).toEqual([17, 48]);
  });
});

describe('IPv6 round trips', () => {
  it('parse(write(x)) deep-equals x for random extension chains', () => {
    assertParsesBack(ipv6Header, (h) => Ipv6Packet.parse(encodeIpv6(h)).toJSON(), { numRuns: 3000 });
  });

  it('write(parse(b)) equals b for every valid packet the generator and corpus give', () => {
    fc.assert(
      fc.property(ipv6Header, (h) => {
        const b = encodeIpv6(h);
        expect(encodeIpv6(Ipv6Packet.parse(b).toJSON())).toEqual(b);
      }),
      { numRuns: 1000 },
    );
    if (!CORPUS) return;
    let n = 0;
    for (const p of corpusIpv6Packets()) {
      let ip: Ipv6Packet;
      try {
        ip = Ipv6Packet.parse(p.data, p.start);
      } catch {
        continue;
      }
      const again = new Uint8Array(encodeIpv6(ip.toJSON()));
      expect(again, `${p.file}#${p.frame}`).toEqual(new Uint8Array(p.data.subarray(ip.start, ip.end)));
      n++;
    }
    expect(n).toBeGreaterThan(650);
  });

  it('refuses out-of-range fields with a RangeError naming them, before writing', () => {
    const h = {
      trafficClass: 0,
      flowLabel: 0x100000,
      hopLimit: 1,
      src: new Uint8Array(16),
      dst: new Uint8Array(16),
      extensions: [],
      protocol: 59,
      payload: new Uint8Array(0),
    };
    const out = new Uint8Array(40).fill(0xee);
    expect(() => writeIpv6(h, out)).toThrow(/flowLabel/);
    expect(() => writeIpv6({ ...h, flowLabel: 0, src: new Uint8Array(4) }, out)).toThrow(/src/);
    expect(() => writeIpv6({ ...h, flowLabel: 0 }, out, 1)).toThrow(RangeError);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });
});

describe('IPv6 on bad input', () => {
  it('returns or throws DecodeError for 100,000 random byte strings, and known-valid packets decode', () => {
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean]>({
      random: fc.tuple(ipv6Bytes, fc.boolean()),
      valid: validPayloads([0x86dd]).map((b) => [b, false]),
      decode: ([b, partial]) => {
        try {
          const ip = Ipv6Packet.parse(b, 0, b.length, partial);
          ip.toJSON();
          if (ip.payloadOffset > ip.end || ip.end > b.length) throw new Error('view out of bounds');
        } catch (e) {
          if (e instanceof DecodeError && e.layer !== 'ipv6')
            throw new Error(`layer ${e.layer}: ${e.message}`);
          throw e;
        }
      },
    });
    console.log(`ipv6 decode property: ${JSON.stringify(counts)}`);
  });

  it('gives truncated at the header start, or at the payload start when the payload is short', () => {
    fc.assert(
      fc.property(ipv6Header, fc.nat(), (h, k) => {
        const b = encodeIpv6(h);
        const cut = k % b.length;
        const e = decodeErrorOf(() => Ipv6Packet.parse(b, 0, cut));
        expect(e.code).toBe('truncated');
        expect(e.offset).toBe(cut < 40 ? 0 : 40);
      }),
      { numRuns: 2000 },
    );
  });

  it('in partial mode accepts a short payload but not a cut extension header, and names its offset', () => {
    const h = {
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 1,
      src: new Uint8Array(16),
      dst: new Uint8Array(16),
      extensions: [
        { kind: 'destination-options' as const, options: [{ type: 1, data: new Uint8Array(4) }] },
        { kind: 'routing' as const, routingType: 4, segmentsLeft: 0, data: new Uint8Array(20) },
      ],
      protocol: 17,
      payload: new Uint8Array(30),
    };
    const b = encodeIpv6(h);
    const ip = Ipv6Packet.parse(b, 0, 40 + 8 + 24 + 10, true);
    expect([ip.truncated, ip.protocol, ip.payload.length]).toEqual([true, 17, 10]);
    const e = decodeErrorOf(() => Ipv6Packet.parse(b, 0, 40 + 8 + 20, true));
    expect([e.code, e.offset]).toEqual(['truncated', 48]);
  });

  it('refuses a wrong version and more than 16 extension headers', () => {
    const b = encodeIpv6({
      trafficClass: 0,
      flowLabel: 0,
      hopLimit: 1,
      src: new Uint8Array(16),
      dst: new Uint8Array(16),
      extensions: Array.from({ length: MAX_IPV6_EXTENSION_HEADERS + 1 }, () => ({
        kind: 'destination-options' as const,
        options: [],
      })),
      protocol: 59,
      payload: new Uint8Array(0),
    });
    const deep = decodeErrorOf(() => Ipv6Packet.parse(b));
    expect([deep.code, deep.offset]).toEqual(['too-deep', 40 + 16 * 8]);
    b[0] = 0x45;
    const version = decodeErrorOf(() => Ipv6Packet.parse(b));
    expect([version.code, version.offset]).toEqual(['bad-version', 0]);
  });
});
