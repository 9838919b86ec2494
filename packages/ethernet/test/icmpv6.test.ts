import {
  encodeIcmpv6,
  type Icmpv6Header,
  Icmpv6Message,
  Ipv6Packet,
  ndpOptionSize,
  writeIcmpv6,
} from '@cnikit/ethernet';
import { DecodeError, dissect, findField } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { assertRejectsOnlyWithDecodeError, validPayloads } from './fixtures/decode-property.js';
import { icmpv6Bytes, icmpv6Header } from './fixtures/v6-arbitraries.js';
import { corpusIpv6Packets, v6Registry } from './fixtures/v6-corpus.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/icmpv6.test.ts: ICMPv6 against the corpus (3 tests: checksums, echo, parameter problem)',
);

function decodeErrorOf(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}

/** Every well-formed ICMPv6 message of the corpus, with its enclosing IPv6 packet. */
function corpusMessages() {
  const out: { name: string; ip: Ipv6Packet; m: Icmpv6Message }[] = [];
  for (const p of corpusIpv6Packets()) {
    try {
      const ip = Ipv6Packet.parse(p.data, p.start);
      if (ip.protocol !== 58 || ip.isFragment) continue;
      out.push({
        name: `${p.file}#${p.frame}`,
        ip,
        m: Icmpv6Message.parse(p.data, ip.payloadOffset, ip.end),
      });
    } catch {}
  }
  return out;
}

describe.skipIf(!CORPUS)('ICMPv6 against the corpus', () => {
  const messages = CORPUS ? corpusMessages() : [];

  it('verifies, and the writer recomputes byte-exact, every corpus checksum tshark calls good', () => {
    let good = 0;
    for (const { name, ip, m } of messages) {
      if (!m.checksumValid(ip.src, ip.pseudoHeaderDst)) continue;
      good++;
      const { checksum, ...rest } = m.toJSON();
      const again = encodeIcmpv6(rest as Icmpv6Header, { src: ip.src, dst: ip.pseudoHeaderDst });
      expect(new Uint8Array(again), name).toEqual(new Uint8Array(m.buf.subarray(m.start, m.end)));
      expect(readChecksum(again)).toBe(checksum);
    }
    // tshark marks every ICMPv6 checksum in these captures good except rpl-dao-oobr's.
    expect(good).toBe(messages.length - 1);
    expect(good).toBeGreaterThan(50);
  });

  it('reads echo requests as tshark does (ipv6-routing-header.pcap)', () => {
    const { m } = messages.find((x) => x.name === 'ipv6-routing-header.pcap#1') ?? {};
    expect(m?.toJSON()).toEqual({
      kind: 'echo-request',
      code: 0,
      checksum: 0xd3ab,
      identifier: 0,
      sequence: 0,
      data: m?.data,
    });
    expect(m?.data.length).toBe(0);
  });

  it('hands a parameter problem’s invoking packet on in quoted context (icmpv6-rfc7112.pcap)', () => {
    const p = [...corpusIpv6Packets((f) => f === 'icmpv6-rfc7112.pcap')][0];
    const d = dissect(v6Registry, p.data, { table: 'link', key: 229 }, p.start);
    expect(d.malformed).toBeUndefined();
    expect(d.layers.map((l) => l.field)).toEqual(['ipv6', 'icmpv6', 'ipv6', 'data']);
    expect(findField([d.layers[1]], 'icmpv6.pointer')?.value).toBe(48); // tshark: 48
    expect(findField([d.layers[2]], 'ipv6.fraghdr.ident')?.value).toBe(0xd6b1);
    expect(findField([d.layers[2]], 'ipv6.fraghdr.more')?.value).toBe(true);
    expect(d.layers[3].length).toBe(16); // tshark: data.len 16
  });
});

function readChecksum(b: Uint8Array): number {
  return (b[2] << 8) | b[3];
}

describe('ICMPv6 round trips', () => {
  it('parse(write(x)) deep-equals x and write(parse(b)) equals b', () => {
    fc.assert(
      fc.property(icmpv6Header, (h) => {
        const b = encodeIcmpv6(h);
        const m = Icmpv6Message.parse(b);
        expect(m.toJSON()).toEqual(h);
        expect(encodeIcmpv6(m.toJSON())).toEqual(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('computes a checksum that verifies over the pseudo-header and fails for another source', () => {
    fc.assert(
      fc.property(
        icmpv6Header,
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (h, src, dst) => {
          const { checksum: _, ...rest } = h;
          const m = Icmpv6Message.parse(encodeIcmpv6(rest as Icmpv6Header, { src, dst }));
          expect(m.checksumValid(src, dst)).toBe(true);
          const other = src.slice();
          other[15] ^= 1;
          expect(m.checksumValid(other, dst)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses to write without a checksum or addresses, or with out-of-range fields, before writing', () => {
    const out = new Uint8Array(64).fill(0xee);
    const echo: Icmpv6Header = {
      kind: 'echo-request',
      code: 0,
      identifier: 1,
      sequence: 2,
      data: new Uint8Array(0),
    };
    expect(() => writeIcmpv6(echo, out)).toThrow(/checksum/);
    expect(() => writeIcmpv6({ ...echo, checksum: 0, identifier: 0x10000 }, out)).toThrow(/identifier/);
    expect(() => writeIcmpv6({ kind: 'other', type: 128, code: 0, checksum: 0, body: out }, out)).toThrow(
      /echo-request/,
    );
    expect(out.every((b) => b === 0xee)).toBe(true);
  });
});

describe('ICMPv6 on bad input', () => {
  it('returns or throws DecodeError for 100,000 random byte strings, and known-valid messages decode', () => {
    // ICMPv6 messages right after a fixed IPv6 header of the known-valid frames.
    const valid = validPayloads([0x86dd])
      .filter((ip) => ip.length >= 40 && ip[6] === 58)
      .map((ip): [Uint8Array, boolean] => [ip.subarray(40, 40 + ((ip[4] << 8) | ip[5])), false]);
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, boolean]>({
      random: fc.tuple(icmpv6Bytes, fc.boolean()),
      valid,
      decode: ([b, partial]) => {
        try {
          Icmpv6Message.parse(b, 0, b.length, partial).toJSON();
        } catch (e) {
          if (e instanceof DecodeError && e.layer !== 'icmpv6')
            throw new Error(`layer ${e.layer}: ${e.message}`);
          throw e;
        }
      },
    });
    console.log(`icmpv6 decode property: ${JSON.stringify(counts)}`);
  });

  it('gives truncated at the message start inside the fixed part, else at the option cut short', () => {
    fc.assert(
      fc.property(icmpv6Header, fc.nat(), (h, k) => {
        const b = encodeIcmpv6(h);
        const cut = k % b.length;
        const options = 'options' in h ? h.options : [];
        const fixed =
          'options' in h
            ? b.length - options.reduce((n, o) => n + ndpOptionSize(o), 0)
            : h.kind === 'other'
              ? 4
              : 8;
        const boundaries = [fixed];
        for (const o of options) boundaries.push(boundaries[boundaries.length - 1] + ndpOptionSize(o));
        if (cut >= fixed && (!('options' in h) || boundaries.includes(cut))) {
          expect(Icmpv6Message.parse(b, 0, cut).end).toBe(cut); // data, or fewer whole options
          return;
        }
        const e = decodeErrorOf(() => Icmpv6Message.parse(b, 0, cut));
        expect(e.code).toBe('truncated');
        expect(e.offset).toBe(cut < fixed ? 0 : Math.max(...boundaries.filter((x) => x < cut)));
      }),
      { numRuns: 3000 },
    );
  });
});
