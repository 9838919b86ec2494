import { ethernetDissectors } from '@cnikit/ethernet';
import {
  composeDissectors,
  DecodeError,
  type DissectContext,
  type DissectorRegistry,
  dissect,
  dissectLayerPath,
  type LayerDissector,
  type LayerWalker,
  LINK_TABLE,
  type NextLayer,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusFiles, corpusPackets, mutatePacket, seededRandom } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/walkers.test.ts: the walker check on every corpus packet, cut and mutated (random bytes still run)',
);

/**
 * The walkers in `ethernetDissectors.walkers` against the dissectors they stand in for, two ways:
 * end to end (`dissectLayerPath` with walkers gives the layer path and DecodeError of `dissect`
 * without them), and layer by layer (every walker call is checked against its dissector's `next`
 * or DecodeError on the same input and context), over the corpus, its truncations and seeded
 * mutations, and random bytes.
 */

const walkers = ethernetDissectors.walkers ?? {};
const LAYERS = Object.keys(ethernetDissectors.layers);
const DECODABLE_LINK_TYPES = new Set([1, 101, 228, 229]);
/**
 * The first packet of each distinct shape (link type, dissect's layer path and error, cut by the
 * snaplen or not) gets every cut length up to DENSE_CUTS and SHAPE_MUTATIONS mutations; every other
 * packet, CUTS_PER_PACKET random cut lengths inside the headers and MUTATIONS_PER_PACKET mutations.
 */
const DENSE_CUTS = 160;
const SHAPE_MUTATIONS = 150;
const CUTS_PER_PACKET = 4;
const MUTATIONS_PER_PACKET = 3;

/** The dissectors alone: the reference. */
const plain = composeDissectors({ layers: ethernetDissectors.layers, bindings: ethernetDissectors.bindings });
const walked = composeDissectors(ethernetDissectors);

interface Mismatch {
  readonly layer: string;
  readonly input: string;
  readonly walker: string;
  readonly dissector: string;
}
const layerMismatches: Mismatch[] = [];
let layerChecks = 0;

function describeNext(next: NextLayer | undefined): string {
  if (!next) return 'none';
  const ip = next.ip
    ? next.ip.family === 4
      ? `4:${next.ip.src}>${next.ip.dst}`
      : `6:${next.ip.src.byteOffset}/${next.ip.src.length}:${[...next.ip.src]}>${next.ip.dst.byteOffset}/${next.ip.dst.length}:${[...next.ip.dst]}`
    : '';
  return `${next.table}[${next.keys.join(',')}] ${next.start}-${next.end} claimed=${next.claimedEnd} quoted=${next.quoted === true} ip=${ip}`;
}

function describeError(e: unknown): string {
  if (e instanceof DecodeError) return `${e.code}/${e.layer}@${e.offset}: ${e.message}`;
  return `not a DecodeError: ${String(e)}`;
}

/** Runs the walker and its dissector on the same input; records any difference; returns the walker's result. */
function checkedWalker(name: string, walker: LayerWalker, dissector: LayerDissector): LayerWalker {
  return (buf, start, end, context: DissectContext) => {
    layerChecks++;
    let want: string;
    try {
      const { node, next } = dissector(buf, start, end, context);
      want = `${node.field} → ${describeNext(next)}`;
    } catch (e) {
      want = describeError(e);
    }
    let got: string;
    try {
      const step = walker(buf, start, end, context);
      got = `${step.field} → ${describeNext(step.next)}`;
      check(got);
      return step;
    } catch (e) {
      got = describeError(e);
      check(got);
      throw e;
    }
    function check(g: string) {
      if (g !== want && layerMismatches.length < 20) {
        const input = `${start}-${end} ${JSON.stringify(context)} ${Buffer.from(buf.subarray(start, Math.min(end, start + 80))).toString('hex')}`;
        layerMismatches.push({ layer: name, input, walker: g, dissector: want });
      }
    }
  };
}

const checked: DissectorRegistry = composeDissectors({
  layers: ethernetDissectors.layers,
  bindings: ethernetDissectors.bindings,
  walkers: Object.fromEntries(
    Object.entries(walkers).map(([name, w]) => [
      name,
      checkedWalker(name, w, ethernetDissectors.layers[name]),
    ]),
  ),
});

const pathMismatches: string[] = [];
let pathChecks = 0;
const walkedLayers = new Map<string, number>();
const into: string[] = [];

