import {
  dissectTcp,
  encodeTcp,
  TcpFlags,
  type TcpHeader,
  type TcpOption,
  TcpSegment,
  tcpFlagsString,
  tcpHeaderLength,
  writeTcp,
} from '@cnikit/ethernet';
import { type IpContext, parseIpv4, parseIpv6 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allSteps, assertRejectsOnlyWithDecodeError } from './fixtures/decode-property.js';
import { arbOptions } from './fixtures/l4-arbitraries.js';
import {
  compareWithTshark,
  fixtureBytes,
  fixtureContext,
  l4Fixtures,
  ourFields,
} from './fixtures/l4-helpers.js';
import { DERIVED, NOT_COMPARED } from './fixtures/l4-tshark.js';
import { assertParsesBack } from './fixtures/round-trip.js';

const tcpFixtures = l4Fixtures.filter((f) => f.proto === 'tcp');
const ip4: IpContext = { family: 4, src: parseIpv4('10.0.0.1'), dst: parseIpv4('10.0.0.2') };
const ip6: IpContext = { family: 6, src: parseIpv6('fd00::1'), dst: parseIpv6('fd00::2') };
/** When AccECN is negotiated tshark shows the ACE counter instead of AE/CWR/ECE (stream state). */
const ACCECN_FIELDS = /^tcp\.flags\.(ae|cwr|ece|str)$/;

const arbHeader: fc.Arbitrary<Required<TcpHeader>> = fc
  .record({
    srcPort: fc.nat(0xffff),
    dstPort: fc.nat(0xffff),
    seq: fc.nat(0xffffffff),
    ack: fc.nat(0xffffffff),
    flags: fc.nat(0xfff),
    window: fc.nat(0xffff),
    checksum: fc.nat(0xffff),
    urgentPointer: fc.nat(0xffff),
    options: arbOptions,
    payload: fc.uint8Array({ maxLength: 48 }),
  })
  .map((h) => ({ ...h, dataOffset: tcpHeaderLength(h) / 4 }));

describe('TCP against tshark on corpus captures', () => {
  it('covers IPv4 and IPv6, SACK, timestamps, AccECN, MD5, experimental options', () => {
    expect(tcpFixtures.length).toBeGreaterThan(40);
    expect(tcpFixtures.some((f) => f.ip?.family === 6)).toBe(true);
    for (const k of [
      'tcp.options.sack',
      'tcp.options.timestamp',
      'tcp.options.md5',
      'tcp.options.experimental',
      'tcp.flags.ae',
    ]) {
      expect(
        tcpFixtures.some((f) => k in f.fields),
        k,
      ).toBe(true);
    }
  });
  for (const f of tcpFixtures) {
    it(`${f.capture} frame ${f.frame}: every field as tshark writes it`, () => {
      const b = fixtureBytes(f);
      const r = dissectTcp(b, 0, b.length, fixtureContext(f));
      const skip =
        'tcp.flags.ace' in f.fields
          ? new RegExp(`${NOT_COMPARED.source}|${ACCECN_FIELDS.source}`)
          : NOT_COMPARED;
      expect(compareWithTshark(ourFields(r.node), f.fields, skip, DERIVED)).toEqual([]);
      const t = TcpSegment.parse(b);
      expect(String(t.payloadLength)).toBe(f.fields['tcp.len'][0]);
      // write(parse(b)) reproduces the capture byte for byte, options and checksum included.
      expect(encodeTcp(t.toJSON())).toEqual(b);
    });
  }
});

