/**
 * IP fragments (issue #11, bug 2). cnikit does not reassemble IP: a first fragment (offset 0, more
 * to come) carries the transport header, which `dissect` shows as tshark does with reassembly off
 * (`-o ip.defragment:FALSE -o ipv6.defragment:FALSE`): the UDP length may run past the fragment and
 * no checksum is checked. A later fragment's payload is data. FrameDecoder and dissectLayerPath
 * find the same layers.
 */
import {
  encodeEthernet,
  encodeIcmpv4,
  encodeIcmpv6,
  encodeIpv4,
  encodeIpv6,
  encodeTcp,
  encodeUdp,
  ethernetDissectors,
  FrameDecoder,
  type Ipv6ExtensionHeader,
  TcpFlags,
} from '@cnikit/ethernet';
import {
  composeDissectors,
  dissect,
  dissectLayerPath,
  LINK_TABLE,
  parseIpv4,
  parseIpv6,
  parseMac,
} from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  compareFields,
  corpusPackets,
  expectedPath,
  flattenDissection,
  flattenTshark,
  haveCorpus,
} from '../../../test/support/corpus.js';
import { NO_REASSEMBLY_PREFS, tsharkPacketsWithoutReassembly } from '../../../test/support/unreassembled.js';
import { haveTshark, tsharkDecode } from './fixtures/synthetic-pcap.js';

const CI = process.env.CI === 'true';
const CORPUS = haveCorpus('packages/ethernet/test/first-fragment.test.ts: afs.pcap, 452 frames with UDP');
const TSHARK = haveTshark() || CI;
const registry = composeDissectors(ethernetDissectors);
const ETH = { table: LINK_TABLE, key: 1 };

const MAC_A = parseMac('02:00:5e:10:00:0a');
const MAC_B = parseMac('02:00:5e:10:00:0b');
const A4 = parseIpv4('192.0.2.10');
const B4 = parseIpv4('198.51.100.20');
const A6 = parseIpv6('2001:db8:a::10');
const B6 = parseIpv6('2001:db8:b::20');
const ip4 = { family: 4, src: A4, dst: B4 } as const;
const ip6 = { family: 6, src: A6, dst: B6 } as const;

const filled = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

function v4(protocol: number, payload: Uint8Array, moreFragments: boolean, fragmentOffset: number) {
  const ip = encodeIpv4({
    dscp: 0,
    ecn: 0,
    identification: 0x1234,
    dontFragment: false,
    moreFragments,
    fragmentOffset,
    ttl: 64,
    protocol,
    src: A4,
    dst: B4,
    options: [],
    payload,
  });
  return encodeEthernet({ dst: MAC_B, src: MAC_A, etherType: 0x0800, payload: ip });
}

function v6(protocol: number, payload: Uint8Array, moreFragments: boolean, fragmentOffset: number) {
  const fragment: Ipv6ExtensionHeader = {
    kind: 'fragment',
    reserved: 0,
    fragmentOffset,
    reservedBits: 0,
    moreFragments,
    identification: 0xfeed,
  };
  const ip = encodeIpv6({
    trafficClass: 0,
    flowLabel: 0,
    hopLimit: 64,
    src: A6,
    dst: B6,
    extensions: [fragment],
    protocol,
    payload,
  });
  return encodeEthernet({ dst: MAC_B, src: MAC_A, etherType: 0x86dd, payload: ip });
}

const udp4 = encodeUdp({ srcPort: 40000, dstPort: 7001, payload: filled(1200, 1) }, { ip: ip4 });
const tcp4 = encodeTcp(
  {
    srcPort: 40001,
    dstPort: 80,
    seq: 1000,
    ack: 2000,
    flags: TcpFlags.ACK | TcpFlags.PSH,
    window: 512,
    urgentPointer: 0,
    options: [{ kind: 'mss', mss: 1400 }],
    payload: filled(300, 2),
  },
  { ip: ip4 },
);
const icmp4 = encodeIcmpv4({ type: 8, code: 0, identifier: 7, sequence: 1, payload: filled(400, 3) });
const udp6 = encodeUdp({ srcPort: 40002, dstPort: 7001, payload: filled(1500, 4) }, { ip: ip6 });
const tcp6 = encodeTcp(
  {
    srcPort: 40003,
    dstPort: 443,
    seq: 1,
    ack: 1,
    flags: TcpFlags.ACK,
    window: 1024,
    urgentPointer: 0,
    options: [],
    payload: filled(500, 5),
  },
  { ip: ip6 },
);
const icmp6 = encodeIcmpv6(
  { kind: 'echo-request', type: 128, code: 0, identifier: 9, sequence: 2, data: filled(600, 6) },
  { src: A6, dst: B6 },
);

