import {
  checkIpv4Option,
  dissectIpv4Options,
  type Ipv4Option,
  ipv4OptionsLength,
  parseIpv4Options,
  writeIpv4Options,
} from '@cnikit/ethernet';
import { type DissectionNode, walkNodes } from '@cnikit/wire';
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
} from './fixtures/l2-support.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/ipv4-options.test.ts: 3 tshark-agreement tests on corpus captures (IGMP Router Alert, timestamp, EOL/invalid lengths)',
);

function encode(options: Ipv4Option[]): Uint8Array {
  const out = new Uint8Array((ipv4OptionsLength(options) + 3) & ~3);
  writeIpv4Options(options, out, 0);
  return out;
}

function fields(node: DissectionNode): [string, unknown][] {
  return [...walkNodes([node])].filter((n) => n.value !== undefined).map((n) => [n.field, n.value]);
}

describe('parseIpv4Options', () => {
  it('decodes RFC 791 / RFC 2113 layouts written out by hand', () => {
    // Router Alert (RFC 2113 §2.1): 94 04 0000, as sent by IGMP (IGMP_V1.pcap).
    expect(parseIpv4Options(hexBytes('94040000'), 0, 4)).toEqual([{ kind: 'router-alert', value: 0 }]);
    // Record Route with room for two addresses, one recorded (pointer 8), then EOL.
    expect(parseIpv4Options(hexBytes('070b08 0a000001 00000000 00'), 0, 12)).toEqual([
      { kind: 'record-route', pointer: 8, addresses: [0x0a000001, 0] },
      { kind: 'eol' },
    ]);
    // NOP, Loose Source Route to 192.0.2.1 / 192.0.2.2 (pointer 4).
    expect(parseIpv4Options(hexBytes('01 830b04 c0000201 c0000202'), 0, 12)).toEqual([
      { kind: 'nop' },
      { kind: 'loose-source-route', pointer: 4, addresses: [0xc0000201, 0xc0000202] },
    ]);
    // Timestamp, flag 1 (address + timestamp), overflow 2, one entry.
    expect(parseIpv4Options(hexBytes('440c0d21 0a000001 00000064'), 0, 12)).toEqual([
      {
        kind: 'timestamp',
        pointer: 13,
        overflow: 2,
        flag: 1,
        entries: [{ address: 0x0a000001, timestamp: 100 }],
      },
    ]);
    // Timestamp, flag 0: timestamps only.
    expect(parseIpv4Options(hexBytes('44080500 000003e8'), 0, 8)).toEqual([
      { kind: 'timestamp', pointer: 5, overflow: 0, flag: 0, entries: [{ timestamp: 1000 }] },
    ]);
    // Strict source route and an unknown option kept as raw bytes.
    expect(parseIpv4Options(hexBytes('890704 08080808 8804abcd'), 0, 11)).toEqual([
      { kind: 'strict-source-route', pointer: 4, addresses: [0x08080808] },
      { kind: 'unknown', type: 0x88, data: hexBytes('abcd') },
    ]);
  });

  it('keeps non-zero bytes after End of Option List as padding, drops writer-style zeros', () => {
    expect(parseIpv4Options(hexBytes('00010203'), 0, 4)).toEqual([
      { kind: 'eol' },
      { kind: 'padding', data: hexBytes('010203') },
    ]);
    expect(parseIpv4Options(hexBytes('00000000'), 0, 4)).toEqual([{ kind: 'eol' }]);
    expect(parseIpv4Options(hexBytes('00000000 00000000'), 0, 8)).toEqual([
      { kind: 'eol' },
      { kind: 'padding', data: new Uint8Array(7) },
    ]);
    const b = hexBytes('01000a0b');
    expect(encode(parseIpv4Options(b, 0, 4))).toEqual(b);
  });

  it('bad option lengths give DecodeError bad-option at the option start', () => {
    const cases: [string, number][] = [
      ['01 07', 1], // length byte past end
      ['83 01 0000', 0], // length below 2
      ['f5 13', 0], // runs past end (ip_ts_opts_asan.pcap)
      ['59 e8 43ab', 0], // runs past end (pgm_opts_asan.pcap)
      ['94 05 000000', 0], // router alert must be 4
      ['01 07 05 000000', 1], // record route not 3 + 4n
      ['44 03 05', 0], // timestamp below 4
      ['44 0e 05 01 00003470 49422002 0105', 0], // timestamp flag 1 not 4 + 8n (ip_ts_opts_asan.pcap)
    ];
    for (const [text, offset] of cases) {
      const b = hexBytes(text);
      const e = catchDecodeError(() => parseIpv4Options(b, 0, b.length));
      expect([text, e.code, e.layer, e.offset]).toEqual([text, 'bad-option', 'ip', offset]);
    }
  });

  it('parse(write(options)) equals options', () => {
    fc.assert(
      fc.property(canonicalOptions, (options) => {
        const b = encode(options);
        expect(parseIpv4Options(b, 0, b.length)).toEqual(options);
      }),
    );
  });

  it('write(parse(b)) equals b for every option area that decodes', () => {
    let decoded = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })),
        (b) => {
          let options: Ipv4Option[];
          try {
            options = parseIpv4Options(b, 0, b.length);
          } catch {
            return;
          }
          decoded++;
          expect(encode(options)).toEqual(b);
        },
      ),
      { numRuns: 5000 },
    );
    expect(decoded).toBeGreaterThan(100);
  });

  it('checkIpv4Option rejects values the wire cannot hold', () => {
    expect(() => checkIpv4Option({ kind: 'router-alert', value: 0x10000 })).toThrow(/router-alert.value/);
    expect(() => checkIpv4Option({ kind: 'record-route', pointer: 256, addresses: [] })).toThrow(/pointer/);
    expect(() =>
      checkIpv4Option({ kind: 'record-route', pointer: 4, addresses: new Array(10).fill(0) }),
    ).toThrow(/40/);
    expect(() =>
      checkIpv4Option({ kind: 'timestamp', pointer: 5, overflow: 16, flag: 0, entries: [] }),
    ).toThrow(/overflow/);
    expect(() =>
      checkIpv4Option({ kind: 'timestamp', pointer: 5, overflow: 0, flag: 1, entries: [{ timestamp: 1 }] }),
    ).toThrow(/address/);
    expect(() => checkIpv4Option({ kind: 'unknown', type: 148, data: new Uint8Array(2) })).toThrow(
      /own option kind/,
    );
  });

  // Ipv4Packet's 100,000-run fuzz in ipv4.test.ts covers options too; this one aims at the walk alone.
  it('20,000 random option areas: parse returns or throws DecodeError; the dissector never throws; known-valid option areas parse', () => {
    // The option areas of the known-valid IPv4 packets (synthetic and tshark-clean corpus frames).
    const valid = validPayloads([0x0800])
      .filter((ip) => ip.length >= 20 && (ip[0] & 0x0f) > 5)
      .map((ip) => ip.subarray(20, (ip[0] & 0x0f) * 4));
    const counts = assertRejectsOnlyWithDecodeError({
      random: fc.uint8Array({ maxLength: 40, size: 'max' }),
      valid,
      decode: (b) => {
        try {
          dissectIpv4Options(b, 0, b.length);
        } catch (e) {
          throw new Error(`the dissector threw: ${e}`);
        }
        parseIpv4Options(b, 0, b.length);
      },
      numRuns: 20_000,
    });
    console.log(`ipv4 options property: ${JSON.stringify(counts)}, ${valid.length} known-valid option areas`);
  });
});

