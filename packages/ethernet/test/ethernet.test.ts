import {
  dissectEthernet,
  EthernetFrame,
  type EthernetHeader,
  encodeEthernet,
  formatEthernet,
  writeEthernet,
} from '@cnikit/ethernet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { validEthernetFrames } from './fixtures/decode-property.js';
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
  'packages/ethernet/test/ethernet.test.ts: 3 tshark-agreement tests on corpus captures (Ethernet II, 802.3 length, clipped length)',
);

// 802.1ad_QinQ.pcap frame 1 (tshark -x): broadcast ARP request from 00:20:d2:5a:fb:3f in S-VLAN 200 / C-VLAN 2001.
const QINQ_FRAME = hexBytes(`
  ffffffffffff 0020d25afb3f 88a8 00c8 8100 07d1 0806
  0001 0800 06 04 0001 0020d25afb3f ac154f61 000000000000 ac154f64
  00000000000000000000 00000000`);

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 });
const header: fc.Arbitrary<EthernetHeader> = fc.record({
  dst: mac,
  src: mac,
  etherType: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.uint8Array({ maxLength: 64 }),
});

describe('EthernetFrame', () => {
  it('reads the header of a captured frame', () => {
    const f = EthernetFrame.parse(QINQ_FRAME);
    expect(f.dst).toEqual(hexBytes('ffffffffffff'));
    expect(f.src).toEqual(hexBytes('0020d25afb3f'));
    expect(f.etherType).toBe(0x88a8);
    expect(f.isLengthField).toBe(false);
    expect(f.payload.length).toBe(QINQ_FRAME.length - 14);
    expect(f.payload.buffer).toBe(QINQ_FRAME.buffer); // zero-copy
    expect(formatEthernet(f)).toBe('Ethernet II, Src: 00:20:d2:5a:fb:3f, Dst: ff:ff:ff:ff:ff:ff');
    expect(String(f)).toBe(formatEthernet(f));
  });

  it('binds at an offset and reports absolute offsets in errors', () => {
    const buf = new Uint8Array(30);
    buf.set(QINQ_FRAME.subarray(0, 14), 10);
    const f = new EthernetFrame().bind(buf, 10, 24);
    expect(f.etherType).toBe(0x88a8);
    expect(f.payload.length).toBe(0);
    const e = catchDecodeError(() => EthernetFrame.parse(buf, 10, 23));
    expect(e.toJSON()).toMatchObject({ code: 'truncated', layer: 'eth', offset: 10 });
  });

  it('every truncation of a header gives a truncated DecodeError at the frame start', () => {
    for (let n = 0; n < 14; n++) {
      const e = catchDecodeError(() => EthernetFrame.parse(QINQ_FRAME.subarray(0, n)));
      expect([e.code, e.layer, e.offset]).toEqual(['truncated', 'eth', 0]);
    }
  });

  it('parse(write(h)) equals h', () => {
    assertParsesBack(header, (h) => EthernetFrame.parse(encodeEthernet(h)).toJSON());
  });

  it('write(parse(b)) equals b', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 80 }), fc.nat(8), (b, at) => {
        const out = new Uint8Array(at + b.length);
        expect(writeEthernet(EthernetFrame.parse(b).toJSON(), out, at)).toBe(b.length);
        expect(out.subarray(at)).toEqual(b);
      }),
    );
  });

  it('writer rejects bad values with RangeError before writing', () => {
    const good: EthernetHeader = {
      dst: new Uint8Array(6),
      src: new Uint8Array(6),
      etherType: 0x0800,
      payload: new Uint8Array(2),
    };
    const out = new Uint8Array(16).fill(0xee);
    expect(() => writeEthernet({ ...good, dst: new Uint8Array(5) }, out)).toThrow(/dst/);
    expect(() => writeEthernet({ ...good, src: new Uint8Array(7) }, out)).toThrow(/src/);
    expect(() => writeEthernet({ ...good, etherType: 0x10000 }, out)).toThrow(/etherType/);
    expect(() => writeEthernet({ ...good, etherType: 1.5 }, out)).toThrow(RangeError);
    expect(() => writeEthernet(good, out, 1)).toThrow(/room/);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });

  it('100,000 random byte strings: returns or throws DecodeError only, and known-valid frames decode', () => {
    const f = new EthernetFrame();
    const counts = assertDecodeErrorOnly(
      20,
      (b) => {
        f.bind(b);
        f.toJSON();
        dissectEthernet(b, 0, b.length, {});
      },
      validEthernetFrames(),
    );
    console.log(`ethernet decode property: ${JSON.stringify(counts)}`);
  });
});

describe('dissectEthernet', () => {
  it.skipIf(!CORPUS)('matches tshark on Ethernet II frames (QinQ, IGMP, ARP captures)', () => {
    let compared = 0;
    for (const file of ['802.1ad_QinQ.pcap', 'IGMP_V1.pcap', 'arp-too-long-tha.pcap']) {
      for (const frame of allCorpusFrames(file)) {
        const r = agreeWithTshark(frame, /^eth\./);
        expect(r.mismatches).toEqual([]);
        compared += r.compared;
      }
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('shows eth.dst/src with OUI and LG/IG bits as tshark does', () => {
    const { node, next } = dissectEthernet(QINQ_FRAME, 0, QINQ_FRAME.length, {});
    const dst = node.children?.[0];
    expect(dst?.field).toBe('eth.dst');
    expect(dst?.value).toBe('ff:ff:ff:ff:ff:ff');
    expect(dst?.children?.map((c) => [c.field, c.value])).toEqual([
      ['eth.dst.oui', 0xffffff],
      ['eth.dst.lg', true],
      ['eth.lg', true],
      ['eth.dst.ig', true],
      ['eth.ig', true],
      ['eth.addr', 'ff:ff:ff:ff:ff:ff'],
    ]);
    expect(next).toMatchObject({ table: 'ethertype', keys: [0x88a8], start: 14, end: QINQ_FRAME.length });
  });

  it.skipIf(!CORPUS)(
    'recognises IEEE 802.3 length frames and bounds the LLC data by the length (isis_iid_tlv.pcap)',
    () => {
      const frame = corpusFrame('isis_iid_tlv.pcap', 1);
      expect(agreeWithTshark(frame, /^eth\./).mismatches).toEqual([]);
      expect(frame.tshark.get('eth.len')).toEqual(['1500']);
      const { node, next } = dissectEthernet(frame.data, 0, frame.data.length, {});
      expect(node.children?.[2]).toMatchObject({ field: 'eth.len', value: 1500 });
      expect(next).toMatchObject({
        table: 'llc',
        keys: [],
        start: 14,
        end: Math.min(frame.data.length, 1514),
      });
      expect(frame.layers.map((l) => l.field)).toEqual(['eth', 'data']);
    },
  );

  it.skipIf(!CORPUS)(
    'clips an 802.3 length that runs past the frame (kday4.pcap frame 3: eth.len 512 in 66 bytes)',
    () => {
      const frame = corpusFrame('kday4.pcap', 3);
      expect(frame.tshark.get('eth.len')).toEqual(['512']);
      const f = EthernetFrame.parse(frame.data);
      expect(f.isLengthField).toBe(true);
      expect(f.llcEnd).toBe(frame.data.length);
    },
  );
});
