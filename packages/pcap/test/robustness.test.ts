import { type CaptureBlock, readCapture, readCaptureStream } from '@cnikit/pcap';
import { DecodeError } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { corpusBytes, corpusFiles, prng, randomChunks } from './support/corpus.js';

const CORPUS = haveCorpus(
  'packages/pcap/test/robustness.test.ts: truncated and corrupted captures (5 tests on corpus files)',
);

/** Reads everything; returns the packet count or the DecodeError. Any other exception fails the test. */
function readAll(bytes: Uint8Array): number | DecodeError {
  try {
    let n = 0;
    for (const b of readCapture(bytes).blocks()) if (b.kind === 'packet') n++;
    return n;
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

function expectGoodError(e: DecodeError, size: number, name: string): void {
  expect(['pcap', 'pcapng'], name).toContain(e.layer);
  expect(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= size, `${name}: offset ${e.offset}`).toBe(
    true,
  );
}

/** Offsets where records/blocks start: cutting there leaves a valid (shorter) file. */
function unitStarts(bytes: Uint8Array): Set<number> {
  const starts = new Set<number>([bytes.length]);
  for (const b of readCapture(bytes).blocks() as Iterable<CaptureBlock>) starts.add(b.offset);
  starts.delete(0); // an empty file is an error
  return starts;
}

async function streamSkipping(bytes: Uint8Array, seed: number) {
  const reader = readCaptureStream(randomChunks(bytes, prng(seed), 512), { onError: 'skip' });
  let packets = 0;
  try {
    for await (const _ of reader) packets++;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { packets, skipped: reader.skipped, error: e };
  }
  return { packets, skipped: reader.skipped, error: undefined };
}

describe.skipIf(!CORPUS)('truncated and corrupted captures', () => {
  const files = CORPUS ? corpusFiles() : [];

  it('every corpus file cut at many offsets: a truncation DecodeError at the cut record, or fewer packets at a boundary', () => {
    const random = prng(7);
    let cuts = 0;
    for (const name of files) {
      const bytes = corpusBytes(name);
      const starts = unitStarts(bytes);
      const full = readAll(bytes) as number;
      const offsets = new Set([1, 4, 12, 23, 24, 25, 40]);
      for (let i = 0; i < 12; i++) offsets.add(Math.floor(random() * bytes.length));
      for (const cut of offsets) {
        if (cut >= bytes.length) continue;
        const r = readAll(bytes.subarray(0, cut));
        cuts++;
        if (starts.has(cut)) {
          expect(r, `${name} cut at boundary ${cut}`).toBeTypeOf('number');
          expect(r as number).toBeLessThanOrEqual(full);
        } else {
          expect(r, `${name} cut at ${cut}`).toBeInstanceOf(DecodeError);
          expectGoodError(r as DecodeError, cut, name);
          // The error names the unit that was cut: at or before the cut, at a unit start.
          expect((r as DecodeError).offset).toBeLessThanOrEqual(cut);
        }
      }
    }
    console.log(`truncation: ${cuts} cut files, all read or threw a DecodeError`);
  });

  it('random length-field and byte damage: DecodeError or success, never another exception', () => {
    const random = prng(11);
    let damaged = 0;
    let errors = 0;
    for (const name of files) {
      const original = corpusBytes(name);
      const offsets = [...unitStarts(original)].filter((o) => o < original.length);
      for (let i = 0; i < 8; i++) {
        const bytes = original.slice();
        const start = offsets[Math.floor(random() * offsets.length)] ?? 0;
        // pcap: caplen at +8; pcapng: block length at +4 (or trailing length / body bytes)
        const field = start + [4, 8, 12, Math.floor(random() * 32)][i % 4];
        const v = [0, 1, 3, 0xff, 0x7f, 0x80][Math.floor(random() * 6)];
        for (let k = 0; k < 4 && field + k < bytes.length; k++)
          bytes[field + k] = random() < 0.5 ? v : (random() * 256) | 0;
        const r = readAll(bytes);
        damaged++;
        if (r instanceof DecodeError) {
          errors++;
          expectGoodError(r, bytes.length, name);
        }
      }
    }
    console.log(`damage: ${damaged} damaged files, ${errors} DecodeErrors, no other exception`);
    expect(errors).toBeGreaterThan(damaged / 4);
  });

  it('fast-check: any bytes after a valid header → DecodeError or packets, never a crash', () => {
    const headers = [
      corpusBytes('nhrp.pcapng').subarray(0, 28 + 60),
      corpusBytes('IGMP_V1.pcap').subarray(0, 24),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.uint8Array({ maxLength: 300 }), (head, tail) => {
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        const r = readAll(bytes);
        if (r instanceof DecodeError) expectGoodError(r, bytes.length, 'fc');
      }),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = readAll(bytes);
        if (r instanceof DecodeError) expectGoodError(r, bytes.length, 'fc');
      }),
      { numRuns: 5_000 },
    );
  });

  it('streaming with onError "skip" terminates on damaged files, counts skips and recovers later packets', async () => {
    const random = prng(13);
    let runs = 0;
    let skippedTotal = 0;
    let damagedRuns = 0;
    for (const name of files) {
      const original = corpusBytes(name);
      const full = readAll(original) as number;
      const bytes = original.slice();
      const headerEnd = readCapture(bytes).format === 'pcap' ? 24 : 28;
      if (bytes.length <= headerEnd + 8) continue;
      const at = headerEnd + Math.floor(random() * (bytes.length - headerEnd - 4));
      for (let k = 0; k < 4; k++) bytes[at + k] = 0xff;
      const sync = readAll(bytes);
      const r = await streamSkipping(bytes, runs);
      runs++;
      skippedTotal += r.skipped;
      if (r.error) {
        // Only a bad first block/header is fatal in skip mode.
        expect(r.error.offset, name).toBeLessThan(headerEnd + 4);
        continue;
      }
      if (sync instanceof DecodeError) {
        damagedRuns++;
        expect(r.skipped, name).toBeGreaterThan(0);
      } else expect(r.skipped, name).toBe(0);
      expect(r.packets, name).toBeLessThanOrEqual(full + 8);
    }
    console.log(
      `skip mode: ${runs} damaged files streamed, ${damagedRuns} unreadable without skipping, ${skippedTotal} bad units skipped`,
    );
    expect(damagedRuns).toBeGreaterThan(20);
    expect(skippedTotal).toBeGreaterThanOrEqual(damagedRuns);
  });

  it('skip mode resyncs past a bad pcapng block and a bad pcap record', async () => {
    const ng = corpusBytes('of13_ericsson.pcapng').slice();
    const total = readAll(ng) as number;
    const starts = [...unitStarts(ng)].sort((a, b) => a - b);
    const victim = starts[10];
    ng[victim + 4] ^= 0x02; // block length no longer a multiple of 4
    expect(() => readCapture(ng).packets()).toThrowError(
      expect.objectContaining({ layer: 'pcapng', offset: victim }),
    );
    const r = await streamSkipping(ng, 1);
    expect(r.error).toBeUndefined();
    expect(r.skipped).toBe(1);
    expect(r.packets).toBe(total - 1);

    const pc = corpusBytes('IGMP_V1.pcap').slice();
    const pcTotal = readAll(pc) as number;
    const second = [...unitStarts(pc)].sort((a, b) => a - b)[1];
    pc[second + 11] = 0x7f; // caplen (LE) ≈ 2 GiB
    expect(() => readCapture(pc).packets()).toThrowError(
      expect.objectContaining({ layer: 'pcap', offset: second }),
    );
    const s = readCapture(pc, { onError: 'skip' });
    expect(s.packets().length).toBe(pcTotal - 1);
    expect(s.skipped).toBe(1);
  });
});