describe('dissectIpv4Options', () => {
  it.skipIf(!CORPUS)(
    'Router Alert agrees with tshark on every IGMP frame (IGMP_V1.pcap, IGMP_V2.pcap, igmpv3-queries.pcap)',
    () => {
      let compared = 0;
      for (const file of ['IGMP_V1.pcap', 'IGMP_V2.pcap', 'igmpv3-queries.pcap']) {
        for (const frame of allCorpusFrames(file)) {
          const r = agreeWithTshark(frame, /^ip\.(opt|options)/);
          expect(r.mismatches).toEqual([]);
          compared += r.compared;
        }
      }
      expect(compared).toBeGreaterThan(300);
      const node = dissectIpv4Options(hexBytes('94040000'), 0, 4);
      expect(node.display).toBe('Options: (4 bytes), Router Alert');
      expect(fields(node)).toEqual([
        ['ip.options.routeralert', hexBytes('94040000')],
        ['ip.opt.type', 148],
        ['ip.opt.type.copy', true],
        ['ip.opt.type.class', 0],
        ['ip.opt.type.number', 20],
        ['ip.opt.len', 4],
        ['ip.opt.ra', 0],
      ]);
    },
  );

  it.skipIf(!CORPUS)(
    'a timestamp with a short entry and an option running past the end agree with tshark (ip_ts_opts_asan.pcap)',
    () => {
      const frame = corpusFrame('ip_ts_opts_asan.pcap', 1);
      const r = agreeWithTshark(frame, /^ip\.(opt|options)/);
      expect(r.mismatches).toEqual([]);
      expect(r.compared).toBe(11);
      const experts = [...walkNodes(frame.layers)].filter(
        (n) => n.field === 'ip.subopt_too_long' || n.field === 'ip.opt.len.invalid',
      );
      expect(experts.map((n) => n.display)).toEqual([
        'Suboption would go past end of option',
        'Unknown (0xf5) (option length = 19 bytes says option goes past end of options)',
      ]);
    },
  );

  it.skipIf(!CORPUS)(
    'EOL followed by junk and invalid lengths agree with tshark (dhcp6_reconf_asan, pgm_opts_asan, radius_attr_asan)',
    () => {
      for (const file of [
        'dhcp6_reconf_asan.pcap',
        'pgm_opts_asan.pcap',
        'radius_attr_asan.pcap',
        'pgm_opts_asan_2.pcap',
      ]) {
        const frame = corpusFrame(file, 1);
        expect(agreeWithTshark(frame, /^ip\./).mismatches).toEqual([]);
        const invalid = [...walkNodes(frame.layers)].filter((n) => n.field === 'ip.opt.len.invalid').length;
        expect(invalid).toBe(frame.tshark.get('ip.opt.len.invalid')?.length ?? 0);
      }
    },
  );

  it('record route marks recorded and empty slots as Wireshark does', () => {
    const node = dissectIpv4Options(hexBytes('070b08 0a000001 00000000 00'), 0, 12);
    expect(fields(node).filter(([f]) => /rt$|ptr/.test(f))).toEqual([
      ['ip.opt.ptr', 8],
      ['ip.rec_rt', '10.0.0.1'],
      ['ip.empty_rt', '0.0.0.0'],
    ]);
  });
});
