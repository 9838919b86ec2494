import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeFrame, FrameDecoder, type FrameLayer } from '@cnikit/ethernet';
import { DecodeError, parseBytes } from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusFiles, corpusPackets, expectedPath, loadTsharkPackets } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';
import { assertRejectsOnlyWithDecodeError, validEthernetFrames } from './fixtures/decode-property.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/frame-decoder.test.ts: FrameDecoder against tshark frame.protocols on the corpus, and the allocation test on corpus frames',
);

const MACS = 'ffffffffffff 020000000001';
const IPV4_UDP = '4500001c 00000000 4011 0000 0a000001 0a000002 0035 1f90 0008 0000';
const frame = (text: string) => parseBytes(text.replace(/\s+/g, ''));
const layersOf = (d: FrameDecoder) => d.layers.slice(0, d.layerCount);

describe('FrameDecoder on hand-made frames', () => {
  const d = new FrameDecoder();

  it('decodes Ethernet / IPv4 / UDP and points at the UDP payload', () => {
    const f = frame(`${MACS} 0800 ${IPV4_UDP} 00000000`); // 4 bytes of Ethernet padding
    expect(d.decode(f)).toBe(true);
    expect(layersOf(d)).toEqual(['eth', 'ip', 'udp']);
    expect([d.stop, d.udp.dstPort, d.ipv4.protocol]).toEqual(['end', 8080, 17]);
    expect([d.payloadStart, d.payloadEnd]).toEqual([42, 42]);
    expect(d.has('udp') && !d.has('tcp')).toBe(true);
  });

  it('stops cleanly at an unknown EtherType and says which, and where', () => {
    const f = frame(`${MACS} 88cc 0207 04 0011223344 55`);
    expect(d.decode(f)).toBe(true);
    expect([layersOf(d), d.stop, d.nextTable, d.nextKey, d.payloadStart, d.payloadEnd]).toEqual([
      ['eth'],
      'unknown',
      'ethertype',
      0x88cc,
      14,
      f.length,
    ]);
  });

  it('stops at an IP protocol it does not decode (GRE), after stacked tags', () => {
    const f = frame(
      `${MACS} 88a8 00c8 8100 0064 0800 45000018 00000000 402f 0000 0a000001 0a000002 00000800`,
    );
    expect(d.decode(f)).toBe(true);
    expect(layersOf(d)).toEqual(['eth', 'ieee8021ad', 'vlan', 'ip']);
    expect([d.vlanCount, d.vlans[0].toJSON().vid, d.vlans[1].toJSON().vid]).toEqual([2, 200, 100]);
    expect([d.stop, d.nextTable, d.nextKey, d.payloadStart]).toEqual(['unknown', 'ip.proto', 47, 42]);
  });

  it('reports a DecodeError with layer and offset instead of throwing', () => {
    const f = frame(`${MACS} 0800 ${IPV4_UDP}`).subarray(0, 14 + 12);
    expect(d.decode(f)).toBe(false);
    expect(d.stop).toBe('error');
    expect(d.error).toBeInstanceOf(DecodeError);
    expect([d.error?.layer, d.error?.offset, d.error?.code]).toEqual(['ip', 14, 'truncated']);
    expect(layersOf(d)).toEqual(['eth']);
  });

  it('gives up on more stacked tags than it has views for', () => {
    const small = new FrameDecoder({ maxVlanTags: 1 });
    expect(small.decode(frame(`${MACS} 8100 0001 8100 0002 0800 ${IPV4_UDP}`))).toBe(false);
    expect([small.error?.code, small.error?.layer, small.error?.offset]).toEqual(['too-deep', 'vlan', 18]);
  });

  it('does not look for a transport header in a non-first IPv4 fragment', () => {
    const f = frame(`${MACS} 0800 4500001c 00010001 4011 0000 0a000001 0a000002 0035 1f90 0008 0000`);
    expect(d.decode(f)).toBe(true);
    expect([layersOf(d), d.stop, d.payloadStart, d.payloadEnd]).toEqual([['eth', 'ip'], 'fragment', 34, 42]);
  });

  it('decodes the UDP header of a first fragment whose UDP length reaches past it', () => {
    // MF set, offset 0; UDP length 1000 of which 8 bytes are here.
    const f = frame(`${MACS} 0800 4500001c 00012000 4011 0000 0a000001 0a000002 0035 1f90 03e8 0000`);
    expect(d.decode(f)).toBe(true);
    expect([layersOf(d), d.udp.length, d.udp.end]).toEqual([['eth', 'ip', 'udp'], 1000, 42]);
  });

  it('decodes raw IP link types: 101 by version nibble, 228 IPv4, 229 IPv6', () => {
    const v4 = frame(IPV4_UDP);
    const v6 = frame(
      '60000000 0008 3a40 fe800000000000000000000000000001 fe800000000000000000000000000002 8000 0000 1234 0001',
    );
    expect(d.decode(v4, 0, v4.length, 101) && layersOf(d)).toEqual(['ip', 'udp']);
    expect(d.decode(v4, 0, v4.length, 228) && layersOf(d)).toEqual(['ip', 'udp']);
    expect(d.decode(v6, 0, v6.length, 101) && layersOf(d)).toEqual(['ipv6', 'icmpv6']);
    expect(d.decode(v6, 0, v6.length, 229) && [layersOf(d), d.icmpv6.type]).toEqual([
      ['ipv6', 'icmpv6'],
      128,
    ]);
    expect(d.decode(v6, 0, v6.length, 228)).toBe(false);
    expect(d.decode(v4, 0, v4.length, 113) && [d.stop, d.nextTable, d.nextKey]).toEqual([
      'unknown',
      'link',
      113,
    ]);
  });

  it('decodes a sub-range of a buffer and reports absolute offsets', () => {
    const f = frame(`dead ${MACS} 0800 ${IPV4_UDP} beef`);
    expect(d.decode(f, 2, f.length - 2)).toBe(true);
    expect([d.ethernet.start, d.ipv4.start, d.udp.start, d.payloadEnd]).toEqual([2, 16, 36, 44]);
  });

  it('decodeFrame copies the result out', () => {
    const r = decodeFrame(frame(`${MACS} 86dd 60000000 0000 3b40 ${'00'.repeat(32)}`));
    expect([r.layers, r.stop, r.next, r.error, r.payload.length]).toEqual([
      ['eth', 'ipv6'],
      'unknown',
      { table: 'ip.proto', key: 59, offset: 54 },
      undefined,
      0,
    ]);
    const bad = decodeFrame(new Uint8Array(5));
    expect([bad.layers, bad.stop, bad.error?.layer]).toEqual([[], 'error', 'eth']);
  });

  it('returns or reports a DecodeError for 100,000 random byte strings, and decodes known-valid frames', () => {
    const decoder = new FrameDecoder();
    const counts = assertRejectsOnlyWithDecodeError<[Uint8Array, number]>({
      random: fc.tuple(
        fc.uint8Array({ maxLength: 128, size: 'max' }),
        fc.constantFrom(1, 101, 228, 229, 113),
      ),
      valid: validEthernetFrames().map((f) => [f, 1]),
      decode: ([bytes, linkType]) => {
        const ok = decoder.decode(bytes, 0, bytes.length, linkType);
        if (ok !== (decoder.error === undefined) || decoder.payloadEnd > bytes.length) {
          throw new Error(
            `inconsistent result: ok ${ok}, error ${decoder.error}, payloadEnd ${decoder.payloadEnd}`,
          );
        }
        if (decoder.error) throw decoder.error;
      },
    });
    console.log(`frame decoder property: ${JSON.stringify(counts)}`);
  });
});

