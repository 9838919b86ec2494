import {
  dissectIpv4,
  dissectRawIp,
  encodeIpv4,
  type Ipv4Header,
  Ipv4Packet,
  ipv4Length,
  writeIpv4,
} from '@cnikit/ethernet';
import { walkNodes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { assertRejectsOnlyWithDecodeError, validPayloads } from './fixtures/decode-property.js';
import { canonicalOptions } from './fixtures/l2-arbitraries.js';
import {
  agreeWithTshark,
  allCorpusFrames,
  catchDecodeError,
  corpusFrame,
  hexBytes,
  ourValues,
} from './fixtures/l2-support.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/ipv4.test.ts: 10 tests on corpus captures (checksums, padding, truncation, BIG TCP, round trips, tshark agreement, fragments, raw IP)',
);

// The well-known worked example (UDP, 192.168.0.1 → 192.168.0.199): checksum 0xb861.
const EXAMPLE_HEADER = hexBytes('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const header: fc.Arbitrary<Ipv4Header> = fc
  .record({
    dscp: fc.integer({ min: 0, max: 63 }),
    ecn: fc.integer({ min: 0, max: 3 }),
    identification: fc.integer({ min: 0, max: 0xffff }),
    reservedFlag: fc.boolean(),
    dontFragment: fc.boolean(),
    moreFragments: fc.boolean(),
    fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
    ttl: fc.integer({ min: 0, max: 255 }),
    protocol: fc.integer({ min: 0, max: 255 }),
    checksum: fc.integer({ min: 0, max: 0xffff }),
    src: u32,
    dst: u32,
    options: canonicalOptions,
    payload: fc.uint8Array({ maxLength: 40 }),
  })
  .map((h) => ({ ...h, totalLength: ipv4Length(h) }));

describe('Ipv4Packet', () => {
  it('reads every field of a known header and verifies its checksum', () => {
    const p = Ipv4Packet.parse(EXAMPLE_HEADER, 0, EXAMPLE_HEADER.length, true);
    expect([p.version, p.ihl, p.headerLength, p.dscp, p.ecn, p.totalLength, p.identification]).toEqual([
      4, 5, 20, 0, 0, 0x73, 0,
    ]);
    expect([p.flags, p.reservedFlag, p.dontFragment, p.moreFragments, p.fragmentOffset]).toEqual([
      2,
      false,
      true,
      false,
      0,
    ]);
    expect([p.ttl, p.protocol, p.checksum, p.src, p.dst]).toEqual([64, 17, 0xb861, 0xc0a80001, 0xc0a800c7]);
    expect(p.verifyChecksum()).toBe(true);
    expect(p.computeChecksum()).toBe(0xb861);
    expect(p.truncated).toBe(true);
    const bad = EXAMPLE_HEADER.slice();
    bad[8] = 63;
    const q = Ipv4Packet.parse(bad, 0, 20, true);
    expect(q.verifyChecksum()).toBe(false);
    expect(q.computeChecksum()).toBe(0xb961);
  });

  it.skipIf(!CORPUS)(
    'checksums of real captures verify and are recomputed exactly (IGMP with options, UDP, TCP)',
    () => {
      let checked = 0;
      for (const file of ['IGMP_V1.pcap', 'dhcp-rfc4388.pcap', 'mptcp-fclose.pcap']) {
        for (const frame of allCorpusFrames(file)) {
          if (frame.data[12] !== 0x08 || frame.data[13] !== 0x00) continue;
          const p = Ipv4Packet.parse(frame.data, 14);
          expect(p.verifyChecksum()).toBe(true);
          expect(p.computeChecksum()).toBe(p.checksum);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(50);
    },
  );

  it.skipIf(!CORPUS)('ends at the total length, leaving Ethernet padding out', () => {
    const frame = corpusFrame('IGMP_V1.pcap', 1); // 60-byte frame, 32-byte datagram, 14 bytes padding
    const p = Ipv4Packet.parse(frame.data, 14);
    expect([p.end, p.headerLength, p.payload.length]).toEqual([14 + 32, 24, 8]);
    expect(p.options).toEqual([{ kind: 'router-alert', value: 0 }]);
  });

  it('rejects bad version, header length and total length with typed errors', () => {
    const b = EXAMPLE_HEADER.slice();
    b[0] = 0x65;
    expect(catchDecodeError(() => Ipv4Packet.parse(b)).toJSON()).toMatchObject({
      code: 'bad-version',
      layer: 'ip',
      offset: 0,
    });
    b[0] = 0x44;
    expect(catchDecodeError(() => Ipv4Packet.parse(b)).code).toBe('bad-header-length');
    b[0] = 0x45;
    b[2] = 0;
    b[3] = 19;
    expect(catchDecodeError(() => Ipv4Packet.parse(b)).toJSON()).toMatchObject({
      code: 'bad-length',
      offset: 2,
    });
  });

  it.skipIf(!CORPUS)(
    'every truncation of a datagram with options gives DecodeError truncated at its start',
    () => {
      const frame = corpusFrame('IGMP_V1.pcap', 1);
      for (let n = 0; n < 32; n++) {
        const e = catchDecodeError(() => new Ipv4Packet().bind(frame.data, 14, 14 + n));
        expect([n, e.code, e.layer, e.offset]).toEqual([n, 'truncated', 'ip', 14]);
      }
    },
  );

  it.skipIf(!CORPUS)(
    'partial mode accepts a total length past the end (ICMP-quoted datagram); a header must still fit',
    () => {
      const frame = corpusFrame('IGMP_V1.pcap', 1);
      const p = Ipv4Packet.parse(frame.data, 14, 14 + 28, true);
      expect([p.truncated, p.end, p.payload.length]).toEqual([true, 42, 4]);
      expect(catchDecodeError(() => Ipv4Packet.parse(frame.data, 14, 14 + 23, true)).code).toBe('truncated');
    },
  );

  it.skipIf(!CORPUS)(
    'a zero total length (TSO / BIG TCP) runs to the end of the frame, as tshark shows it (bigtcp-ipv4.pcap)',
    () => {
      const frame = corpusFrame('bigtcp-ipv4.pcap', 1);
      const p = Ipv4Packet.parse(frame.data, 14);
      expect(p.totalLength).toBe(0);
      expect(p.end).toBe(frame.data.length);
      expect(ourValues(frame.layers, 'ip.len')).toEqual([Number(frame.tshark.get('ip.len')?.[0])]);
    },
  );

  it('parse(write(h)) equals h (checksum kept), and a computed checksum verifies', () => {
    fc.assert(
      fc.property(header, fc.nat(6), (h, at) => {
        const out = new Uint8Array(at + ipv4Length(h));
        expect(writeIpv4(h, out, at, { keepChecksum: true })).toBe(out.length - at);
        expect(Ipv4Packet.parse(out, at).toJSON()).toEqual(h);
        const computed = Ipv4Packet.parse(encodeIpv4({ ...h, checksum: undefined, totalLength: undefined }));
        expect(computed.verifyChecksum()).toBe(true);
        expect(computed.toJSON()).toEqual({ ...h, checksum: computed.checksum });
      }),
    );
  });

  it.skipIf(!CORPUS)('write(parse(b)) equals b for every IPv4 datagram of several captures', () => {
    let n = 0;
    for (const file of ['IGMP_V1.pcap', 'IGMP_V2.pcap', 'dhcp-rfc4388.pcap', 'dhcp6_reconf_asan.pcap']) {
      for (const frame of allCorpusFrames(file)) {
        if (frame.data[12] !== 0x08 || frame.data[13] !== 0x00) continue;
        const p = Ipv4Packet.parse(frame.data, 14, frame.data.length, true);
        expect(encodeIpv4(p.toJSON(), { keepChecksum: true })).toEqual(frame.data.subarray(14, p.end));
        n++;
      }
    }
    expect(n).toBeGreaterThan(80);
  });

  it('write(parse(b)) equals b for random headers whose options decode', () => {
    let decoded = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 15 }),
        fc.uint8Array({ minLength: 60, maxLength: 90 }),
        (ihl, b) => {
          b[0] = 0x40 | ihl;
          b[2] = 0;
          b[3] = b.length;
          let h: Ipv4Header;
          try {
            h = Ipv4Packet.parse(b).toJSON();
          } catch {
            return;
          }
          decoded++;
          expect(encodeIpv4(h, { keepChecksum: true })).toEqual(b);
        },
      ),
      { numRuns: 3000 },
    );
    expect(decoded).toBeGreaterThan(300);
  });

  it('writer rejects out-of-range values with RangeError before writing', () => {
    const h = Ipv4Packet.parse(EXAMPLE_HEADER, 0, 20, true).toJSON();
    const good: Ipv4Header = {
      ...h,
      totalLength: undefined,
      checksum: undefined,
      payload: new Uint8Array(4),
    };
    const out = new Uint8Array(24).fill(0xee);
    const bad: [Partial<Ipv4Header>, RegExp][] = [
      [{ dscp: 64 }, /dscp/],
      [{ ecn: 4 }, /ecn/],
      [{ identification: 0x10000 }, /identification/],
      [{ fragmentOffset: 0x2000 }, /fragmentOffset/],
      [{ ttl: 256 }, /ttl/],
      [{ protocol: -1 }, /protocol/],
      [{ src: 2 ** 32 }, /src/],
      [{ dst: 0.5 }, /dst/],
      [{ totalLength: 0x10000 }, /totalLength/],
      [{ options: new Array(11).fill({ kind: 'router-alert', value: 0 }) }, /60-byte/],
      [{ options: [{ kind: 'router-alert', value: -1 }] }, /router-alert/],
    ];
    for (const [change, message] of bad)
      expect(() => writeIpv4({ ...good, ...change }, out)).toThrow(message);
    expect(() => writeIpv4(good, out, 0, { keepChecksum: true })).toThrow(/checksum/);
    expect(() => writeIpv4(good, out, 1)).toThrow(/room/);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });

  it('100,000 random byte strings (half shaped like IPv4 with options): returns or throws DecodeError only, and known-valid packets decode', () => {
    const p = new Ipv4Packet();
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64, size: 'max' }),
      fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }).map((b) => {
        b[0] = 0x40 | (b[0] & 0x0f);
        if (b.length > 3) b[2] = 0;
        return b;
      }),
    );
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean]>({
      random: fc.tuple(bytes, fc.boolean()),
      valid: validPayloads([0x0800]).map((b) => [b, false]),
      decode: ([b, partial]) => {
        p.bind(b, 0, b.length, partial);
        p.verifyChecksum();
        p.toJSON();
      },
    });
    console.log(`ipv4 decode property: ${JSON.stringify(counts)}`);
  });
});

