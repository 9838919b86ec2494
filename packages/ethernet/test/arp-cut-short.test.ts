/**
 * An ARP packet whose addresses do not fit the frame (issue #11, bug 3): tshark 4.0.17 shows the
 * fixed fields that fit, no address, then `[Malformed Packet]`; so must `dissect` and
 * `dissectLayerPath`, instead of losing the whole layer.
 */
import { encodeEthernet, ethernetDissectors } from '@cnikit/ethernet';
import { composeDissectors, type DissectionNode, dissect, dissectLayerPath, LINK_TABLE } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import {
  compareFields,
  corpusPackets,
  corpusPresent,
  expectedPath,
  flattenDissection,
  flattenTshark,
  loadTsharkPackets,
} from '../../../test/support/corpus.js';
import { haveTshark, tsharkDecode } from './fixtures/synthetic-pcap.js';

const registry = composeDissectors(ethernetDissectors);
const ETH = { table: LINK_TABLE, key: 1 };
const CI = process.env.CI === 'true';

function arpFields(layers: readonly DissectionNode[]): Record<string, unknown> {
  const arp = layers.find((l) => l.field === 'arp');
  return Object.fromEntries((arp?.children ?? []).map((c) => [c.field, c.value]));
}

// An Ethernet/IPv4 gratuitous request, cut at every length from 0 to 27 bytes of ARP.
const WHOLE_ARP = Uint8Array.from([
  0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, 2, 0, 0, 0, 0, 1, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
]);
const cutFrames = Array.from({ length: WHOLE_ARP.length }, (_, n) =>
  encodeEthernet({
    dst: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    src: Uint8Array.of(2, 0, 0, 0, 0, 1),
    etherType: 0x0806,
    payload: WHOLE_ARP.subarray(0, n),
  }),
);

describe('an ARP packet cut short', () => {
  it('keeps the fixed fields that fit, no address, and is malformed (each length 0..27)', () => {
    const expected: Record<string, unknown>[] = [
      {},
      {},
      { 'arp.hw.type': 1 },
      { 'arp.hw.type': 1 },
      { 'arp.hw.type': 1, 'arp.proto.type': 0x0800 },
      { 'arp.hw.type': 1, 'arp.proto.type': 0x0800, 'arp.hw.size': 6 },
      { 'arp.hw.type': 1, 'arp.proto.type': 0x0800, 'arp.hw.size': 6, 'arp.proto.size': 4 },
      { 'arp.hw.type': 1, 'arp.proto.type': 0x0800, 'arp.hw.size': 6, 'arp.proto.size': 4 },
    ];
    const full = {
      'arp.hw.type': 1,
      'arp.proto.type': 0x0800,
      'arp.hw.size': 6,
      'arp.proto.size': 4,
      'arp.opcode': 1,
    };
    cutFrames.forEach((frame, n) => {
      const d = dissect(registry, frame, ETH);
      expect(
        d.layers.map((l) => l.field),
        `${n} bytes`,
      ).toEqual(['eth', 'arp']);
      expect(arpFields(d.layers), `${n} bytes`).toStrictEqual(expected[n] ?? full);
      expect(d.malformed?.toJSON(), `${n} bytes`).toStrictEqual({
        code: 'truncated',
        layer: 'arp',
        offset: 14,
        reason: `needs ${n < 8 ? 8 : 28} bytes, only ${n} left`,
      });
      const path = dissectLayerPath(registry, frame, ETH);
      expect(path.layers).toEqual(['eth', 'arp']);
      expect(path.malformed?.toJSON()).toStrictEqual(d.malformed?.toJSON());
    });
  });

  it.skipIf(!haveTshark() && !CI)('equals tshark 4.0.17 field for field on each cut length', () => {
    const theirs = tsharkDecode(cutFrames);
    let compared = 0;
    cutFrames.forEach((frame, n) => {
      const t = flattenTshark(theirs[n]);
      expect(t.get('frame.protocols'), `${n} bytes`).toEqual(['eth:ethertype:arp']);
      expect(t.has('_ws.malformed') || '_ws.malformed' in theirs[n], `${n} bytes`).toBe(true);
      const ours = flattenDissection(dissect(registry, frame, ETH).layers);
      const r = compareFields(ours, t, { allowMissing: new Set(), theirsStopEarly: false });
      expect(r.mismatches, `${n} bytes`).toEqual([]);
      // tshark shows no ARP field we leave out
      const theirArp = [...t.keys()].filter((f) => f.startsWith('arp.'));
      expect(
        theirArp.filter((f) => !ours.has(f)),
        `${n} bytes`,
      ).toEqual([]);
      compared += r.compared;
    });
    expect(compared).toBeGreaterThan(100);
  });

  it.skipIf(!corpusPresent() && !CI)(
    'arp-oobr.pcap: an ARP layer wherever tshark has one (2,282 frames), frame 13 with hardware type, sizes and opcode',
    () => {
      const packets = corpusPackets('arp-oobr.pcap');
      const tshark = loadTsharkPackets(expectedPath('arp-oobr.pcap') ?? '');
      let ourArp = 0;
      let theirArp = 0;
      let cut = 0;
      let compared = 0;
      for (const p of packets) {
        const d = dissect(registry, p.data, ETH, 0, p.data.length, p.originalLength);
        const t = flattenTshark(tshark[p.index]);
        const theirs = (t.get('frame.protocols')?.[0] ?? '').split(':').includes('arp');
        const ours = d.layers.some((l) => l.field === 'arp');
        expect(ours, `frame ${p.index + 1}`).toBe(theirs);
        if (ours) ourArp++;
        if (theirs) theirArp++;
        if (d.malformed?.layer === 'arp') {
          cut++;
          const r = compareFields(flattenDissection(d.layers), t, {
            allowMissing: new Set(),
            theirsStopEarly: false,
          });
          expect(r.mismatches, `frame ${p.index + 1}`).toEqual([]);
          compared += r.compared;
        }
      }
      expect([ourArp, theirArp]).toEqual([2282, 2282]);
      expect(cut).toBe(82);
      expect(compared).toBeGreaterThan(81 * 5);
      const frame13 = packets[12];
      const d = dissect(registry, frame13.data, ETH);
      expect(d.layers.map((l) => l.field)).toEqual(['eth', 'arp']);
      expect(arpFields(d.layers)).toStrictEqual({
        'arp.hw.type': 1,
        'arp.proto.type': 0x0800,
        'arp.hw.size': 134,
        'arp.proto.size': 4,
        'arp.opcode': 1,
      });
      expect(d.malformed?.message).toBe('arp: needs 284 bytes, only 46 left (at byte 14)');
    },
  );
});