const TRANSPORT = new Set<string>(['udp', 'tcp', 'icmp', 'icmpv6']);

/** A first fragment (offset 0, more to come): we decode its transport header, tshark does not. */
function isFirstFragment(d: FrameDecoder): boolean {
  if (d.has('ip')) return d.ipv4.moreFragments && d.ipv4.fragmentOffset === 0;
  return d.has('ipv6') && d.ipv6.isFragment && d.ipv6.fragmentOffset === 0;
}

/** tshark's frame.protocols, reduced to the layers FrameDecoder knows, as far as it goes. */
const FRAME_LAYERS = new Set<string>([
  'eth',
  'vlan',
  'ieee8021ad',
  'arp',
  'ip',
  'ipv6',
  'udp',
  'tcp',
  'icmp',
  'icmpv6',
]);

function tsharkLayers(protocols: string): string[] {
  const out: string[] = [];
  for (const p of protocols.split(':')) {
    // Not layers of their own for FrameDecoder: the EtherType dispatch, the raw-IP link, IPv6
    // extension headers (including AH, which Ipv6Packet walks).
    if (p === 'ethertype' || p === 'raw' || p.startsWith('ipv6.') || (p === 'ah' && out.at(-1) === 'ipv6'))
      continue;
    // tshark lists `arp` twice for some ARP packets (seen with AX.25 hardware type 3).
    if (p === 'arp' && out.at(-1) === 'arp') continue;
    if (!FRAME_LAYERS.has(p)) break;
    out.push(p);
  }
  return out;
}

