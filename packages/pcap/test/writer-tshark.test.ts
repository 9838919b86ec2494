import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CapturePacket,
  encodePcap,
  formatEpochTime,
  PcapngWriter,
  PcapWriter,
  pcapWriteOptionsOf,
  readCapture,
} from '@cnikit/pcap';
import { describe, expect, it } from 'vitest';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import {
  corpusBytes,
  corpusFiles,
  expectedFrames,
  prng,
  requireTool,
  toHex,
  tsharkFrames,
  tsharkJsonFrames,
} from './support/corpus.js';

const CORPUS = haveCorpus(
  'packages/pcap/test/writer-tshark.test.ts: copying every corpus file through reader + writer',
);

const haveTshark = requireTool('tshark', 'writer tests that read our files back with tshark');
const dir = mkdtempSync(join(tmpdir(), 'cnikit-pcap-writer-'));

function randomPackets(
  seed: number,
  n: number,
  interfaces = 1,
): { data: Uint8Array; timestamp: bigint; originalLength: number; interfaceIndex: number }[] {
  const random = prng(seed);
  let t = 1_700_000_000_123_456_789n;
  return Array.from({ length: n }, () => {
    const data = new Uint8Array(14 + Math.floor(random() * 200)).map(() => (random() * 256) | 0);
    t += BigInt(Math.floor(random() * 5e9));
    return {
      data,
      timestamp: t,
      originalLength: data.length + (random() < 0.3 ? 100 : 0),
      interfaceIndex: Math.floor(random() * interfaces),
    };
  });
}

function truncate(ns: bigint, unit: bigint): bigint {
  return ns - (ns % unit);
}

function save(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe.runIf(haveTshark)('files we write are read by tshark with identical packets', () => {
  it('pcap µs and ns, both byte orders', () => {
    for (const nanosecond of [false, true]) {
      for (const littleEndian of [true, false]) {
        const packets = randomPackets(nanosecond ? 1 : 2, 40);
        const path = save(
          `w-${nanosecond}-${littleEndian}.pcap`,
          encodePcap({ linkType: 1, nanosecond, littleEndian }, packets),
        );
        const frames = tsharkJsonFrames(path);
        expect(frames).toHaveLength(40);
        packets.forEach((p, i) => {
          const ts = nanosecond ? p.timestamp : truncate(p.timestamp, 1000n);
          expect(frames[i].timeEpoch).toBe(formatEpochTime(ts));
          expect(frames[i].len).toBe(p.originalLength);
          expect(frames[i].capLen).toBe(p.data.length);
          expect(frames[i].hex).toBe(toHex(p.data));
        });
      }
    }
  });

  it('pcapng with two interfaces of different link types and resolutions, both byte orders, streamed', async () => {
    for (const littleEndian of [true, false]) {
      const chunks: Uint8Array[] = [];
      const writer = new PcapngWriter((c) => void chunks.push(c), {
        littleEndian,
        interfaces: [
          { linkType: 1, timestampResolution: 9, name: 'eth0', snapLength: 65535 },
          { linkType: 113, timestampResolution: 3, timestampOffset: 100n },
          { linkType: 228, timestampResolution: 0x80 | 20 },
        ],
      });
      const packets = randomPackets(3, 60, 3);
      for (const p of packets) await writer.write(p);
      await writer.close();
      const path = save(`w-${littleEndian}.pcapng`, Buffer.concat(chunks));
      const frames = tsharkJsonFrames(path);
      expect(frames).toHaveLength(60);
      const ours = readCapture(new Uint8Array(Buffer.concat(chunks))).packets();
      packets.forEach((p, i) => {
        const ts = p.interfaceIndex === 1 ? truncate(p.timestamp, 1_000_000n) : p.timestamp;
        // 2^-20 s ticks: tshark shows floor(ticks·10^9/2^20) ns, which is what our reader returns.
        if (p.interfaceIndex !== 2) expect(frames[i].timeEpoch).toBe(formatEpochTime(ts));
        expect(frames[i].timeEpoch).toBe(formatEpochTime(ours[i].timestamp));
        expect(frames[i].interfaceId).toBe(p.interfaceIndex);
        expect(frames[i].len).toBe(p.originalLength);
        expect(frames[i].capLen).toBe(p.data.length);
        expect(frames[i].hex).toBe(toHex(p.data));
        expect(ours[i].linkType).toBe([1, 113, 228][p.interfaceIndex]);
      });
    }
  });

  it('a pcap streamed to a Node Writable is the same file encodePcap makes', async () => {
    const { createWriteStream, readFileSync } = await import('node:fs');
    const packets = randomPackets(4, 500);
    const path = join(dir, 'stream.pcap');
    const writer = new PcapWriter(createWriteStream(path), { linkType: 1, nanosecond: true });
    for (const p of packets) await writer.write(p);
    await writer.close();
    expect(toHex(new Uint8Array(readFileSync(path)))).toBe(
      toHex(encodePcap({ linkType: 1, nanosecond: true }, packets)),
    );
    expect(tsharkFrames(path)).toHaveLength(500);
  });

  it.skipIf(!CORPUS)(
    'copying every corpus file through reader + writer gives tshark-identical packets',
    () => {
      let identical = 0;
      const notIdentical: string[] = [];
      const pcapngCopies: string[] = [];
      const expectedAll: string[] = [];
      for (const name of corpusFiles()) {
        const bytes = corpusBytes(name);
        const reader = readCapture(bytes);
        const packets = reader.packets();
        if (reader.format === 'pcap') {
          const copy = encodePcap(pcapWriteOptionsOf(reader.pcapHeader!, reader.interfaces[0]), packets);
          // A byte-identical copy reads identically in tshark by construction.
          if (toHex(copy) === toHex(bytes)) identical++;
          else {
            notIdentical.push(name);
            const again = readCapture(copy).packets();
            expect(again.map(facts), name).toEqual(packets.map(facts));
          }
          continue;
        }
        const chunks: Uint8Array[] = [];
        const writer = new PcapngWriter((c) => void chunks.push(c));
        for (const block of reader.blocks()) writer.writeBlock(block);
        writer.flush();
        pcapngCopies.push(save(`copy-${name}`, Buffer.concat(chunks)));
        const expected = expectedFrames(name)!;
        packets.forEach((p, i) => {
          expectedAll.push(
            `${expected[i].timeEpoch} ${expected[i].len} ${expected[i].capLen} ${toHex(p.data)}`,
          );
        });
      }
      // One tshark run over all pcapng copies, concatenated by mergecap (which reads each copy too).
      const all = join(dir, 'all-copies.pcapng');
      execFileSync('mergecap', ['-a', '-w', all, ...pcapngCopies], { stdio: 'ignore' });
      const got = tsharkJsonFrames(all).map((f) => `${f.timeEpoch} ${f.len} ${f.capLen} ${f.hex}`);
      expect(got.length).toBe(expectedAll.length);
      expect(got).toEqual(expectedAll);
      console.log(
        `copies: ${identical} pcap files byte-identical, ${pcapngCopies.length} pcapng copies (${got.length} packets) tshark-identical`,
      );
      // Its µs field is ≥ 10^6; the copy writes the carried (normalised) time.
      expect(notIdentical).toEqual(['rx_serviceid_oobr.pcap']);
      expect(identical + notIdentical.length + pcapngCopies.length).toBe(corpusFiles().length);
    },
  );
});

function facts(p: CapturePacket): string {
  return `${p.timestamp} ${p.originalLength} ${p.captureLength} ${toHex(p.data)}`;
}