describe('TCP view and writer', () => {
  it('decodes the AccECN SYN of accecn_handshake.pcap frame 1 (RFC 9768 AE bit)', () => {
    const f = tcpFixtures.find((x) => x.capture === 'accecn_handshake.pcap' && x.frame === 1);
    if (!f) throw new Error('fixture missing');
    const t = TcpSegment.parse(fixtureBytes(f));
    expect([t.srcPort, t.dstPort, t.seq, t.ack, t.headerLength, t.flags, t.window, t.checksum]).toEqual([
      16433, 80, 1948076589, 0, 40, 0x1c2, 65535, 0x209c,
    ]);
    expect(t.hasFlag(TcpFlags.AE) && t.hasFlag(TcpFlags.SYN) && !t.hasFlag(TcpFlags.ACK)).toBe(true);
    expect(t.options).toEqual([
      { kind: 'mss', mss: 1460 },
      { kind: 'nop' },
      { kind: 'window-scale', shift: 6 },
      { kind: 'sack-permitted' },
      { kind: 'timestamps', tsval: 112147477, tsecr: 0 },
    ]);
    expect(tcpFlagsString(t.flags)).toBe('···ACE····S·');
  });

  it('rejects a data offset below 5 and a header beyond the bytes present', () => {
    const b = encodeTcp({
      srcPort: 1,
      dstPort: 2,
      seq: 0,
      ack: 0,
      flags: 2,
      window: 0,
      urgentPointer: 0,
      checksum: 0,
      options: [{ kind: 'mss', mss: 1460 }],
    });
    const bad = b.slice();
    bad[12] = 0x40;
    expect(() => TcpSegment.parse(bad)).toThrow(
      expect.objectContaining({ code: 'bad-header-length', offset: 12 }),
    );
    for (let cut = 0; cut < b.length; cut++) {
      expect(() => TcpSegment.parse(b, 0, cut)).toThrow(
        expect.objectContaining({ code: 'truncated', layer: 'tcp', offset: 0 }),
      );
    }
    // Quoted in an ICMP error: a header cut short inside the options is accepted.
    const t = TcpSegment.parse(b, 0, 22, true);
    expect([t.truncated, t.headerEnd, t.options, t.checksumStatus(ip4)]).toEqual([true, 22, [], 'partial']);
    // tshark (packet-tcp.c): eight quoted bytes inside ICMPv4 show ports and `tcp.seq`; inside
    // ICMPv6, a quote under 20 bytes shows only the ports.
    const inIcmpv4 = ourFields(dissectTcp(b, 0, 8, { quoted: true, ip: ip4 }).node);
    expect(inIcmpv4).toMatchObject({ 'tcp.srcport': ['1'], 'tcp.dstport': ['2'], 'tcp.seq': ['0'] });
    expect(inIcmpv4).not.toHaveProperty('tcp.seq_raw');
    const ip6 = { family: 6 as const, src: new Uint8Array(16), dst: new Uint8Array(16) };
    const inIcmpv6 = ourFields(dissectTcp(b, 0, 8, { quoted: true, ip: ip6 }).node);
    expect(Object.keys(inIcmpv6).filter((k) => k.startsWith('tcp.seq'))).toEqual([]);
    expect(inIcmpv6).toMatchObject({ 'tcp.srcport': ['1'], 'tcp.dstport': ['2'] });
  });

  it('writes payload-first into one buffer with the checksum over both pseudo-headers', () => {
    const h = {
      srcPort: 179,
      dstPort: 50000,
      seq: 7,
      ack: 9,
      flags: TcpFlags.ACK | TcpFlags.PSH,
      window: 512,
      urgentPointer: 0,
      options: [{ kind: 'timestamps', tsval: 1, tsecr: 2 } as TcpOption],
    };
    for (const ip of [ip4, ip6]) {
      const out = new Uint8Array(100);
      const at = 14;
      const hl = tcpHeaderLength(h);
      out.set([1, 2, 3, 4, 5], at + hl);
      const n = writeTcp(h, out, at, { ip, payloadLength: 5 });
      const t = TcpSegment.parse(out, at, at + n);
      expect([n, t.headerLength, t.checksumStatus(ip), [...t.payload]]).toEqual([
        hl + 5,
        32,
        'good',
        [1, 2, 3, 4, 5],
      ]);
      expect(encodeTcp({ ...h, payload: new Uint8Array([1, 2, 3, 4, 5]) }, { ip })).toEqual(
        out.subarray(at, at + n),
      );
    }
  });

  it('refuses out-of-range fields with RangeError before writing anything', () => {
    const base = {
      srcPort: 1,
      dstPort: 2,
      seq: 0,
      ack: 0,
      flags: 0,
      window: 0,
      urgentPointer: 0,
      checksum: 0,
      options: [],
    };
    const out = new Uint8Array(64).fill(0xaa);
    expect(() => writeTcp({ ...base, seq: 2 ** 32 }, out)).toThrow(/seq/);
    expect(() => writeTcp({ ...base, flags: 0x1000 }, out)).toThrow(/flags/);
    expect(() => writeTcp({ ...base, checksum: undefined }, out)).toThrow(/checksum/);
    expect(() => writeTcp({ ...base, options: Array(41).fill({ kind: 'nop' }) }, out)).toThrow(/options/);
    expect(() => writeTcp({ ...base, dataOffset: 5, options: [{ kind: 'sack-permitted' }] }, out)).toThrow(
      /dataOffset/,
    );
    expect(out.every((x) => x === 0xaa)).toBe(true);
  });

  it('parse(write(x)) deep-equals x', () => {
    assertParsesBack(arbHeader, (h) => TcpSegment.parse(encodeTcp(h)).toJSON());
  });

  it('write(parse(b)) equals b for written segments, and computed checksums verify', () => {
    fc.assert(
      fc.property(arbHeader, fc.boolean(), (h, v6) => {
        const ip = v6 ? ip6 : ip4;
        const b = encodeTcp({ ...h, checksum: undefined }, { ip });
        const t = TcpSegment.parse(b);
        expect(t.checksumStatus(ip)).toBe('good');
        expect(t.computeChecksum(ip)).toBe(t.checksum);
        expect(encodeTcp(t.toJSON())).toEqual(b);
      }),
    );
  });

  it('returns or throws DecodeError on 100,000 random byte strings, and every corpus segment decodes', () => {
    const view = new TcpSegment();
    const random = fc
      .tuple(fc.uint8Array({ minLength: 0, maxLength: 72, size: 'max' }), fc.boolean())
      .map(([b, partial]): [Uint8Array, boolean] => {
        // Make a plausible data offset common so the option walk gets exercised.
        if (b.length > 12 && b[0] & 1) b[12] = (b[12] & 0x0f) | ((5 + (b[1] % 11)) << 4);
        return [b, partial];
      });
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean]>({
      random,
      valid: tcpFixtures.map((f) => [fixtureBytes(f), f.quoted]),
      decode: ([b, partial]) =>
        allSteps(
          () => {
            view.bind(b, 0, b.length, partial);
            view.toJSON();
          },
          () => dissectTcp(b, 0, b.length, { quoted: partial }),
        ),
    });
    console.log(`tcp decode property: ${JSON.stringify(counts)}`);
  });
});