describe.skipIf(!CORPUS)('FrameDecoder against tshark on the corpus', () => {
  it('finds the same layers as tshark frame.protocols, as far as it decodes', () => {
    const decoder = new FrameDecoder({ maxVlanTags: 8 });
    const differ: string[] = [];
    let compared = 0;
    let layers = 0;
    let errors = 0;
    for (const file of corpusFiles()) {
      const expected = expectedPath(file);
      if (!expected) continue;
      const packets = corpusPackets(file).filter((p) => [1, 101, 228, 229].includes(p.linkType));
      if (packets.length === 0) continue;
      const tshark = loadTsharkPackets(expected);
      for (const p of packets) {
        const frameLayer = tshark[p.index]?.frame as Record<string, string> | undefined;
        if (!frameLayer) continue;
        const theirs = tsharkLayers(frameLayer['frame.protocols']);
        decoder.decode(p.data, 0, p.data.length, p.linkType);
        const ours: FrameLayer[] = layersOf(decoder);
        compared++;
        layers += ours.length;
        if (decoder.error) errors++;
        // A DecodeError, a fragment or an unknown layer ends our list early; we decode one IP
        // header and no ICMP-quoted datagram; tshark shows no transport header in a first
        // fragment (it waits for reassembly), while we decode it.
        const transportInFragment = isFirstFragment(decoder) && TRANSPORT.has(ours[ours.length - 1]);
        const mine = transportInFragment ? ours.slice(0, -1) : ours;
        const prefixOnly = transportInFragment || (decoder.stop !== 'end' && decoder.stop !== 'payload');
        const firstIcmp = theirs.findIndex((l) => l === 'icmp' || l === 'icmpv6');
        const want = prefixOnly
          ? theirs.slice(0, mine.length)
          : firstIcmp >= 0
            ? theirs.slice(0, firstIcmp + 1)
            : theirs;
        if (mine.join(':') !== want.join(':')) {
          differ.push(
            `${file}#${p.index + 1}: ours ${ours.join(':')} (${decoder.stop}) tshark ${theirs.join(':')}`,
          );
        }
      }
    }
    console.log(
      `FrameDecoder vs frame.protocols: ${compared} packets, ${layers} layers, ${errors} DecodeErrors, ${differ.length} differ`,
    );
    for (const line of differ.slice(0, 20)) console.log(`  ${line}`);
    expect(compared).toBeGreaterThan(7000);
    expect(differ.slice(0, 20)).toEqual([]);
  });
});

/** V8's gc(), exposed at run time when the process was not started with --expose-gc. */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe.skipIf(!CORPUS)('FrameDecoder allocation', () => {
  it('decodes 100,000 corpus frames without growing the heap', async () => {
    // A malformed frame allocates its DecodeError (and stack trace): only the error path does.
    const probe = new FrameDecoder();
    const frames = corpusFiles()
      .flatMap((f) => corpusPackets(f))
      .filter(
        (p) => [1, 101, 228, 229].includes(p.linkType) && probe.decode(p.data, 0, p.data.length, p.linkType),
      )
      .filter((_, i) => i % 7 === 0);
    const decoder = new FrameDecoder();
    const run = (n: number) => {
      let layers = 0;
      for (let i = 0; i < n; i++) {
        const p = frames[i % frames.length];
        decoder.decode(p.data, 0, p.data.length, p.linkType);
        layers += decoder.layerCount;
      }
      return layers;
    };
    const gc = exposeGc();
    run(50_000); // warm up: JIT code and feedback live on the heap too
    gc();
    const { PerformanceObserver } = await import('node:perf_hooks');
    const gcTimes: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcTimes.push(e.startTime);
    });
    observer.observe({ entryTypes: ['gc'] });
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const layers = run(100_000);
    const t1 = performance.now();
    const after = process.memoryUsage().heapUsed;
    gc(); // shows the observer sees collections at all
    await new Promise((r) => setTimeout(r, 50));
    observer.disconnect();
    const grown = after - before;
    const gcRuns = gcTimes.filter((t) => t >= t0 && t <= t1).length;
    console.log(
      `allocation: 100,000 decodes cycling through ${frames.length} well-formed corpus frames, ` +
        `${layers} layers, heap grew ${grown} bytes (${(grown / 100_000).toFixed(2)} per decode), ${gcRuns} GC runs during the loop`,
    );
    // One 16-byte object per decode would be >= 1.6 MB here, or would set off a scavenge; the
    // few tens of kB seen come from the measuring itself (timers, JIT feedback).
    expect(gcTimes.length).toBeGreaterThan(0);
    expect(layers).toBeGreaterThan(100_000);
    expect(grown).toBeLessThan(256 * 1024);
    expect(gcRuns).toBe(0);
  });
});
