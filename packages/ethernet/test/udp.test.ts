import { dissectUdp, encodeUdp, UdpDatagram, type UdpHeader, writeUdp } from '@cnikit/ethernet';
import { type IpContext, parseBytes, parseIpv4, parseIpv6 } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allSteps, assertRejectsOnlyWithDecodeError } from './fixtures/decode-property.js';
import {
  compareWithTshark,
  fixtureBytes,
  fixtureContext,
  l4Fixtures,
  ourFields,
} from './fixtures/l4-helpers.js';
import { DERIVED, NOT_COMPARED } from './fixtures/l4-tshark.js';
import { assertParsesBack } from './fixtures/round-trip.js';

const udpFixtures = l4Fixtures.filter((f) => f.proto === 'udp');
const ip4: IpContext = { family: 4, src: parseIpv4('192.0.2.1'), dst: parseIpv4('198.51.100.7') };
const ip6: IpContext = { family: 6, src: parseIpv6('2001:db8::1'), dst: parseIpv6('2001:db8::2') };

const arbHeader: fc.Arbitrary<Required<UdpHeader>> = fc
  .record({
    srcPort: fc.nat(0xffff),
    dstPort: fc.nat(0xffff),
    checksum: fc.nat(0xffff),
    payload: fc.uint8Array({ maxLength: 64 }),
  })
  .map((h) => ({ ...h, length: 8 + h.payload.length }));

describe('UDP against tshark on corpus captures', () => {
  it('has corpus packets over IPv4, IPv6 and quoted in ICMP errors', () => {
    expect(udpFixtures.filter((f) => f.ip?.family === 4).length).toBeGreaterThan(5);
    expect(udpFixtures.filter((f) => f.ip?.family === 6).length).toBeGreaterThan(5);
    expect(udpFixtures.filter((f) => f.quoted).length).toBeGreaterThan(0);
  });
  for (const f of udpFixtures) {
    it(`${f.capture} frame ${f.frame}${f.quoted ? ' (quoted)' : ''}: every field as tshark writes it`, () => {
      const b = fixtureBytes(f);
      const r = dissectUdp(b, 0, b.length, fixtureContext(f));
      expect(compareWithTshark(ourFields(r.node), f.fields, NOT_COMPARED, DERIVED)).toEqual([]);
      expect(f.fields['udp.length']).toEqual([String(UdpDatagram.parse(b, 0, b.length, f.quoted).length)]);
    });
  }
});

