import { dissectIcmpv4, encodeIcmpv4, type Icmpv4Header, Icmpv4Message, writeIcmpv4 } from '@cnikit/ethernet';
import { LINKTYPE_IPV4, parseBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertRejectsOnlyWithDecodeError } from './fixtures/decode-property.js';
import {
  compareWithTshark,
  fixtureBytes,
  fixtureContext,
  l4Fixtures,
  ourFields,
} from './fixtures/l4-helpers.js';
import { DERIVED, NOT_COMPARED } from './fixtures/l4-tshark.js';

const icmpFixtures = l4Fixtures.filter((f) => f.proto === 'icmp');

const arbEcho = fc.record({
  type: fc.constantFrom(0, 8, 13, 14, 17, 18),
  code: fc.nat(0xff),
  checksum: fc.nat(0xffff),
  identifier: fc.nat(0xffff),
  sequence: fc.nat(0xffff),
  payload: fc.uint8Array({ maxLength: 40 }),
});
const arbMtu = fc.record({
  type: fc.constant(3),
  code: fc.constant(4),
  checksum: fc.nat(0xffff),
  nextHopMtu: fc.nat(0xffff),
  payload: fc.uint8Array({ maxLength: 40 }),
});
const arbOther = fc
  .record({
    type: fc.nat(0xff).filter((t) => ![0, 8, 13, 14, 15, 16, 17, 18].includes(t)),
    code: fc.nat(0xff),
    checksum: fc.nat(0xffff),
    restOfHeader: fc.nat(0xffffffff),
    payload: fc.uint8Array({ maxLength: 40 }),
  })
  .filter((h) => !(h.type === 3 && h.code === 4 && h.restOfHeader >>> 16 === 0));
const arbMessage: fc.Arbitrary<Icmpv4Header> = fc.oneof(arbEcho, arbMtu, arbOther);

describe('ICMPv4 against tshark on corpus captures', () => {
  it('covers echo, destination unreachable with a quoted datagram, and checksum verdicts', () => {
    expect(icmpFixtures.some((f) => f.fields['icmp.type'][0] === '8')).toBe(true);
    expect(icmpFixtures.some((f) => f.fields['icmp.type'][0] === '3')).toBe(true);
  });
  for (const f of icmpFixtures) {
    it(`${f.capture} frame ${f.frame}: every field as tshark writes it, checksum verdict included`, () => {
      const b = fixtureBytes(f);
      const r = dissectIcmpv4(b, 0, b.length, fixtureContext(f));
      expect(compareWithTshark(ourFields(r.node), f.fields, NOT_COMPARED, DERIVED)).toEqual([]);
      const m = Icmpv4Message.parse(b);
      expect(m.checksumValid()).toBe(f.fields['icmp.checksum.status'][0] === '1');
      if (m.checksumValid()) expect(m.computeChecksum()).toBe(m.checksum);
      expect(encodeIcmpv4(m.toJSON())).toEqual(b);
      if (m.isError) {
        expect(r.next).toEqual({
          table: 'link',
          keys: [LINKTYPE_IPV4],
          start: 8,
          end: b.length,
          quoted: true,
        });
        expect(b[8] >> 4).toBe(4);
      }
    });
  }
});

describe('ICMPv4 view and writer (RFC 792, RFC 1191)', () => {
  it('builds the echo request of mpls-over-udp.pcap with the checksum tshark shows (0x7643)', () => {
    const data = parseBytes(
      '94073f5e0000000045880300000000001011121314151617' +
        '18191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    );
    const b = encodeIcmpv4({ type: 8, code: 0, identifier: 42731, sequence: 16, payload: data });
    expect(Icmpv4Message.parse(b).checksum).toBe(0x7643);
  });

  it('reads the next-hop MTU of a fragmentation-needed message (RFC 1191)', () => {
    const quoted = parseBytes('4500 05dc 0000 4000 4011 0000 0a000001 0a000002 0035 0035 05c8 0000');
    const b = encodeIcmpv4({ type: 3, code: 4, nextHopMtu: 1400, payload: quoted });
    const m = Icmpv4Message.parse(b);
    expect([m.nextHopMtu, m.checksumValid(), m.toJSON().nextHopMtu]).toEqual([1400, true, 1400]);
    const r = dissectIcmpv4(b, 0, b.length, {});
    expect(ourFields(r.node)).toMatchObject({
      'icmp.mtu': ['1400'],
      'icmp.unused': ['00:00'],
      'icmp.checksum.status': ['1'],
    });
    expect(r.next).toMatchObject({ table: 'link', keys: [228], start: 8, quoted: true });
  });

  it('writes payload-first without a copy, and reports a bad checksum as status 0', () => {
    const out = new Uint8Array(40);
    out.set([1, 2, 3], 10 + 8);
    const n = writeIcmpv4({ type: 8, code: 0, identifier: 1, sequence: 2 }, out, 10, 3);
    const m = Icmpv4Message.parse(out, 10, 10 + n);
    expect([n, m.checksumValid(), [...m.payload]]).toEqual([11, true, [1, 2, 3]]);
    out[12] ^= 1;
    expect(ourFields(dissectIcmpv4(out, 10, 10 + n, {}).node)['icmp.checksum.status']).toEqual(['0']);
  });

  it('throws truncated with the message offset when the 8-byte header is cut', () => {
    const b = encodeIcmpv4({ type: 0, code: 0, identifier: 5, sequence: 6 });
    for (let cut = 0; cut < 8; cut++) {
      expect(() => Icmpv4Message.parse(b, 0, cut)).toThrow(
        expect.objectContaining({ code: 'truncated', layer: 'icmp', offset: 0 }),
      );
    }
  });

  it('refuses out-of-range fields with RangeError before writing anything', () => {
    const out = new Uint8Array(16).fill(0xaa);
    expect(() => writeIcmpv4({ type: 256, code: 0 }, out)).toThrow(/type/);
    expect(() => writeIcmpv4({ type: 8, code: 0, sequence: -1 }, out)).toThrow(/sequence/);
    expect(() => writeIcmpv4({ type: 8, code: 0, payload: new Uint8Array(9) }, out)).toThrow(/out/);
    expect(out.every((x) => x === 0xaa)).toBe(true);
  });

  it('parse(write(x)) deep-equals x and write(parse(b)) equals b', () => {
    fc.assert(
      fc.property(arbMessage, (h) => {
        const b = encodeIcmpv4(h);
        expect(Icmpv4Message.parse(b).toJSON()).toEqual(h);
        const computed = encodeIcmpv4({ ...h, checksum: undefined });
        expect(Icmpv4Message.parse(computed).checksumValid()).toBe(true);
        expect(encodeIcmpv4(Icmpv4Message.parse(computed).toJSON())).toEqual(computed);
      }),
    );
  });

  it('returns or throws DecodeError on 100,000 random byte strings, and every corpus message decodes', () => {
    const view = new Icmpv4Message();
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean]>({
      random: fc.tuple(fc.uint8Array({ maxLength: 40, size: 'max' }), fc.boolean()),
      valid: icmpFixtures.map((f) => [fixtureBytes(f), f.quoted]),
      decode: ([b, quoted]) => {
        view.bind(b);
        view.toJSON();
        dissectIcmpv4(b, 0, b.length, { quoted });
      },
    });
    console.log(`icmp decode property: ${JSON.stringify(counts)}`);
  });
});
