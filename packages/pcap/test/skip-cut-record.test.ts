import { encodePcap, encodePcapng, readCapture, readCaptureStream } from '@cnikit/pcap';
import { describe, expect, it } from 'vitest';

/**
 * A cut or skipped record must never come out as a packet in `onError: 'skip'` mode. The bytes
 * of a cut record may hold 16 bytes that look like a pcap record header (issue 11: `head -c 100
 * vxlan.pcap` gave an 8-byte packet of original length 6,553,600 stamped in 2066).
 */

/** Little-endian pcap record header: seconds, microseconds, captured and original length. */
function recordHeader(seconds: number, fraction: number, captured: number, original: number): Uint8Array {
  const h = new Uint8Array(16);
  const v = new DataView(h.buffer);
  v.setUint32(0, seconds, true);
  v.setUint32(4, fraction, true);
  v.setUint32(8, captured, true);
  v.setUint32(12, original, true);
  return h;
}

/** A 148-byte frame whose bytes 30..45 look like a record header of 8 captured bytes. */
function frameWithLookalikeHeader(): Uint8Array {
  const data = new Uint8Array(148).fill(0xaa);
  data.set(recordHeader(0xbf000000, 0, 8, 6_553_600), 30);
  return data;
}

async function streamed(bytes: Uint8Array, chunk: number) {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const reader = readCaptureStream(chunks, { onError: 'skip' });
  const lengths: number[] = [];
  for await (const p of reader) lengths.push(p.originalLength);
  return { lengths, skipped: reader.skipped };
}

describe('skip mode never invents a packet', () => {
  const whole = encodePcap({ linkType: 1 }, [
    { data: frameWithLookalikeHeader(), timestamp: 1_368_908_504n * 10n ** 9n },
  ]);
  // File header (24) + record header (16) + 60 of the frame's 148 bytes: the look-alike header
  // and its 8 bytes are inside the cut record.
  const cut = whole.subarray(0, 100);

  it('the in-memory reader yields no packet from a cut record and counts one skip', () => {
    const r = readCapture(cut, { onError: 'skip' });
    expect(r.packets()).toEqual([]);
    expect(r.skipped).toBe(1);
  });

  it('the streaming reader does the same, whatever the chunk size', async () => {
    for (const chunk of [1, 7, 16, 100]) {
      expect(await streamed(cut, chunk), `chunks of ${chunk}`).toEqual({ lengths: [], skipped: 1 });
    }
  });

  it('a good record ending at the end of the file after a bad one is still read', () => {
    const a = new Uint8Array(60).fill(1);
    const b = new Uint8Array(70).fill(2);
    const c = new Uint8Array(80).fill(3);
    const t = 1_368_908_504n * 10n ** 9n;
    const file = encodePcap({ linkType: 1 }, [
      { data: a, timestamp: t },
      { data: b, timestamp: t + 1000n },
      { data: c, timestamp: t + 2000n },
    ]);
    const bad = file.slice();
    // Second record claims 2 GiB captured: skipped, then the third (last) record is found again.
    bad[24 + 16 + 60 + 11] = 0x7f;
    const r = readCapture(bad, { onError: 'skip' });
    expect(r.packets().map((p) => p.data.length)).toEqual([60, 80]);
    expect(r.skipped).toBe(1);
  });

  it('pcapng: a cut block at the end yields no packet', async () => {
    const file = encodePcapng({ interfaces: [{ linkType: 1 }] }, [
      { data: frameWithLookalikeHeader(), timestamp: 1n },
    ]);
    const cut = file.subarray(0, file.length - 40);
    expect(readCapture(cut, { onError: 'skip' }).packets()).toEqual([]);
    expect(await streamed(cut, 13)).toEqual({ lengths: [], skipped: 1 });
  });
});
