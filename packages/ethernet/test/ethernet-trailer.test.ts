import { ethernetDissectors } from '@cnikit/ethernet';
import {
  annotatedHexdump,
  composeDissectors,
  DecodeError,
  type DissectionNode,
  type DissectorSet,
  dissect,
  formatTree,
  walkNodes,
} from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { fieldValueText } from '../../../test/support/corpus.js';
import { hexBytes } from './fixtures/l2-support.js';

const TRAILER_FIELDS = new Set([
  'eth.padding',
  'eth.trailer',
  'eth.fcs',
  'eth.fcs.status',
  'vlan.trailer',
  'ieee8021ah.trailer',
]);

/** A VXLAN stand-in (UDP port 4789, 8-byte header, then an Ethernet frame), as @cnikit/vxlan hands over. */
const tunnel: DissectorSet = {
  layers: {
    tunnel: (_buf, start, end) => ({
      node: { field: 'vxlan', name: 'VXLAN', offset: start, length: 8 },
      next: { table: 'link', keys: [1], start: start + 8, end },
    }),
  },
  bindings: [{ table: 'udp.port', key: 4789, layer: 'tunnel' }],
};
const registry = composeDissectors(ethernetDissectors, tunnel);

/** The trailer fields of a dissection in tree order, `[field, value as tshark's JSON writes it]`. */
function trailerFields(layers: readonly DissectionNode[]): [string, string][] {
  const out: [string, string][] = [];
  for (const n of walkNodes(layers)) {
    if (TRAILER_FIELDS.has(n.field) && n.value !== undefined) out.push([n.field, fieldValueText(n.value)]);
  }
  return out;
}

const zeros = (n: number) => Array(n).fill('00').join(':');

const ARP_REQUEST = '0001 0800 06 04 0001 02005e10000a c000020a 000000000000 c0000201'; /* 28 bytes */

/**
 * Frames built for this test and decoded by TShark 4.0.17 (`tshark -r F -T json`, default
 * preferences): `wire` is the frame's length on the wire when the capture kept less, `tshark` the
 * padding/trailer/FCS fields it printed, in order.
 */
const CASES: { name: string; hex: string; wire?: number; tshark: [string, string][] }[] = [
  {
    name: '42-byte ARP request padded to 60 bytes',
    hex: `ffffffffffff 02005e10000a 0806 ${ARP_REQUEST} ${'00'.repeat(18)}`,
    tshark: [['eth.padding', zeros(18)]],
  },
  {
    name: 'IPv4/UDP in 56 bytes, then 4 bytes that are not zeros: a trailer, not padding',
    hex:
      '02005e10000b 02005e10000a 0800 4500002a1c46400040113 22bc000020ac6336414 9c419c4200160000' +
      ' 666f75727465656e206279746573 11223344',
    tshark: [['eth.trailer', '11:22:33:44']],
  },
  {
    name: 'IPv4/UDP in 63 bytes, then 4 bytes: a frame of 64 or more ends in an FCS',
    hex:
      '02005e10000b 02005e10000a 0800 450000311c46400040113224c000020ac6336414 9c419c42001d0000' +
      ' 61207061796c6f6164206c6f6e6720656e6f756768 deadbeef',
    tshark: [
      ['eth.fcs', '3735928559'], // 0xdeadbeef
      ['eth.fcs.status', '2'],
    ],
  },
  {
    name: '802.1Q + ARP, 14 zeros and 4 more bytes: eth.padding and vlan.trailer under the tag',
    hex: `ffffffffffff 02005e10000a 8100 0007 0806 ${ARP_REQUEST} ${'00'.repeat(14)} deadbeef`,
    tshark: [
      ['eth.padding', zeros(14)],
      ['vlan.trailer', 'de:ad:be:ef'],
    ],
  },
  {
    name: '802.1Q + ARP in 60 bytes not ending in zeros: no padding, all of it vlan.trailer',
    hex: `ffffffffffff 02005e10000a 8100 0007 0806 ${ARP_REQUEST} ${'00'.repeat(10)} deadbeef`,
    tshark: [['vlan.trailer', `${zeros(10)}:de:ad:be:ef`]],
  },
  {
    name: 'ARP cut by the snap length inside its padding (50 of 60 bytes): tshark stops, nothing shown',
    hex: `ffffffffffff 02005e10000a 0806 ${ARP_REQUEST} ${'00'.repeat(8)}`,
    wire: 60,
    tshark: [],
  },
  {
    name: 'ARP cut before its FCS (60 of 64 bytes): the padding, no FCS',
    hex: `ffffffffffff 02005e10000a 0806 ${ARP_REQUEST} ${'00'.repeat(18)}`,
    wire: 64,
    tshark: [['eth.padding', zeros(18)]],
  },
  {
    name: 'ARP cut (50 of 60 bytes) after a non-zero byte: no padding, the captured trailer',
    hex: `ffffffffffff 02005e10000a 0806 ${ARP_REQUEST} 01 ${'00'.repeat(7)}`,
    wire: 60,
    tshark: [['eth.trailer', `01:${zeros(7)}`]],
  },
  {
    name: 'VXLAN inner IPv4/UDP + 4 bytes: an inner frame has a trailer, never an FCS',
    hex:
      '02005e10000b02005e10000a0800450000671c464000401131eec000020ac633641404d212b5005300000800000000002a00' +
      '02005e10000b02005e10000a0800450000311c46400040113224c000020ac63364149c419c42001d0000' +
      '61207061796c6f6164206c6f6e6720656e6f756768deadbeef',
    tshark: [['eth.trailer', 'de:ad:be:ef']],
  },
  {
    name: 'VXLAN inner ARP + 22 bytes: no padding either (the whole frame is past 60 bytes)',
    hex:
      '02005e10000b02005e10000a0800450000641c464000401131f1c000020ac633641404d212b5005000000800000000002a00' +
      `02005e10000b02005e10000a0806 ${ARP_REQUEST} ${'00'.repeat(18)} 01020304`,
    tshark: [['eth.trailer', `${zeros(18)}:01:02:03:04`]],
  },
];

