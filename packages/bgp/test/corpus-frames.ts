import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors } from '@cnikit/pcap';
import { composeDissectors, type DissectorSet, dissect, LINK_TABLE } from '@cnikit/wire';
import {
  CORPUS_DIR,
  corpusPackets,
  expectedPath,
  loadTsharkPackets,
  readManifest,
  type TsharkLayers,
} from '../../../test/support/corpus.js';

/** A TCP payload on port 179 in a corpus capture, with tshark's decode of its frame. */
export interface BgpFrame {
  readonly file: string;
  /** 1-based, as tshark's frame.number. */
  readonly frame: number;
  readonly linkType: number;
  readonly data: Uint8Array;
  readonly originalLength: number;
  /** The TCP payload: data[start, end). */
  readonly start: number;
  readonly end: number;
  readonly tshark: TsharkLayers | undefined;
}

/** Captures where the TCP payload went instead of dissecting it. */
function probe(into: { start: number; end: number }[]): DissectorSet {
  return {
    layers: {
      probe: (_buf, start, end) => {
        into.push({ start, end });
        return { node: { field: 'probe', name: 'probe', offset: start, length: end - start } };
      },
    },
    bindings: [{ table: 'tcp.port', key: 179, layer: 'probe' }],
  };
}

/** Every corpus frame whose TCP payload on port 179 is not empty (empty when there is no corpus). */
export function bgpCorpusFrames(): BgpFrame[] {
  const manifest = `${CORPUS_DIR}/MANIFEST.tsv`;
  let entries: ReturnType<typeof readManifest>;
  try {
    entries = readManifest(manifest);
  } catch {
    return [];
  }
  const found: { start: number; end: number }[] = [];
  const registry = composeDissectors(pcapLinkDissectors, ethernetDissectors, probe(found));
  const out: BgpFrame[] = [];
  for (const entry of entries) {
    if (!entry.protocols.includes('bgp')) continue;
    const path = expectedPath(entry.file);
    const tshark = path ? loadTsharkPackets(path) : [];
    for (const p of corpusPackets(entry.file)) {
      found.length = 0;
      dissect(registry, p.data, { table: LINK_TABLE, key: p.linkType }, 0, p.data.length, p.originalLength);
      const hit = found[0];
      if (!hit || hit.end <= hit.start) continue;
      out.push({
        file: entry.file,
        frame: p.index + 1,
        linkType: p.linkType,
        data: p.data,
        originalLength: p.originalLength,
        start: hit.start,
        end: hit.end,
        tshark: tshark[p.index],
      });
    }
  }
  return out;
}

/** Without the shared corpus: say so loudly, and fail under CI where it must be there. */
export function announceCorpusBlocker(frames: number): void {
  if (frames > 0) return;
  const reason = `no BGP frames: the shared corpus is not at ${CORPUS_DIR}`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`\n!!! SKIPPED: ${reason}\n`);
}

/** A corpus capture with BGP on TCP 179: every packet, with tshark's decode of each. */
export interface BgpCorpusCapture {
  readonly file: string;
  readonly packets: readonly {
    readonly data: Uint8Array;
    readonly linkType: number;
    readonly originalLength: number;
    readonly tshark: TsharkLayers | undefined;
  }[];
}

/** Every corpus capture whose protocols include BGP (none when there is no corpus). */
export function bgpCorpusCaptures(): BgpCorpusCapture[] {
  let entries: ReturnType<typeof readManifest>;
  try {
    entries = readManifest(`${CORPUS_DIR}/MANIFEST.tsv`);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.protocols.includes('bgp'))
    .map((entry) => {
      const path = expectedPath(entry.file);
      const tshark = path ? loadTsharkPackets(path) : [];
      return {
        file: entry.file,
        packets: corpusPackets(entry.file).map((p) => ({
          data: p.data,
          linkType: p.linkType,
          originalLength: p.originalLength,
          tshark: tshark[p.index],
        })),
      };
    });
}

/** tshark's `frame.time_epoch` ("1668715732.541413000") in nanoseconds. */
export function tsharkTime(layers: TsharkLayers | undefined): bigint | undefined {
  const frame = layers?.frame as Record<string, unknown> | undefined;
  const text = frame?.['frame.time_epoch'];
  if (typeof text !== 'string') return undefined;
  const [seconds, fraction = ''] = text.split('.');
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}
