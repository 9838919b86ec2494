import { readCapture, readCaptureStream } from '@cnikit/pcap';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { corpusBytes, corpusFiles, prng, randomChunks, toHex } from './support/corpus.js';

const CORPUS = haveCorpus(
  'packages/pcap/test/stream-reader-for-each.test.ts: forEachPacket on corpus files (2 tests)',
);

describe.skipIf(!CORPUS)('CaptureStreamReader.forEachPacket', () => {
  it('visits exactly the sync reader’s packets on every corpus file, chunked at random places', async () => {
    const random = prng(0xfeed);
    for (const name of corpusFiles()) {
      const bytes = corpusBytes(name);
      const expected: string[] = [];
      try {
        for (const p of readCapture(bytes)) expected.push(`${p.timestamp} ${p.linkType} ${toHex(p.data)}`);
      } catch {}
      const got: string[] = [];
      await readCaptureStream(randomChunks(bytes, random), { zeroCopy: true })
        .forEachPacket((p) => {
          got.push(`${p.timestamp} ${p.linkType} ${toHex(p.data)}`);
          return undefined;
        })
        .catch(() => {});
      expect(got, name).toEqual(expected);
    }
  });

  it('stops on false, waits for a returned Promise, copies unless zeroCopy, runs once', async () => {
    const bytes = corpusBytes(corpusFiles().find((n) => n.endsWith('.pcap')) ?? corpusFiles()[0]);
    const all = Array.from(readCapture(bytes));
    expect(all.length).toBeGreaterThan(2);
    const kept: Uint8Array[] = [];
    const order: string[] = [];
    const reader = readCaptureStream([bytes]);
    await reader.forEachPacket(async (p) => {
      kept.push(p.data);
      order.push('start');
      await new Promise((r) => setTimeout(r, 1));
      order.push('end');
      return kept.length < 2;
    });
    expect(kept.map(toHex)).toEqual(all.slice(0, 2).map((p) => toHex(p.data)));
    expect(order).toEqual(['start', 'end', 'start', 'end']);
    expect(kept[0].buffer).not.toBe(bytes.buffer);
    await expect(reader.forEachPacket(() => undefined)).rejects.toThrow(/only once/);
  });
});
