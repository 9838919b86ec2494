import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type CaptureBlock, openCapture, readCapture, readCaptureStream } from '@cnikit/pcap';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { corpusBytes, corpusFiles, PCAP_DIR, prng, randomChunks, toHex } from './support/corpus.js';

const CORPUS = haveCorpus(
  'packages/pcap/test/stream-reader.test.ts: 3 streaming-reader tests on corpus files',
);

function summary(b: CaptureBlock): string {
  switch (b.kind) {
    case 'packet': {
      const p = b.packet;
      return `P@${b.offset} ${p.timestamp} ${p.captureLength}/${p.originalLength} if${p.interfaceIndex} lt${p.linkType} ${toHex(p.data)}`;
    }
    case 'interface':
      return `I@${b.offset} ${b.index} ${b.iface.linkType} ${b.iface.timestampResolution}`;
    case 'section':
      return `S@${b.offset} ${b.section.littleEndian}`;
    case 'other':
      return `O@${b.offset} ${b.blockType} ${toHex(b.bytes)}`;
  }
}

describe('streaming reader', () => {
  it.skipIf(!CORPUS)(
    'yields exactly the sync reader’s blocks on every corpus file, chunked at random places',
    async () => {
      const random = prng(0x5eed);
      let files = 0;
      let blocks = 0;
      for (const name of corpusFiles()) {
        const bytes = corpusBytes(name);
        const expected = Array.from(readCapture(bytes).blocks(), summary);
        const got: string[] = [];
        for await (const b of readCaptureStream(randomChunks(bytes, random)).blocks()) got.push(summary(b));
        expect(got, name).toEqual(expected);
        files++;
        blocks += got.length;
      }
      console.log(`stream = sync: ${files} files, ${blocks} blocks`);
      expect(files).toBe(corpusFiles().length);
    },
  );

  it.skipIf(!CORPUS)(
    'keeps packets valid after iteration by default, and reuses its buffer with zeroCopy',
    async () => {
      const bytes = corpusBytes('of13_ericsson.pcapng');
      const sync = readCapture(bytes).packets();
      const kept = [];
      for await (const p of readCaptureStream(randomChunks(bytes, prng(1), 4096))) kept.push(p);
      expect(kept.map((p) => toHex(p.data))).toEqual(sync.map((p) => toHex(p.data)));
      const views = [];
      for await (const p of readCaptureStream([bytes], { zeroCopy: true })) views.push(p.data);
      expect(new Set(views.map((v) => v.buffer)).size).toBe(1);
    },
  );

  it.skipIf(!CORPUS)('opens a file path and a Node Readable', async () => {
    const name = 'nhrp.pcapng';
    const expected = readCapture(corpusBytes(name))
      .packets()
      .map((p) => p.timestamp);
    const fromPath = [];
    const reader = openCapture(join(PCAP_DIR, name));
    for await (const p of reader) fromPath.push(p.timestamp);
    expect(fromPath).toEqual(expected);
    expect(reader.format).toBe('pcapng');
    const fromReadable = [];
    for await (const p of openCapture(Readable.from([Buffer.from(corpusBytes(name))])))
      fromReadable.push(p.timestamp);
    expect(fromReadable).toEqual(expected);
  });

  it('holds memory to the largest block, not the file', async () => {
    // 2,000 copies of a 1,500-byte packet: a 3 MB file through a window that never needs more than 64 KiB.
    const data = new Uint8Array(1500).fill(7);
    const { encodePcap } = await import('@cnikit/pcap');
    const file = encodePcap(
      { linkType: 1 },
      Array.from({ length: 2000 }, (_, i) => ({ data, timestamp: BigInt(i) * 1000n })),
    );
    const reader = readCaptureStream(randomChunks(file, prng(2), 8192), { zeroCopy: true });
    let n = 0;
    let largest = 0;
    for await (const p of reader) {
      n++;
      largest = Math.max(largest, p.data.buffer.byteLength);
    }
    expect(n).toBe(2000);
    expect(largest).toBeLessThanOrEqual(128 * 1024);
  });
});