/** dissect (no walkers) and dissectLayerPath (walkers) on one input; records a difference; returns dissect's path. */
function compare(
  data: Uint8Array,
  linkType: number,
  length: number,
  originalLength: number,
  where: string,
): string {
  pathChecks++;
  const first = { table: LINK_TABLE, key: linkType };
  const full = dissect(plain, data, first, 0, length, originalLength);
  const want = `${full.layers.map((l) => l.field).join('/')} ${full.malformed ? describeError(full.malformed) : ''}`;
  const path = dissectLayerPath(walked, data, first, 0, length, originalLength, into);
  const got = `${path.layers.join('/')} ${path.malformed ? describeError(path.malformed) : ''}`;
  if (got !== want && pathMismatches.length < 20)
    pathMismatches.push(`${where}: walkers ${got} | dissect ${want}`);
  for (const l of path.layers) walkedLayers.set(l, (walkedLayers.get(l) ?? 0) + 1);
  // The same input again, each walker checked against its dissector layer by layer.
  dissectLayerPath(checked, data, first, 0, length, originalLength, into);
  return want;
}

describe('ethernet layer walkers', () => {
  it('exist for every layer of ethernetDissectors', () => {
    expect(Object.keys(walkers).sort()).toEqual([...LAYERS].sort());
  });

  it.skipIf(!CORPUS)(
    'give dissect’s layer path and DecodeError on every corpus packet, cut and mutated',
    () => {
      const random = seededRandom(0x5eed);
      const shapes = new Set<string>();
      let packets = 0;
      for (const file of corpusFiles()) {
        for (const p of corpusPackets(file)) {
          packets++;
          // Other link types are fed as Ethernet: more odd input for free.
          const linkType = DECODABLE_LINK_TYPES.has(p.linkType) ? p.linkType : 1;
          const data = p.data;
          const where = `${file}#${p.index}`;
          const shape = `${linkType} ${compare(data, linkType, data.length, p.originalLength, where)} ${p.originalLength > data.length}`;
          const newShape = !shapes.has(shape);
          shapes.add(shape);
          const cuts = newShape ? Math.min(data.length, DENSE_CUTS) : CUTS_PER_PACKET;
          for (let k = 0; k < cuts; k++) {
            const cut = newShape ? k : Math.floor(random() * Math.min(data.length, DENSE_CUTS));
            // Cut by the snaplen (the wire length is the packet's), and cut as if that were all of it.
            compare(data, linkType, cut, p.originalLength, `${where} cut ${cut}`);
            if (!newShape || cut % 4 === 0) compare(data, linkType, cut, cut, `${where} cut ${cut} whole`);
          }
          const scratch = new Uint8Array(data.length + 64);
          const mutations = newShape ? SHAPE_MUTATIONS : MUTATIONS_PER_PACKET;
          for (let k = 0; k < mutations; k++) {
            const length = mutatePacket(data, scratch, random);
            const claimed = random() < 0.5 ? length : length + Math.floor(random() * 1500);
            compare(scratch, linkType, length, claimed, `${where} mutation ${k}`);
          }
        }
      }
      console.log(
        `walkers: ${packets} corpus packets (${shapes.size} shapes), ${pathChecks} inputs compared end to end, ${layerChecks} walker calls checked against their dissector; layers walked:`,
        Object.fromEntries([...walkedLayers].sort((a, b) => b[1] - a[1])),
      );
      expect(pathMismatches).toEqual([]);
      expect(layerMismatches).toEqual([]);
    },
    120_000,
  );

  it('give dissect’s layer path and DecodeError on random bytes', () => {
    const before = layerChecks;
    fc.assert(
      fc.property(
        fc.constantFrom(1, 101, 228, 229),
        fc.uint8Array({ maxLength: 160 }),
        fc.nat(200),
        (linkType, bytes, extra) => {
          compare(bytes, linkType, bytes.length, bytes.length + extra, 'random');
        },
      ),
      { numRuns: 20_000 },
    );
    // Random bytes with plausible headers: an Ethernet/IPv4 or IPv6 start, then random bytes.
    fc.assert(
      fc.property(
        fc.constantFrom([0x08, 0x00, 0x45], [0x86, 0xdd, 0x60], [0x81, 0x00], [0x88, 0xa8], [0x08, 0x06]),
        fc.uint8Array({ minLength: 0, maxLength: 120 }),
        fc.nat(100),
        (prefix, rest, extra) => {
          const bytes = new Uint8Array(12 + prefix.length + rest.length);
          bytes.set(prefix, 12);
          bytes.set(rest, 12 + prefix.length);
          compare(bytes, 1, bytes.length, bytes.length + extra, 'random eth');
        },
      ),
      { numRuns: 20_000 },
    );
    expect(layerChecks).toBeGreaterThan(before);
    expect(pathMismatches).toEqual([]);
    expect(layerMismatches).toEqual([]);
  });
});
