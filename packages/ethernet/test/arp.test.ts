import { type ArpHeader, ArpPacket, dissectArp, encodeArp, writeArp } from '@cnikit/ethernet';
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
  ourValues,
} from './fixtures/l2-support.js';
import { assertParsesBack } from './fixtures/round-trip.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/arp.test.ts: 3 tests on corpus captures (arp-too-long-tha, arp-oobr, eapon1)',
);

// RFC 826 Ethernet/IPv4 request: who has 172.21.79.100? tell 172.21.79.97 (802.1ad_QinQ.pcap frame 1).
const REQUEST = hexBytes('0001 0800 06 04 0001 0020d25afb3f ac154f61 000000000000 ac154f64');

const arpHeader: fc.Arbitrary<ArpHeader> = fc.record({ h: fc.nat(12), p: fc.nat(12) }).chain(({ h, p }) =>
  fc.record({
    hardwareType: fc.integer({ min: 0, max: 0xffff }),
    protocolType: fc.integer({ min: 0, max: 0xffff }),
    opcode: fc.integer({ min: 0, max: 0xffff }),
    senderHardware: fc.uint8Array({ minLength: h, maxLength: h }),
    senderProtocol: fc.uint8Array({ minLength: p, maxLength: p }),
    targetHardware: fc.uint8Array({ minLength: h, maxLength: h }),
    targetProtocol: fc.uint8Array({ minLength: p, maxLength: p }),
  }),
);

describe('ArpPacket', () => {
  it('decodes an Ethernet/IPv4 request', () => {
    const a = ArpPacket.parse(REQUEST);
    expect([a.hardwareType, a.protocolType, a.hardwareSize, a.protocolSize, a.opcode]).toEqual([
      1, 0x0800, 6, 4, 1,
    ]);
    expect(a.senderHardware).toEqual(hexBytes('0020d25afb3f'));
    expect(a.senderIp).toBe(0xac154f61);
    expect(a.targetIp).toBe(0xac154f64);
    expect(a.targetHardware).toEqual(new Uint8Array(6));
    expect(a.hasMacAddresses && a.hasIpv4Addresses).toBe(true);
    expect(a.end).toBe(28);
  });

  it('trims Ethernet padding after the addresses', () => {
    const padded = new Uint8Array(46);
    padded.set(REQUEST);
    expect(ArpPacket.parse(padded).end).toBe(28);
  });

  it.skipIf(!CORPUS)(
    'keeps other hardware/protocol sizes as raw bytes (arp-too-long-tha.pcap: 14-byte hardware addresses)',
    () => {
      const frame = corpusFrame('arp-too-long-tha.pcap', 1);
      const a = ArpPacket.parse(frame.data, 18);
      expect(a.hardwareSize).toBe(14);
      expect(a.senderHardware).toEqual(new Uint8Array(14).fill(0x30));
      expect(a.hasMacAddresses).toBe(false);
      const r = agreeWithTshark(frame, /^arp\./);
      expect(r.mismatches).toEqual([]);
      expect(r.compared).toBe(10);
    },
  );

  it('every truncation gives a truncated DecodeError at the ARP start', () => {
    for (let n = 0; n < REQUEST.length; n++) {
      const e = catchDecodeError(() => ArpPacket.parse(REQUEST.subarray(0, n)));
      expect([e.code, e.layer, e.offset]).toEqual(['truncated', 'arp', 0]);
    }
  });

  it('parse(write(h)) equals h and write(parse(b)) equals b', () => {
    assertParsesBack(arpHeader, (h) => ArpPacket.parse(encodeArp(h)).toJSON());
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 60 }), (b) => {
        let a: ArpPacket;
        try {
          a = ArpPacket.parse(b);
        } catch {
          return;
        }
        expect(encodeArp(a.toJSON())).toEqual(b.subarray(0, a.end));
      }),
    );
  });

  it('writer rejects bad values before writing', () => {
    const good = ArpPacket.parse(REQUEST).toJSON();
    const out = new Uint8Array(28).fill(0xee);
    expect(() => writeArp({ ...good, opcode: 0x10000 }, out)).toThrow(/opcode/);
    expect(() => writeArp({ ...good, hardwareType: -1 }, out)).toThrow(/hardwareType/);
    expect(() => writeArp({ ...good, targetHardware: new Uint8Array(5) }, out)).toThrow(/targetHardware/);
    expect(() => writeArp({ ...good, targetProtocol: new Uint8Array(16) }, out)).toThrow(/targetProtocol/);
    expect(() =>
      writeArp(
        { ...good, senderHardware: new Uint8Array(256), targetHardware: new Uint8Array(256) },
        new Uint8Array(600),
      ),
    ).toThrow(/255/);
    expect(() => writeArp(good, out, 1)).toThrow(/room/);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });

  it('100,000 random byte strings: returns or throws DecodeError only, and known-valid ARP decodes', () => {
    const a = new ArpPacket();
    const counts = assertDecodeErrorOnly(
      40,
      (b) => {
        a.bind(b);
        a.toJSON();
        dissectArp(b, 0, b.length, {});
      },
      validPayloads([0x0806]),
    );
    console.log(`arp decode property: ${JSON.stringify(counts)}`);
  });
});

describe('dissectArp', () => {
  it.skipIf(!CORPUS)(
    'agrees with tshark on every frame of arp-oobr.pcap (2282 fuzzed ARP frames) and eapon1.pcap',
    () => {
      let compared = 0;
      let gratuitous = 0;
      for (const file of ['arp-oobr.pcap', 'eapon1.pcap', '802.1ad_QinQ.pcap']) {
        for (const frame of allCorpusFrames(file)) {
          const r = agreeWithTshark(frame, /^arp\./);
          expect(r.mismatches, file).toEqual([]);
          compared += r.compared;
          gratuitous += ourValues(frame.layers, 'arp.isgratuitous').length;
        }
      }
      expect(compared).toBeGreaterThan(15_000);
      expect(gratuitous).toBeGreaterThan(20);
    },
  );

  it.skipIf(!CORPUS)('flags an RFC 5227 announcement (eapon1.pcap)', () => {
    const frames = allCorpusFrames('eapon1.pcap').filter((f) => f.tshark.has('arp.isannouncement'));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(ourValues(f.layers, 'arp.isannouncement')).toEqual([true]);
  });
});
