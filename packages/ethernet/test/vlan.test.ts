import {
  dissectQinQ,
  dissectVlan,
  encodeVlanTag,
  VlanTag,
  type VlanTagHeader,
  writeVlanTag,
} from '@cnikit/ethernet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { validPayloads } from './fixtures/decode-property.js';
import {
  agreeWithTshark,
  allCorpusFrames,
  assertDecodeErrorOnly,
  catchDecodeError,
  corpusFrame,
  hexBytes,
} from './fixtures/l2-support.js';
import { assertParsesBack } from './fixtures/round-trip.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/vlan.test.ts: 3 tshark-agreement tests on corpus captures (QinQ, MSTP, tagged frames)',
);

const tagHeader: fc.Arbitrary<VlanTagHeader> = fc.record({
  pcp: fc.integer({ min: 0, max: 7 }),
  dei: fc.boolean(),
  vid: fc.integer({ min: 0, max: 4095 }),
  etherType: fc.integer({ min: 0, max: 0xffff }),
});

describe('VlanTag', () => {
  it('reads PCP, DEI, VID and EtherType (IEEE 802.1Q TCI layout)', () => {
    // TCI 0xb07b: PCP 5, DEI 1, VID 0x07b = 123; then IPv4.
    const t = VlanTag.parse(hexBytes('b07b 0800 45'));
    expect(t.toJSON()).toEqual({ pcp: 5, dei: true, vid: 123, etherType: 0x0800 });
    expect(t.tci).toBe(0xb07b);
    expect(t.payload).toEqual(hexBytes('45'));
    expect(t.isLengthField).toBe(false);
  });

  it('every truncation gives a truncated DecodeError at the tag start', () => {
    const b = hexBytes('00 01 08 00 00 00 00 00');
    for (let n = 2; n < 6; n++) {
      const e = catchDecodeError(() => VlanTag.parse(b, 2, n));
      expect([e.code, e.layer, e.offset]).toEqual(['truncated', 'vlan', 2]);
    }
  });

  it('parse(write(h)) equals h and write(parse(b)) equals b', () => {
    assertParsesBack(tagHeader, (h) => VlanTag.parse(encodeVlanTag(h)).toJSON());
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        expect(encodeVlanTag(VlanTag.parse(b).toJSON())).toEqual(b);
      }),
    );
  });

  it('writer rejects out-of-range values before writing', () => {
    const out = new Uint8Array(4).fill(0xee);
    const good: VlanTagHeader = { pcp: 0, dei: false, vid: 1, etherType: 0x0800 };
    expect(() => writeVlanTag({ ...good, pcp: 8 }, out)).toThrow(/pcp/);
    expect(() => writeVlanTag({ ...good, vid: 4096 }, out)).toThrow(/vid/);
    expect(() => writeVlanTag({ ...good, etherType: -1 }, out)).toThrow(/etherType/);
    expect(() => writeVlanTag(good, out, 1)).toThrow(RangeError);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });

  it('100,000 random byte strings: returns or throws DecodeError only, and known-valid tags decode', () => {
    const t = new VlanTag();
    const counts = assertDecodeErrorOnly(
      8,
      (b) => {
        t.bind(b);
        t.toJSON();
        dissectVlan(b, 0, b.length, {});
        dissectQinQ(b, 0, b.length, {});
      },
      validPayloads([0x8100, 0x88a8]),
    );
    console.log(`vlan decode property: ${JSON.stringify(counts)}`);
  });
});

describe('dissectVlan / dissectQinQ', () => {
  it.skipIf(!CORPUS)('stacked 802.1ad + 802.1Q tags agree with tshark (802.1ad_QinQ.pcap)', () => {
    for (const frame of allCorpusFrames('802.1ad_QinQ.pcap')) {
      expect(frame.layers.map((l) => l.field)).toEqual(['eth', 'ieee8021ad', 'vlan', 'arp']);
      const r = agreeWithTshark(frame, /^(vlan|ieee8021ad|ieee8021ah)\./);
      expect(r.mismatches).toEqual([]);
      expect(r.compared).toBe(9); // 4 ieee8021ad fields, 4 vlan fields and vlan.trailer
      expect(frame.tshark.get('ieee8021ad.id')).toEqual(['200']);
      expect(frame.tshark.get('vlan.id')).toEqual(['2001']);
      expect(frame.tshark.get('vlan.trailer')).toEqual(['00:00:00:00']);
    }
  });

  it.skipIf(!CORPUS)(
    'a tag carrying an 802.3 length shows vlan.len and bounds the LLC data (MSTP_Intra-Region_BPDUs.pcap)',
    () => {
      const frame = corpusFrame('MSTP_Intra-Region_BPDUs.pcap', 1);
      expect(agreeWithTshark(frame, /^vlan\./).mismatches).toEqual([]);
      expect(frame.tshark.get('vlan.len')).toEqual(['137']);
      const { next } = dissectVlan(frame.data, 14, frame.data.length, {});
      expect(next).toMatchObject({
        table: 'llc',
        keys: [],
        start: 18,
        end: Math.min(18 + 137, frame.data.length),
      });
    },
  );

  it.skipIf(!CORPUS)('every VLAN-tagged frame of several captures agrees with tshark', () => {
    let compared = 0;
    for (const file of ['MSTP_Intra-Region_BPDUs.pcap', 'isis_sid.pcap', 'erspan-type-ii-3.pcap']) {
      for (const frame of allCorpusFrames(file)) {
        const r = agreeWithTshark(frame, /^(vlan|ieee8021ad|ieee8021ah)\./);
        expect(r.mismatches).toEqual([]);
        compared += r.compared;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('hands a tag EtherType of 0x8100 back to the ethertype table (next tag)', () => {
    const b = hexBytes('2064 8100 0065 0800');
    const { node, next } = dissectQinQ(b, 0, b.length, {});
    expect(node.children?.map((c) => [c.field, c.value])).toEqual([
      ['ieee8021ad.priority', 1],
      ['ieee8021ad.dei', 0],
      ['ieee8021ad.id', 100],
      ['ieee8021ah.etype', 0x8100],
    ]);
    expect(next).toMatchObject({ table: 'ethertype', keys: [0x8100], start: 4, end: 8 });
  });
});