describe('dissectIpv4', () => {
  it('20,000 random byte strings: returns or throws DecodeError only, and known-valid packets dissect', () => {
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean]>({
      random: fc.tuple(fc.uint8Array({ maxLength: 64, size: 'max' }), fc.boolean()).map(([b, quoted]) => {
        if (b.length > 0) b[0] = 0x40 | (b[0] & 0x0f);
        return [b, quoted];
      }),
      valid: validPayloads([0x0800]).map((b) => [b, false]),
      decode: ([b, quoted]) => dissectIpv4(b, 0, b.length, { quoted }),
      numRuns: 20_000,
    });
    console.log(`dissectIpv4 property: ${JSON.stringify(counts)}`);
  });

  it.skipIf(!CORPUS)(
    'every ip.* field agrees with tshark across captures with options, fragments, ICMP errors and raw IP',
    () => {
      let compared = 0;
      const files = [
        'IGMP_V1.pcap',
        'IGMP_V2.pcap',
        'afs.pcap',
        'dhcp-rfc4388.pcap',
        'ip_ts_opts_asan.pcap',
        'dhcp6_reconf_asan.pcap',
        'LINKTYPE_RAW_ipv4.pcap',
        'extract_read2_asan.pcap',
        'icmp-length-zero.pcapng',
        'ipv4_tcp_http_xml_tso.pcap',
      ];
      const names = new Set<string>();
      for (const file of files) {
        for (const frame of allCorpusFrames(file)) {
          const r = agreeWithTshark(frame, /^ip\./);
          expect(r.mismatches, file).toEqual([]);
          compared += r.compared;
          for (const n of walkNodes(frame.layers))
            if (n.value !== undefined && n.field.startsWith('ip.')) names.add(n.field);
        }
      }
      expect(compared).toBeGreaterThan(3000);
      for (const f of [
        'ip.version',
        'ip.hdr_len',
        'ip.dsfield.dscp',
        'ip.flags.df',
        'ip.frag_offset',
        'ip.checksum.status',
        'ip.opt.ra',
        'ip.opt.time_stamp',
      ]) {
        expect(names.has(f), f).toBe(true);
      }
    },
  );

  it.skipIf(!CORPUS)('fragments hand over nothing, as tshark shows their payload as data (afs.pcap)', () => {
    const fragments = allCorpusFrames('afs.pcap').filter((f) => f.tshark.get('ip.frag_offset')?.[0] !== '0');
    expect(fragments.length).toBeGreaterThan(2);
    for (const f of fragments) {
      const { next } = dissectIpv4(f.data, 14, f.data.length, {});
      expect(next?.keys).toEqual([]);
      expect(f.layers.map((l) => l.field)).toEqual(['eth', 'ip', 'data']);
    }
  });

  it.skipIf(!CORPUS)('hands over protocol and addresses for the pseudo-header', () => {
    const frame = corpusFrame('IGMP_V1.pcap', 1);
    const { next } = dissectIpv4(frame.data, 14, frame.data.length, {});
    expect(next).toEqual({
      table: 'ip.proto',
      keys: [2],
      start: 38,
      end: 46,
      ip: { family: 4, src: 0x0a00c897, dst: 0xe0000001 },
    });
  });

  it.skipIf(!CORPUS)('raw IP (LINKTYPE_RAW) dispatches on the version nibble', () => {
    const frame = corpusFrame('LINKTYPE_RAW_ipv4.pcap', 1);
    expect(frame.layers.map((l) => l.field).slice(0, 3)).toEqual(['raw', 'ip', 'udp']);
    expect(dissectRawIp(hexBytes('60'), 0, 1, {}).next?.keys).toEqual([6]);
    expect(dissectRawIp(new Uint8Array(0), 0, 0, {}).next?.keys).toEqual([]);
  });
});