describe('Ethernet padding, trailer and FCS (values from tshark)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const frame = hexBytes(c.hex);
      const r = dissect(registry, frame, undefined, 0, frame.length, c.wire ?? frame.length);
      expect(trailerFields(r.layers)).toEqual(c.tshark);
    });
  }

  it('places each field at its bytes and shows them in the tree and the hex dump', () => {
    const frame = hexBytes(
      `ffffffffffff 02005e10000a 8100 0007 0806 ${ARP_REQUEST} ${'00'.repeat(14)} deadbeef`,
    );
    const { layers } = dissect(registry, frame);
    const vlan = layers.find((l) => l.field === 'vlan');
    const tail = vlan?.children?.slice(-2).map(({ field, offset, length }) => ({ field, offset, length }));
    expect(tail).toEqual([
      { field: 'eth.padding', offset: 46, length: 14 },
      { field: 'vlan.trailer', offset: 60, length: 4 },
    ]);
    expect(formatTree(layers)).toContain(
      `\n    Padding: ${zeros(14)}\n    Trailer: de:ad:be:ef\nAddress Resolution`,
    );
    const dump = annotatedHexdump(frame, layers);
    expect(dump).toContain(`002e  ${'00 '.repeat(14).padEnd(49)} eth.padding = (14 bytes)\n`);
    expect(dump).toContain(`003c  ${'de ad be ef '.padEnd(49)} vlan.trailer = (4 bytes)\n`);
  });

  it('shows the FCS as Wireshark does, after the other Ethernet fields', () => {
    const frame = hexBytes(CASES[2].hex);
    const eth = dissect(registry, frame).layers[0];
    expect(eth.children?.map((c) => c.field)).toEqual([
      'eth.dst',
      'eth.src',
      'eth.type',
      'eth.fcs',
      'eth.fcs.status',
    ]);
    expect(formatTree([eth])).toContain(
      '    Frame check sequence: 0xdeadbeef [unverified]\n    FCS Status: Unverified\n',
    );
    expect(annotatedHexdump(frame, [eth])).toContain('eth.fcs = 0xdeadbeef [unverified]');
  });

  it('an 802.3 frame ends its payload at the length field, whatever lies behind it', () => {
    // 802.3, length 38 (LLC + a 35-byte BPDU), 8 zeros, then 8 more bytes: padding, trailer, FCS.
    const frame = hexBytes(
      `0180c2000000 02005e100001 0026 424203 ${'00'.repeat(35)} ${'00'.repeat(8)} c0ffee00 deadbeef`,
    );
    const { layers } = dissect(registry, frame);
    expect(layers.map((l) => l.field)).toEqual(['eth', 'data']);
    expect(trailerFields(layers)).toEqual([
      ['eth.padding', zeros(8)],
      ['eth.trailer', 'c0:ff:ee:00'],
      ['eth.fcs', '3735928559'],
      ['eth.fcs.status', '2'],
    ]);
  });

  it('a frame whose upper layer uses every byte has none of these fields', () => {
    const frame = hexBytes(CASES[1].hex).subarray(0, 56);
    expect(trailerFields(dissect(registry, frame).layers)).toEqual([]);
  });
});

/**
 * A layer after the Ethernet header that is malformed: tshark's ethertype dissector catches the
 * exception and still adds the trailer, after the length the payload had set before it failed
 * (IPv6: 40 + payload length, set before the extension headers; IPv4 with a bad version or header
 * length and ARP cut short set none). Frames built here, decoded by TShark 4.0.17 with no FCS
 * length in the file, or with pcap's FCS bits saying 4 (`fcs: 4`).
 */