/** Each frame with the layers we must find (the protocol layers of tshark's frame.protocols). */
const CASES: readonly { name: string; data: Uint8Array; layers: string[] }[] = [
  {
    name: 'IPv4 first fragment of a UDP datagram',
    data: v4(17, udp4.subarray(0, 72), true, 0),
    layers: ['eth', 'ip', 'udp', 'data'],
  },
  {
    name: 'IPv4 first fragment of a TCP segment',
    data: v4(6, tcp4.subarray(0, 64), true, 0),
    layers: ['eth', 'ip', 'tcp', 'data'],
  },
  {
    name: 'IPv4 first fragment of an ICMP echo',
    data: v4(1, icmp4.subarray(0, 48), true, 0),
    layers: ['eth', 'ip', 'icmp', 'data'],
  },
  {
    name: 'IPv4 second fragment of the UDP datagram',
    data: v4(17, udp4.subarray(72, 144), true, 9),
    layers: ['eth', 'ip', 'data'],
  },
  {
    name: 'IPv4 last fragment of the UDP datagram',
    data: v4(17, udp4.subarray(144, 200), false, 18),
    layers: ['eth', 'ip', 'data'],
  },
  {
    name: 'IPv6 first fragment of a UDP datagram',
    data: v6(17, udp6.subarray(0, 96), true, 0),
    layers: ['eth', 'ipv6', 'udp', 'data'],
  },
  {
    name: 'IPv6 first fragment of a TCP segment',
    data: v6(6, tcp6.subarray(0, 40), true, 0),
    layers: ['eth', 'ipv6', 'tcp', 'data'],
  },
  {
    name: 'IPv6 first fragment of an ICMPv6 echo',
    data: v6(58, icmp6.subarray(0, 80), true, 0),
    layers: ['eth', 'ipv6', 'icmpv6'],
  },
  {
    name: 'IPv6 later fragment',
    data: v6(17, udp6.subarray(96, 160), true, 12),
    layers: ['eth', 'ipv6', 'data'],
  },
  {
    name: 'IPv6 atomic fragment (offset 0, M=0) of a whole UDP datagram',
    data: v6(17, encodeUdp({ srcPort: 1, dstPort: 2, payload: filled(20, 7) }, { ip: ip6 }), false, 0),
    layers: ['eth', 'ipv6', 'udp', 'data'],
  },
];

describe('IP fragments without reassembly', () => {
  it('dissect, dissectLayerPath and FrameDecoder find the transport layer of a first fragment', () => {
    const decoder = new FrameDecoder();
    for (const c of CASES) {
      const d = dissect(registry, c.data, ETH);
      expect(d.malformed, c.name).toBeUndefined();
      expect(
        d.layers.map((l) => l.field),
        c.name,
      ).toEqual(c.layers);
      expect(dissectLayerPath(registry, c.data, ETH).layers, c.name).toEqual(c.layers);
      expect(decoder.decode(c.data, 0, c.data.length, 1), c.name).toBe(true);
      expect(decoder.layers.slice(0, decoder.layerCount), c.name).toEqual(
        c.layers.filter((l) => l !== 'data'),
      );
    }
    // The UDP length is the datagram's, past the fragment; the checksum is not checked.
    const udp = dissect(registry, CASES[0].data, ETH).layers[2];
    const value = (field: string) => udp.children?.find((n) => n.field === field)?.value;
    expect([value('udp.length'), value('udp.checksum.status')]).toEqual([1208, 2]);
    const icmp = dissect(registry, CASES[2].data, ETH).layers[2];
    expect(icmp.children?.find((n) => n.field === 'icmp.checksum.status')?.value).toBe(2);
  });

  it.skipIf(!TSHARK)('equals tshark 4.0.17 with reassembly off, field for field', () => {
    const theirs = tsharkDecode(
      CASES.map((c) => c.data),
      NO_REASSEMBLY_PREFS,
    );
    const defaults = tsharkDecode(CASES.map((c) => c.data));
    let compared = 0;
    CASES.forEach((c, i) => {
      const t = flattenTshark(theirs[i]);
      const wanted = c.layers.filter((l) => l !== 'data');
      const protocols = (t.get('frame.protocols')?.[0] ?? '').split(':');
      expect(
        protocols.filter((p) => wanted.includes(p)),
        c.name,
      ).toEqual(wanted);
      expect('_ws.malformed' in theirs[i], c.name).toBe(false);
      const ours = flattenDissection(dissect(registry, c.data, ETH).layers);
      const r = compareFields(ours, t, { allowMissing: new Set(), theirsStopEarly: false });
      expect(r.mismatches, c.name).toEqual([]);
      compared += r.compared;
    });
    // With its defaults tshark holds a lone first fragment for reassembly and shows data instead.
    expect(flattenTshark(defaults[0]).get('frame.protocols')).toEqual(['eth:ethertype:ip:data']);
    expect(compared).toBeGreaterThan(250);
  });

  it.skipIf(!CORPUS)('afs.pcap: 452 frames with UDP, as tshark with or without reassembly (was 401)', () => {
    const packets = corpusPackets('afs.pcap');
    const theirs = tsharkPacketsWithoutReassembly('afs.pcap', expectedPath('afs.pcap') ?? '');
    const decoder = new FrameDecoder();
    let ours = 0;
    let firstFragments = 0;
    for (const p of packets) {
      const d = dissect(registry, p.data, ETH, 0, p.data.length, p.originalLength);
      const layers = d.layers.map((l) => l.field);
      if (layers.includes('udp')) ours++;
      if (theirs) {
        const protocols = flattenTshark(theirs[p.index]).get('frame.protocols')?.[0] ?? '';
        expect(layers.includes('udp'), `frame ${p.index + 1}`).toBe(protocols.split(':').includes('udp'));
      }
      decoder.decode(p.data, 0, p.data.length, p.linkType);
      const flags = p.data[14 + 6];
      if ((flags & 0x20) !== 0 && (((flags & 0x1f) << 8) | p.data[14 + 7]) === 0) {
        firstFragments++;
        expect(layers, `frame ${p.index + 1}`).toEqual(['eth', 'ip', 'udp', 'data']);
        expect(decoder.layers.slice(0, decoder.layerCount)).toEqual(['eth', 'ip', 'udp']);
      }
    }
    expect([ours, firstFragments]).toEqual([452, 51]);
  });
});
