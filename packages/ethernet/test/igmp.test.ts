import {
  dissectIgmp,
  EthernetFrame,
  encodeIgmp,
  IgmpGroupRecordCursor,
  type IgmpHeader,
  IgmpMessage,
  Ipv4Packet,
  igmpV3CodeValue,
  writeIgmp,
} from '@cnikit/ethernet';
import { DecodeError, type DissectContext, parseBytes, parseIpv4 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusPackets, flattenDissection } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { allSteps, assertRejectsOnlyWithDecodeError, validPayloads } from './fixtures/decode-property.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/igmp.test.ts: write(parse(b)) equals b for the corpus IGMP messages',
);

const IGMP_FILES = ['IGMP_V1.pcap', 'IGMP_V2.pcap', 'igmpv3-queries.pcap', 'eapon1.pcap', 'mtrace.pcap'];

/** The IGMP messages (IP payloads of protocol 2) of the corpus files above. */
function corpusIgmp(): { where: string; bytes: Uint8Array }[] {
  const out: { where: string; bytes: Uint8Array }[] = [];
  for (const file of IGMP_FILES) {
    for (const p of corpusPackets(file)) {
      const eth = EthernetFrame.parse(p.data);
      if (eth.etherType !== 0x0800) continue;
      const ip = Ipv4Packet.parse(p.data, 14);
      if (ip.protocol !== 2) continue;
      out.push({ where: `${file}#${p.index + 1}`, bytes: Uint8Array.from(ip.payload) });
    }
  }
  return out;
}

const uint32 = fc.nat(0xffffffff);
const payload = fc.uint8Array({ maxLength: 12 });

const arbBasic: fc.Arbitrary<IgmpHeader> = fc
  .record({
    type: fc.nat(0xff).filter((t) => t !== 0x22),
    maxResponse: fc.nat(0xff),
    checksum: fc.nat(0xffff),
    group: uint32,
    payload,
  })
  .map((h) => (h.type === 0x11 && h.payload.length >= 4 ? { ...h, payload: h.payload.subarray(0, 3) } : h));

const arbQuery: fc.Arbitrary<IgmpHeader> = fc.record({
  type: fc.constant(0x11),
  maxResponse: fc.nat(0xff),
  checksum: fc.nat(0xffff),
  group: uint32,
  reservedFlags: fc.nat(15),
  suppress: fc.boolean(),
  qrv: fc.nat(7),
  qqic: fc.nat(0xff),
  sources: fc.array(uint32, { maxLength: 6 }),
  payload,
});

const arbRecord = fc.record({
  recordType: fc.nat(0xff),
  group: uint32,
  sources: fc.array(uint32, { maxLength: 4 }),
  auxData: fc.nat(3).chain((words) => fc.uint8Array({ minLength: 4 * words, maxLength: 4 * words })),
});

const arbReport: fc.Arbitrary<IgmpHeader> = fc.record({
  type: fc.constant(0x22),
  maxResponse: fc.nat(0xff),
  checksum: fc.nat(0xffff),
  reserved: fc.nat(0xffff),
  records: fc.array(arbRecord, { maxLength: 5 }),
  payload,
});

const arbIgmp = fc.oneof(arbBasic, arbQuery, arbReport);

function fields(bytes: Uint8Array, context: DissectContext = {}) {
  return flattenDissection([dissectIgmp(bytes, 0, bytes.length, context).node]);
}

