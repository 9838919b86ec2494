import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  buildUpdate,
  decodeMessage,
  decodeMrtRecord,
  encodeMessage,
  encodeMrtRecord,
  type MrtRecord,
  readMrt,
  readMrtFile,
} from '@cnikit/bgp';
import { DecodeError } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const _u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const time = { timestamp: u32 };

const ipv4Prefix = fc.integer({ min: 0, max: 32 }).chain((length) =>
  u32.map((a) => {
    const n = (length + 7) >> 3;
    return {
      family: 4 as const,
      address: (n === 0 ? 0 : a & ((0xffffffff << (32 - 8 * n)) >>> 0)) >>> 0,
      length,
    };
  }),
);
const ipv6Prefix = fc.integer({ min: 0, max: 128 }).chain((length) =>
  fixed(16).map((a) => {
    a.fill(0, (length + 7) >> 3);
    return { family: 6 as const, address: a, length };
  }),
);

const recordArb: fc.Arbitrary<MrtRecord> = fc.oneof(
  fc.record({
    ...time,
    kind: fc.constant('peer-index-table' as const),
    collectorId: u32,
    viewName: fc.string({ maxLength: 10 }),
    peers: fc.array(
      fc.oneof(
        fc.record({ bgpId: u32, address: fc.oneof(fixed(4), fixed(16)), asn: u32, asn4: fc.constant(true) }),
        fc.record({ bgpId: u32, address: fc.oneof(fixed(4), fixed(16)), asn: u16, asn4: fc.constant(false) }),
      ),
      { maxLength: 4 },
    ),
  }),
  fc.constantFrom(2, 3, 4, 5, 8, 9, 10, 11).chain((subtype) =>
    fc.record({
      ...time,
      kind: fc.constant('rib' as const),
      subtype: fc.constant(subtype),
      sequence: u32,
      prefix: [4, 5, 10, 11].includes(subtype) ? ipv6Prefix : ipv4Prefix,
      entries: fc.array(
        [8, 9, 10, 11].includes(subtype)
          ? fc.record({ peerIndex: u16, originatedTime: u32, pathId: u32, attributes: bytes(30) })
          : fc.record({ peerIndex: u16, originatedTime: u32, attributes: bytes(30) }),
        { maxLength: 3 },
      ),
    }),
  ),
  fc.constantFrom(1, 4, 6, 7, 8, 9, 10, 11, 0, 5).chain((subtype) =>
    fc.constantFrom(1, 2).chain((afi) =>
      fc
        .tuple(
          fc.record({
            ...time,
            microseconds: u32,
            kind: fc.constant(
              subtype === 0 || subtype === 5 ? ('bgp4mp-state-change' as const) : ('bgp4mp-message' as const),
            ),
            subtype: fc.constant(subtype),
            peerAs: [4, 5, 7, 9, 11].includes(subtype) ? u32 : u16,
            localAs: [4, 5, 7, 9, 11].includes(subtype) ? u32 : u16,
            ifIndex: u16,
            afi: fc.constant(afi),
            peerIp: fixed(afi === 2 ? 16 : 4),
            localIp: fixed(afi === 2 ? 16 : 4),
            ...(subtype === 0 || subtype === 5 ? { oldState: u16, newState: u16 } : { message: bytes(40) }),
          }),
          fc.boolean(),
        )
        .map(([r, et]) => {
          if (et) return r;
          const { microseconds: _, ...rest } = r;
          return rest;
        }),
    ),
  ) as fc.Arbitrary<MrtRecord>,
  fc.record({
    ...time,
    kind: fc.constant('unknown' as const),
    type: fc.constantFrom(11, 12, 32, 33),
    subtype: u16,
    body: bytes(20),
  }),
);

describe('MRT (RFC 6396, RFC 8050)', () => {
  it('decode(encode(x)) deep-equals x for every record kind', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(decodeMrtRecord(encodeMrtRecord(r))).toEqual(r);
      }),
      { numRuns: 5000 },
    );
  });

  it('100,000 random records throw only DecodeError', () => {
    let threw = 0;
    fc.assert(
      fc.property(
        bytes(80),
        fc.constantFrom(13, 16, 17),
        fc.integer({ min: 0, max: 12 }),
        (body, type, subtype) => {
          const b = new Uint8Array(12 + body.length);
          b[5] = type;
          b[7] = subtype;
          b[11] = body.length;
          b[10] = body.length >> 8;
          b.set(body, 12);
          try {
            decodeMrtRecord(b);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
            threw++;
          }
        },
      ),
      { numRuns: 100_000 },
    );
    expect(threw).toBeGreaterThan(10_000);
  });

  it('streams records from chunks of any size, BGP4MP messages decode as BGP', async () => {
    const update = encodeMessage(buildUpdate(['10.0.0.0/8'], { nextHop: '192.0.2.1', asPath: [65001] }));
    const records: MrtRecord[] = Array.from({ length: 50 }, (_, i) => ({
      timestamp: 1_700_000_000 + i,
      kind: 'bgp4mp-message',
      subtype: 4,
      peerAs: 65001,
      localAs: 65002,
      ifIndex: 0,
      afi: 1,
      peerIp: Uint8Array.of(192, 0, 2, 1),
      localIp: Uint8Array.of(192, 0, 2, 2),
      message: update,
    }));
    const file = Buffer.concat(records.map((r) => encodeMrtRecord(r)));
    for (const step of [1, 7, 64, file.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < file.length; i += step) chunks.push(file.subarray(i, i + step));
      const back: MrtRecord[] = [];
      for await (const r of readMrt(chunks)) back.push(r);
      expect(back).toEqual(records);
    }
    const first = records[0];
    if (first.kind !== 'bgp4mp-message') throw new Error('unreachable');
    expect(decodeMessage(first.message).type).toBe('update');
    await expect(async () => {
      for await (const _ of readMrt([file.subarray(0, file.length - 1)])) {
        /* drain */
      }
    }).rejects.toThrow(DecodeError);
  });

  it('reads plain, gzip and bzip2 files', async () => {
    const records: MrtRecord[] = [
      {
        timestamp: 1,
        kind: 'peer-index-table',
        collectorId: 0xc0000201,
        viewName: 'master',
        peers: [{ bgpId: 0xc0000202, address: Uint8Array.of(192, 0, 2, 2), asn: 4200000001, asn4: true }],
      },
      {
        timestamp: 2,
        kind: 'rib',
        subtype: 2,
        sequence: 0,
        prefix: { family: 4, address: 0x0a000000, length: 8 },
        entries: [],
      },
    ];
    const plain = Buffer.concat(records.map((r) => encodeMrtRecord(r)));
    const dir = mkdtempSync(join(tmpdir(), 'cnikit-bgp-mrt-'));
    try {
      writeFileSync(join(dir, 'rib.mrt'), plain);
      writeFileSync(join(dir, 'rib.mrt.gz'), gzipSync(plain));
      const bz = spawnSync('bzip2', ['-c'], { input: plain });
      const files = ['rib.mrt', 'rib.mrt.gz'];
      if (bz.status === 0) {
        writeFileSync(join(dir, 'rib.mrt.bz2'), bz.stdout);
        files.push('rib.mrt.bz2');
      } else if (process.env.CI === 'true') throw new Error('bzip2 is required when CI=true');
      else console.warn('!!! bzip2 not installed: the bzip2 MRT case is skipped');
      for (const f of files) {
        const back: MrtRecord[] = [];
        for await (const r of readMrtFile(join(dir, f))) back.push(r);
        expect(back, f).toEqual(records);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
