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