describe('IgmpMessage', () => {
  it('reads an IGMPv2 report and verifies its 8-byte checksum', () => {
    const m = IgmpMessage.parse(parseBytes('16 00 fa 04 ef ff ff fa'));
    expect([m.type, m.version, m.maxResponse, m.group, m.layout]).toEqual([
      0x16,
      2,
      0,
      parseIpv4('239.255.255.250'),
      'basic',
    ]);
    expect(m.checksumValid()).toBe(true);
  });

  it('reads an IGMPv3 query: floating-point max resp code, S, QRV, QQIC, sources', () => {
    const bytes = encodeIgmp({
      type: 0x11,
      maxResponse: 0xfe,
      group: parseIpv4('232.1.1.1'),
      suppress: true,
      qrv: 2,
      qqic: 125,
      sources: [parseIpv4('10.0.0.1'), parseIpv4('10.0.0.2')],
    });
    const m = IgmpMessage.parse(bytes);
    expect(m.layout).toBe('v3-query');
    expect(m.version).toBe(3);
    expect(m.maxResponseTime).toBe(30720); // tshark: 3072.0 sec (0xfe)
    expect([m.suppress, m.qrv, m.qqic, m.sourceCount, m.source(1)]).toEqual([
      true,
      2,
      125,
      2,
      parseIpv4('10.0.0.2'),
    ]);
    expect(m.checksumValid()).toBe(true);
    expect(igmpV3CodeValue(0x64)).toBe(100);
  });

  it('walks IGMPv3 group records with an allocation-free cursor', () => {
    const bytes = encodeIgmp({
      type: 0x22,
      records: [
        { recordType: 4, group: parseIpv4('239.1.1.1'), sources: [], auxData: new Uint8Array(0) },
        {
          recordType: 5,
          group: parseIpv4('232.0.0.9'),
          sources: [1, 2],
          auxData: new Uint8Array([1, 2, 3, 4]),
        },
      ],
    });
    const m = IgmpMessage.parse(bytes);
    const c = new IgmpGroupRecordCursor();
    const seen: unknown[] = [];
    for (c.reset(m); c.next(); ) {
      seen.push([c.recordType, c.auxDataLength, c.sourceCount, c.group, c.end - c.start]);
    }
    expect(seen).toEqual([
      [4, 0, 0, parseIpv4('239.1.1.1'), 8],
      [5, 1, 2, parseIpv4('232.0.0.9'), 20],
    ]);
    expect(m.checksumValid()).toBe(true);
    expect(m.payload.length).toBe(0);
  });

  it('throws DecodeError (layer igmp) for short or inconsistent messages', () => {
    const cases: [string, number][] = [
      ['11 64 00 00 00 00 00', 0], // 7 bytes
      ['11 64 00 00 00 00 00 00 02 7d 00 01', 10], // v3 query says 1 source, none there
      ['22 00 00 00 00 00 00 01 04 00 00', 8], // record header cut
      ['22 00 00 00 00 00 00 01 04 00 00 01 ef 01 01 01', 8], // record says 1 source, none there
      ['22 00 00 00 00 00 00 01 04 01 00 00 ef 01 01 01', 8], // aux data missing
    ];
    for (const [hex, offset] of cases) {
      const bytes = parseBytes(hex);
      let error: unknown;
      try {
        IgmpMessage.parse(bytes);
      } catch (e) {
        error = e;
      }
      expect(error, hex).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).layer).toBe('igmp');
      expect((error as DecodeError).offset).toBe(offset);
    }
  });

  it('parse(write(x)) deep-equals x', () => {
    fc.assert(
      fc.property(arbIgmp, (h) => {
        const out = new Uint8Array(600);
        const n = writeIgmp(h, out, 5);
        expect(IgmpMessage.parse(out, 5, 5 + n).toJSON()).toEqual(h);
      }),
      { numRuns: 5_000 },
    );
  });

  it('computes a checksum that verifies when none is given', () => {
    fc.assert(
      fc.property(arbIgmp, (h) => {
        const { checksum: _, ...rest } = h;
        expect(IgmpMessage.parse(encodeIgmp(rest)).checksumValid()).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it.skipIf(!CORPUS)('write(parse(b)) equals b for the corpus IGMP messages', () => {
    const messages = corpusIgmp();
    expect(messages).toHaveLength(55);
    for (const { where, bytes } of messages) {
      const m = IgmpMessage.parse(bytes);
      expect(encodeIgmp(m.toJSON()), where).toEqual(bytes);
      if (m.type !== 0x1e && m.type !== 0x1f) expect(m.checksumValid(), where).toBe(true);
    }
    console.log(`igmp: ${messages.length} corpus messages written back byte for byte`);
  });

  it('writers throw RangeError naming the field before writing anything', () => {
    const out = new Uint8Array(64).fill(0xaa);
    expect(() => writeIgmp({ type: 0x11, qrv: 8 }, out)).toThrow(/qrv/);
    expect(() => writeIgmp({ type: 0x16, group: 2 ** 32 }, out)).toThrow(/group/);
    expect(() =>
      writeIgmp(
        { type: 0x22, records: [{ recordType: 1, group: 0, sources: [], auxData: new Uint8Array(3) }] },
        out,
      ),
    ).toThrow(/auxData/);
    expect(() => writeIgmp({ type: 0x11, payload: new Uint8Array(4) }, out)).toThrow(/payload/);
    expect(() => writeIgmp({ type: 0x16, records: [] }, out)).toThrow(/records/);
    expect(() =>
      writeIgmp({ type: 0x11, sources: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] }, out),
    ).toThrow(/out/);
    expect(out.every((b) => b === 0xaa)).toBe(true);
  });

  it('random bytes: parse returns (and writes back unchanged) or throws DecodeError; dissect likewise; known-valid messages decode', () => {
    const group = parseIpv4('224.0.0.22');
    const context = (dst: number): DissectContext => ({ ip: { family: 4, src: 1, dst } });
    const random = fc
      .oneof(
        fc.uint8Array({ maxLength: 64, size: 'max' }),
        // Mostly IGMPv3 shapes, so the record and source walks are exercised.
        fc
          .tuple(
            fc.constantFrom(0x11, 0x22, 0x12, 0x16, 0x1f, 0x01),
            fc.uint8Array({ minLength: 7, maxLength: 80 }),
          )
          .map(([t, rest]) => {
            const b = Uint8Array.of(t, ...rest);
            if (b.length > 7 && t === 0x22) b[6] = 0;
            if (b.length > 10) b[10] = 0;
            return b;
          }),
      )
      .map((b): [Uint8Array, number] => [b, group]);
    // IGMP messages of the known-valid frames (IPv4 protocol 2), with their IPv4 destination.
    const valid = validPayloads([0x0800])
      .filter((ip) => ip.length >= 20 && ip[9] === 2)
      .map((ip): [Uint8Array, number] => {
        const headerLength = (ip[0] & 0x0f) * 4;
        const dst = ((ip[16] << 24) | (ip[17] << 16) | (ip[18] << 8) | ip[19]) >>> 0;
        return [ip.subarray(headerLength, Math.min(ip.length, (ip[2] << 8) | ip[3])), dst];
      });
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, number]>({
      random,
      valid,
      decode: ([bytes, dst]) =>
        allSteps(
          () => {
            const written = encodeIgmp(IgmpMessage.parse(bytes).toJSON());
            // A plain loop: expect().toEqual on 100,000 inputs costs seconds.
            if (written.length !== bytes.length || written.some((v, i) => v !== bytes[i])) {
              throw new Error(`written back differently: ${written} vs ${bytes}`);
            }
          },
          () => dissectIgmp(bytes, 0, bytes.length, context(dst)),
        ),
    });
    console.log(`igmp decode property: ${JSON.stringify(counts)}, ${valid.length} known-valid messages`);
  });
});

describe('dissectIgmp', () => {
  it('decides the version as Wireshark does (type and length)', () => {
    expect(fields(parseBytes('11 00 ee ff 00 00 00 00')).get('igmp.version')).toEqual(['1']);
    expect(fields(parseBytes('11 64 ee 9b 00 00 00 00')).get('igmp.version')).toEqual(['2']);
    expect(fields(parseBytes('11 64 ec 1e 00 00 00 00 02 7d 00 00')).get('igmp.version')).toEqual(['3']);
    expect(fields(parseBytes('12 00 0d 03 e0 00 00 fc')).get('igmp.version')).toEqual(['1']);
    expect(fields(parseBytes('30 00 00 00 00 00 00 00')).get('igmp.version')).toBeUndefined();
  });

  it('reports a bad checksum as status 0', () => {
    const f = fields(parseBytes('16 00 fa 05 ef ff ff fa'));
    expect(f.get('igmp.checksum.status')).toEqual(['0']);
  });

  it('leaves DVMRP, PIMv1 and RGMP (to 224.0.0.25) to a data layer, as Wireshark hands them on', () => {
    const rgmp = { ip: { family: 4, src: 1, dst: parseIpv4('224.0.0.25') } } as const;
    expect(dissectIgmp(parseBytes('13 00 00 00 00 00 00 00'), 0, 8, {}).node.field).toBe('data');
    expect(dissectIgmp(parseBytes('14 00 00 00 00 00 00 00'), 0, 8, {}).node.field).toBe('data');
    expect(dissectIgmp(parseBytes('fc 00 00 00 00 00 00 00'), 0, 8, rgmp).node.field).toBe('data');
    expect(dissectIgmp(parseBytes('fc 00 00 00 00 00 00 00'), 0, 8, {}).node.field).toBe('igmp');
  });
});