const MALFORMED_CASES: {
  name: string;
  hex: string;
  fcs?: number;
  tshark: [string, string][];
  layer: string;
  code: string;
}[] = [
  {
    name: 'IPv6 hop-by-hop option running past its header (payload length 8), 6 bytes after: trailer + guessed FCS',
    hex: '02000000000202000000000186dd6000000000080040 00000000000000000000000000000001 00000000000000000000000000000002 3b00050a00000000 444444444444',
    tshark: [
      ['eth.trailer', '44:44'],
      ['eth.fcs', '1145324612'],
      ['eth.fcs.status', '2'],
    ],
    layer: 'ipv6',
    code: 'bad-option',
  },
  {
    name: 'IPv6 hop-by-hop header longer than the payload length: the bytes after 40 + 8 are the trailer',
    hex: `02000000000202000000000186dd6000000000080040 ${'00'.repeat(15)}01 ${'00'.repeat(15)}02 3b01010400000000 ${'55'.repeat(8)} ${'66'.repeat(10)}`,
    tshark: [
      ['eth.trailer', '55:55:55:55:55:55:55:55:66:66:66:66:66:66'],
      ['eth.fcs', '1717986918'],
      ['eth.fcs.status', '2'],
    ],
    layer: 'ipv6',
    code: 'truncated',
  },
  {
    name: 'IPv4 version 5: no length set, nothing after it',
    hex: `020000000002020000000001 0800 5500001e00010000401156cc0a0000010a000002 03e807d0000a00006869 ${'00'.repeat(16)} 33333333`,
    tshark: [],
    layer: 'ip',
    code: 'bad-version',
  },
  {
    name: 'IPv4 version 5 in a file saying FCS 4: the last 4 bytes are still eth.fcs',
    hex: `020000000002020000000001 0800 5500001e00010000401156cc0a0000010a000002 03e807d0000a00006869 ${'00'.repeat(16)} 33333333`,
    fcs: 4,
    tshark: [
      ['eth.fcs', '858993459'],
      ['eth.fcs.status', '2'],
    ],
    layer: 'ip',
    code: 'bad-version',
  },
  {
    name: 'IPv4 header cut short (header length 24, 18 bytes before the FCS 4): eth.fcs',
    hex: '020000000002020000000001 0800 4600001800010000401163d00a0000010a0000020101',
    fcs: 4,
    tshark: [
      ['eth.fcs', '131329'],
      ['eth.fcs.status', '2'],
    ],
    layer: 'ip',
    code: 'truncated',
  },
  {
    name: 'ARP cut short (hardware size 40): no length set, nothing after it',
    hex: `020000000002020000000001 0806 0001080028040001 ${'00'.repeat(38)} 77777777`,
    tshark: [],
    layer: 'arp',
    code: 'truncated',
  },
  {
    name: 'ARP cut short in a file saying FCS 4: eth.fcs',
    hex: `020000000002020000000001 0806 0001080028040001 ${'00'.repeat(38)} 77777777`,
    fcs: 4,
    tshark: [
      ['eth.fcs', '2004318071'],
      ['eth.fcs.status', '2'],
    ],
    layer: 'arp',
    code: 'truncated',
  },
  {
    name: 'UDP length 4 inside IPv4 (IP already returned): padding and guessed FCS',
    hex: `020000000002020000000001 0800 4500001e00010000401166cc0a0000010a000002 03e807d000040000 6869 ${'00'.repeat(16)} 88888888`,
    tshark: [
      ['eth.padding', zeros(16)],
      ['eth.fcs', '2290649224'],
      ['eth.fcs.status', '2'],
    ],
    layer: 'udp',
    code: 'bad-length',
  },
  {
    name: 'a 60-byte ARP frame said to end in an FCS: the padding, then malformed',
    hex: `020000000002020000000001 0806 0001080006040001 ${'00'.repeat(10)} ${'00'.repeat(28)}`,
    fcs: 4,
    tshark: [['eth.padding', zeros(18)]],
    layer: 'eth',
    code: 'truncated',
  },
  {
    name: 'a 62-byte IPv4 frame said to end in an FCS: the padding, then malformed',
    hex: `020000000002020000000001 0800 460000220001000040115ec50a0000010a0000020702000103e807d0000a00006869 ${'00'.repeat(12)} aabb`,
    fcs: 4,
    tshark: [['eth.padding', zeros(12)]],
    layer: 'eth',
    code: 'truncated',
  },
];

describe('the Ethernet trailer when a later layer is malformed (values from tshark)', () => {
  for (const c of MALFORMED_CASES) {
    it(c.name, () => {
      const frame = hexBytes(c.hex);
      const info = c.fcs === undefined ? {} : { fcsLength: c.fcs };
      const r = dissect(registry, frame, undefined, 0, frame.length, frame.length, info);
      expect(trailerFields(r.layers)).toEqual(c.tshark);
      expect(r.malformed).toBeInstanceOf(DecodeError);
      expect({ layer: r.malformed?.layer, code: r.malformed?.code }).toEqual({
        layer: c.layer,
        code: c.code,
      });
    });
  }

  it('the error is the layer’s own, marked with where the layer ends', () => {
    const frame = hexBytes(MALFORMED_CASES[0].hex);
    const r = dissect(registry, frame);
    expect(r.malformed?.layerEnd).toBe(62);
    expect(r.malformed?.toJSON()).toEqual({
      code: 'bad-option',
      layer: 'ipv6',
      offset: 57,
      reason: 'option length 10 runs past the header',
    });
  });
});
