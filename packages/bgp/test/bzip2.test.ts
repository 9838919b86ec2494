import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DecodeError } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bunzip2 } from '../src/bzip2.js';
import { buildUpdate, encodeMessage, encodeMrtRecord, type MrtRecord, readMrtFile } from '../src/index.js';

// Known answers from the bzip2 program (Debian's bzip2 1.0.8): whatever it compresses, we
// decompress to the same bytes, from any chunking of its output.
const haveBzip2 = spawnSync('bzip2', ['--help'], { stdio: 'ignore' }).status === 0;
if (!haveBzip2) {
  if (process.env.CI === 'true') throw new Error('bzip2 is required when CI=true');
  console.warn('\n!!! SKIPPED bzip2 known-answer tests: the bzip2 program is not installed\n');
}

function compress(data: Uint8Array, level = 9): Uint8Array {
  const r = spawnSync('bzip2', [`-${level}`, '-c'], { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bzip2: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

function chunked(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function decompress(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of bunzip2(chunks)) {
    parts.push(c.slice());
    n += c.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A deterministic byte generator (xorshift), so failures reproduce. */
function pseudoRandom(n: number, seed: number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % alphabet;
  }
  return out;
}

const text = new TextEncoder().encode(
  Array.from({ length: 40_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24 via 192.0.2.${i % 7}\n`).join(''),
);
/** Runs of every length around bzip2's run-length steps (4, 4 + 255) and byte values 0 and 255. */
const runs = new Uint8Array(
  [3, 4, 5, 8, 255, 258, 259, 260, 263, 600, 1].flatMap((n, i) => Array(n).fill([0, 255, 65, 66][i % 4])),
);
const SHAPES: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  'one byte': Uint8Array.of(0x42),
  runs,
  'every byte value': Uint8Array.from({ length: 256 * 3 }, (_, i) => i & 255),
  'random 300 kB': pseudoRandom(300_000, 7),
  'four symbols 1.2 MB (two blocks at level 9)': pseudoRandom(1_200_000, 11, 4),
  'text 1.5 MB': text,
  'zeros 3 MB (one block of runs)': new Uint8Array(3_000_000),
};

describe.skipIf(!haveBzip2)('bunzip2 against the bzip2 program', () => {
  it('decompresses every shape at levels 1 and 9, whole and in small chunks, to the same bytes', async () => {
    let compared = 0;
    for (const [name, data] of Object.entries(SHAPES)) {
      for (const level of [1, 9]) {
        const z = compress(data, level);
        for (const size of [z.length || 1, 4096, 7]) {
          if (size === 7 && z.length > 100_000) continue;
          const out = await decompress(chunked(z, size));
          expect(out.length, `${name} -${level} chunks of ${size}`).toBe(data.length);
          expect(Buffer.from(out).equals(Buffer.from(data)), `${name} -${level} chunks of ${size}`).toBe(
            true,
          );
          compared += data.length;
        }
      }
    }
    console.log(`bunzip2: ${compared} bytes compared with bzip2's input`);
  }, 120_000);

  it('reads concatenated streams one after another (pbzip2, cat a.bz2 b.bz2)', async () => {
    const a = compress(text.subarray(0, 5000), 1);
    const b = compress(SHAPES.runs, 9);
    const out = await decompress([Buffer.concat([a, b, a])]);
    expect(
      Buffer.from(out).equals(Buffer.concat([text.subarray(0, 5000), SHAPES.runs, text.subarray(0, 5000)])),
    ).toBe(true);
  });

  it('throws DecodeError on truncation, a flipped bit and what is not bzip2, nothing else', async () => {
    const z = compress(text.subarray(0, 60_000), 9);
    const failure = async (input: Uint8Array) => {
      try {
        await decompress([input]);
        return undefined;
      } catch (e) {
        return e;
      }
    };
    for (const cut of [0, 1, 3, 4, 10, 40, z.length >> 1, z.length - 5, z.length - 1]) {
      const e = await failure(z.subarray(0, cut));
      expect(e, `cut at ${cut}`).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).code, `cut at ${cut}`).toBe('truncated');
    }
    expect(((await failure(new TextEncoder().encode('BZx9'))) as DecodeError).code).toBe('bad-value');
    // The stored block CRC itself, altered: the bytes decode and the checksum catches it.
    const badCrc = z.slice();
    badCrc[10] ^= 1;
    expect(((await failure(badCrc)) as DecodeError).code).toBe('bad-checksum');
    // Mutations anywhere: DecodeError or, rarely, a stream that still checks out; nothing else.
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(z.length - 1), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const bad = z.slice();
        bad[at] ^= 1 << bit;
        const e = await failure(bad);
        if (e !== undefined) {
          expect(e).toBeInstanceOf(DecodeError);
          rejected++;
        }
      }),
      { numRuns: 300 },
    );
    expect(rejected).toBeGreaterThan(250);
  }, 120_000);

  it('reads a 64 MB MRT file of concatenated bzip2 streams in bounded memory', async () => {
    // 4 MB of BGP4MP records (an UPDATE with 200 /24s each), compressed once; the file repeats that
    // stream 16 times.
    const records: Uint8Array[] = [];
    let size = 0;
    for (let i = 0; size < 4_000_000; i++) {
      const prefixes = Array.from({ length: 200 }, (_, k) => `10.${i & 255}.${k}.0/24`);
      const r: MrtRecord = {
        timestamp: 1_700_000_000 + i,
        kind: 'bgp4mp-message',
        subtype: 4,
        peerAs: 65000 + (i % 100),
        localAs: 65001,
        ifIndex: 0,
        afi: 1,
        peerIp: Uint8Array.of(10, 0, (i >> 8) & 255, i & 255),
        localIp: Uint8Array.of(192, 0, 2, 1),
        message: encodeMessage(
          buildUpdate(prefixes, { nextHop: '192.0.2.9', asPath: [65000 + (i % 100)], med: i }),
        ),
      };
      const bytes = encodeMrtRecord(r);
      records.push(bytes);
      size += bytes.length;
    }
    const one = compress(Buffer.concat(records), 9);
    const copies = 16;
    const dir = mkdtempSync(join(tmpdir(), 'cnikit-bz2-'));
    try {
      const file = join(dir, 'updates.mrt.bz2');
      writeFileSync(file, Buffer.concat(Array(copies).fill(one)));
      // What stays reachable (after a full collection), heap and array buffers.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const used = () => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const before = used();
      let peak = 0;
      let count = 0;
      const hash = createHash('sha256');
      for await (const r of readMrtFile(file)) {
        if (count < records.length) hash.update(encodeMrtRecord(r));
        if (++count % 2000 === 0) peak = Math.max(peak, used() - before);
      }
      expect(count).toBe(records.length * copies);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(Buffer.concat(records)).digest('hex'));
      console.log(
        `bzip2 MRT: ${count} records, ${(size * copies) / 1e6} MB decompressed from ${(one.length * copies) / 1e6} MB, retained at most ${(peak / 2 ** 20).toFixed(1)} MiB more than before`,
      );
      // The file decompresses to 64 MB; what is held at once is one block (a 3.6 MB vector, the
      // compressed bytes read ahead) and a record.
      expect(peak).toBeLessThan(16 * 2 ** 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
