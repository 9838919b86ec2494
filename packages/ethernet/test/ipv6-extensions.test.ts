import {
  checkIpv6Options,
  encodeIpv6,
  type Ipv6ExtensionHeader,
  Ipv6Packet,
  ipv6ExtensionSize,
  readIpv6Options,
  writeIpv6Extension,
} from '@cnikit/ethernet';
import { DecodeError, formatBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { extensionHeader } from './fixtures/v6-arbitraries.js';
import { corpusIpv6Packets } from './fixtures/v6-corpus.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/ipv6-extensions.test.ts: 2 tests on corpus captures (erspan-type-iii-pb-1, OSPFv3_with_AH)',
);

function corpusPacket(file: string, frame: number) {
  for (const p of corpusIpv6Packets((f) => f === file)) if (p.frame === frame) return p;
  throw new Error(`${file}#${frame} not in corpus`);
}

const base = {
  trafficClass: 0,
  flowLabel: 0,
  hopLimit: 64,
  src: new Uint8Array(16),
  dst: new Uint8Array(16),
};

describe('IPv6 extension headers', () => {
  it.skipIf(!CORPUS)(
    'reads the destination options tshark shows in erspan-type-iii-pb-1 (Pad1, PadN, unknown kept raw)',
    () => {
      const p = corpusPacket('erspan-type-iii-pb-1.pcap', 1); // snaplen-truncated: bind leniently
      const ip = Ipv6Packet.parse(p.data, p.start, p.data.length, true);
      const [dst] = ip.toJSON().extensions;
      expect(dst.kind).toBe('destination-options');
      if (dst.kind !== 'destination-options') return;
      // tshark: 0x01 len 1 "01", 0x00, 0x01 len 0, 0x40 len 1 "00", 0x00, 0x7f len 0, 0x00, 0x00
      expect(dst.options.map((o) => `${o.type}:${formatBytes(o.data)}`)).toEqual([
        '1:01',
        '0:',
        '1:',
        '64:00',
        '0:',
        '127:',
        '0:',
        '0:',
      ]);
      expect(ip.protocol).toBe(47);
    },
  );

  it.skipIf(!CORPUS)('reads AH with its (len + 2) * 4 rule as tshark does in OSPFv3_with_AH', () => {
    const p = corpusPacket('OSPFv3_with_AH.pcap', 1); // tshark: ah.length 4, spi 0x100, seq 19, 12-byte icv
    const ip = Ipv6Packet.parse(p.data, p.start);
    const [ah] = ip.toJSON().extensions;
    expect(ah.kind === 'ah' ? { ...ah, icv: new Uint8Array(ah.icv) } : ah).toEqual({
      kind: 'ah',
      reserved: 0,
      spi: 0x100,
      sequence: 19,
      icv: new Uint8Array([0x21, 0xd3, 0xa9, 0x5c, 0x5f, 0xfd, 0x4d, 0x18, 0x46, 0x22, 0xb9, 0xf8]),
    });
    expect([ip.protocol, ip.payloadOffset - ip.start]).toEqual([89, 40 + 24]);
  });

  it('lists the extension headers as views in order', () => {
    const b = encodeIpv6({
      ...base,
      extensions: [
        { kind: 'hop-by-hop', options: [{ type: 5, data: new Uint8Array([0, 0]) }] },
        { kind: 'routing', routingType: 2, segmentsLeft: 1, data: new Uint8Array(20) },
        {
          kind: 'fragment',
          reserved: 0,
          fragmentOffset: 0,
          reservedBits: 0,
          moreFragments: true,
          identification: 9,
        },
        { kind: 'destination-options', options: [] },
      ],
      protocol: 50,
      payload: new Uint8Array(12),
    });
    const views = [...Ipv6Packet.parse(b).extensions()];
    expect(views.map((v) => [v.type, v.kind, v.start, v.length, v.nextHeader])).toEqual([
      [0, 'hop-by-hop', 40, 8, 43],
      [43, 'routing', 48, 24, 44],
      [44, 'fragment', 72, 8, 60],
      [60, 'destination-options', 80, 8, 50],
    ]);
    // RFC 2711 router alert, padded by the writer with a PadN of 0 data bytes.
    expect([...b.subarray(40, 48)]).toEqual([43, 0, 5, 2, 0, 0, 1, 0]);
  });

  it('parses back each random extension header it writes, byte for byte', () => {
    fc.assert(
      fc.property(
        extensionHeader,
        fc.integer({ min: 0, max: 255 }).filter((n) => ![0, 43, 44, 51, 60].includes(n)),
        (h: Ipv6ExtensionHeader, next) => {
          const out = new Uint8Array(ipv6ExtensionSize(h));
          writeIpv6Extension(h, next, out, 0);
          expect(out[0]).toBe(next);
          const type = { 'hop-by-hop': 0, routing: 43, fragment: 44, ah: 51, 'destination-options': 60 }[
            h.kind
          ];
          const packet = new Uint8Array(40 + out.length);
          packet.set(encodeIpv6({ ...base, extensions: [h], protocol: next, payload: new Uint8Array(0) }));
          expect(packet.subarray(40)).toEqual(out);
          const [view] = [...Ipv6Packet.parse(packet).extensions()];
          expect([view.type, view.toJSON()]).toEqual([type, h]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses options that overrun their header, naming the length octet', () => {
    const b = new Uint8Array([0, 0, 1, 4, 0, 0, 0, 0]); // PadN claims 4 bytes, 4 remain: fine
    expect(checkIpv6Options(b, 2, 8)).toBe(-1);
    b[3] = 5;
    const e = (() => {
      try {
        checkIpv6Options(b, 2, 8);
      } catch (x) {
        return x as DecodeError;
      }
    })();
    expect(e).toBeInstanceOf(DecodeError);
    expect([e?.code, e?.offset]).toEqual(['bad-option', 3]);
    expect(readIpv6Options(new Uint8Array([0xc2, 4, 0, 1, 0, 0]), 0, 6)).toEqual([
      { type: 0xc2, data: new Uint8Array([0, 1, 0, 0]) },
    ]);
  });

  it('refuses an AH shorter than its fixed 12 octets', () => {
    const b = encodeIpv6({
      ...base,
      extensions: [],
      protocol: 51,
      payload: new Uint8Array([59, 0, 0, 0, 0, 0, 0, 0]),
    });
    let e: unknown;
    try {
      Ipv6Packet.parse(b);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(DecodeError);
    expect([(e as DecodeError).code, (e as DecodeError).offset]).toEqual(['bad-length', 41]);
  });

  it('refuses unwritable headers with RangeError', () => {
    const out = new Uint8Array(64);
    const bad: Ipv6ExtensionHeader[] = [
      { kind: 'routing', routingType: 0, segmentsLeft: 0, data: new Uint8Array(3) },
      {
        kind: 'fragment',
        reserved: 0,
        fragmentOffset: 0x2000,
        reservedBits: 0,
        moreFragments: false,
        identification: 0,
      },
      { kind: 'ah', reserved: 0, spi: 0, sequence: 0, icv: new Uint8Array(3) },
      { kind: 'hop-by-hop', options: [{ type: 0, data: new Uint8Array(1) }] },
    ];
    for (const h of bad) {
      expect(() => encodeIpv6({ ...base, extensions: [h], protocol: 59, payload: out })).toThrow(RangeError);
    }
  });
});