describe('UDP view and writer', () => {
  it('reads the LINKTYPE_IPV4 DNS query as tshark does', () => {
    const f = udpFixtures.find((x) => x.capture === 'LINKTYPE_IPV4.pcap');
    if (!f) throw new Error('fixture missing');
    const u = UdpDatagram.parse(fixtureBytes(f));
    expect([u.srcPort, u.dstPort, u.length, u.checksum]).toEqual(
      ['udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum'].map((k) =>
        Number(f.fields[k][0].startsWith('0x') ? Number.parseInt(f.fields[k][0], 16) : f.fields[k][0]),
      ),
    );
    expect(u.payload.length).toBe(u.length - 8);
  });

  it('trims bytes after the length field (Ethernet padding) and hands exactly length - 8 bytes on', () => {
    const b = parseBytes('0035 1234 000a 0000 abcd eeee eeee');
    const u = UdpDatagram.parse(b);
    expect(u.end).toBe(10);
    expect(u.payload).toEqual(parseBytes('abcd'));
    const r = dissectUdp(b, 0, b.length, {});
    expect(r.next).toMatchObject({ table: 'udp.port', keys: [53, 0x1234], start: 8, end: 10 });
  });

  it('rejects a length below 8 and a length beyond the bytes present with typed errors', () => {
    const short = parseBytes('0035 0035 0007 0000');
    expect(() => UdpDatagram.parse(short)).toThrow(
      expect.objectContaining({ code: 'bad-length', layer: 'udp', offset: 4 }),
    );
    const long = parseBytes('0035 0035 0010 1234 01 02');
    expect(() => UdpDatagram.parse(long, 0)).toThrow(
      expect.objectContaining({ code: 'truncated', layer: 'udp', offset: 0 }),
    );
    const u = UdpDatagram.parse(long, 0, long.length, true);
    expect([u.end, u.truncated, u.checksumStatus(ip4)]).toEqual([10, true, 'partial']);
  });

  it('gives DecodeError truncated at the datagram start for every header cut', () => {
    const b = encodeUdp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(4) }, { ip: ip4 });
    for (let cut = 0; cut < b.length; cut++) {
      const at = 3;
      const buf = new Uint8Array(at + cut);
      buf.set(b.subarray(0, cut), at);
      expect(() => UdpDatagram.parse(buf, at)).toThrow(
        expect.objectContaining({ code: 'truncated', offset: at }),
      );
    }
  });

  it('applies the zero-checksum rules of RFC 768 and RFC 8200', () => {
    // Payload chosen so the computed sum is 0xffff: the checksum must go out as 0xffff, not 0.
    const zeroIp: IpContext = { family: 4, src: 0, dst: 0 };
    const out = new Uint8Array(10);
    // pseudo (17 + 10) + header (0x0a) + payload word w must fold to 0xffff → w = 0xffff - 37.
    const w = 0xffff - (17 + 10 + 10);
    out.set([w >> 8, w & 0xff], 8);
    writeUdp({ srcPort: 0, dstPort: 0 }, out, 0, { ip: zeroIp, payloadLength: 2 });
    expect(UdpDatagram.parse(out).checksum).toBe(0xffff);
    expect(UdpDatagram.parse(out).checksumStatus(zeroIp)).toBe('good');
    const none = encodeUdp({ srcPort: 9, dstPort: 9, checksum: 0, payload: new Uint8Array([1]) });
    expect(UdpDatagram.parse(none).checksumStatus(ip4)).toBe('none');
    expect(UdpDatagram.parse(none).checksumStatus(ip6)).toBe('zero-ipv6');
    const node = dissectUdp(none, 0, none.length, { ip: ip4 }).node;
    expect(ourFields(node)['udp.checksum.status']).toEqual(['3']);
  });

  it('writes payload-first into one buffer without a copy, with the checksum over IPv6', () => {
    const out = new Uint8Array(64);
    const payload = new TextEncoder().encode('hello, udp');
    out.set(payload, 20 + 8);
    const n = writeUdp({ srcPort: 4789, dstPort: 53 }, out, 20, { ip: ip6, payloadLength: payload.length });
    expect(n).toBe(18);
    const u = UdpDatagram.parse(out, 20, 20 + n);
    expect([u.length, u.checksumStatus(ip6)]).toEqual([18, 'good']);
    expect(u.payload).toEqual(payload);
    const copied = encodeUdp({ srcPort: 4789, dstPort: 53, payload }, { ip: ip6 });
    expect(copied).toEqual(out.subarray(20, 38));
  });

  it('refuses out-of-range fields with RangeError before writing anything', () => {
    const out = new Uint8Array(16).fill(0xaa);
    expect(() => writeUdp({ srcPort: 70000, dstPort: 1, checksum: 0 }, out)).toThrow(/srcPort/);
    expect(() => writeUdp({ srcPort: 1, dstPort: 1 }, out)).toThrow(/checksum/);
    expect(() => writeUdp({ srcPort: 1, dstPort: 1, checksum: 0, payload: new Uint8Array(9) }, out)).toThrow(
      /out/,
    );
    expect(out.every((x) => x === 0xaa)).toBe(true);
  });

  it('parse(write(x)) deep-equals x', () => {
    assertParsesBack(arbHeader, (h) => UdpDatagram.parse(encodeUdp(h)).toJSON());
  });

  it('write(parse(b)) equals b, and computed checksums verify over both pseudo-headers', () => {
    fc.assert(
      fc.property(arbHeader, fc.boolean(), (h, v6) => {
        const ip = v6 ? ip6 : ip4;
        const b = encodeUdp({ srcPort: h.srcPort, dstPort: h.dstPort, payload: h.payload }, { ip });
        const u = UdpDatagram.parse(b);
        expect(u.checksumStatus(ip)).toBe('good');
        expect(u.computeChecksum(ip)).toBe(u.checksum);
        expect(encodeUdp(u.toJSON())).toEqual(b);
      }),
    );
  });

  it('returns or throws DecodeError on 100,000 random byte strings, and every corpus datagram decodes', () => {
    const view = new UdpDatagram();
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean, boolean]>({
      random: fc.tuple(fc.uint8Array({ maxLength: 40, size: 'max' }), fc.boolean(), fc.boolean()),
      valid: udpFixtures.map((f) => [fixtureBytes(f), f.quoted, f.quoted]),
      decode: ([b, partial, quoted]) =>
        allSteps(
          () => {
            view.bind(b, 0, b.length, partial);
            view.toJSON();
            view.checksumStatus(ip4);
          },
          () => dissectUdp(b, 0, b.length, { quoted, ip: ip6 }),
        ),
    });
    console.log(`udp decode property: ${JSON.stringify(counts)}`);
  });
});
