import { ethernetDissectors, FrameDecoder } from '@cnikit/ethernet';
import {
  composeDissectors,
  DecodeError,
  type Dissection,
  dissect,
  LINK_TABLE,
  walkNodes,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corpusFiles, corpusPackets, mutatePacket, seededRandom } from '../../../test/support/corpus.js';
import { haveCorpus } from '../../../test/support/corpus-location.js';

const CORPUS = haveCorpus(
  'packages/ethernet/test/corpus-robustness.test.ts: robustness on every corpus packet (cuts, mutations, fast-check edits)',
);

/**
 * Every corpus packet through FrameDecoder.decode and dissect, cut short and mutated at random:
 * each call must return (a DecodeError is reported, not thrown, by both) and report only bytes it
 * was given. Packets of other link types are fed as Ethernet: more odd input for free.
 *
 * FrameDecoder (the decoder) always gets what the issue asks: every packet at every truncation
 * length and 1,000 random mutations of every packet. dissect, which builds whole trees, runs on
 * a budget by default: every truncation length inside the headers (up to where the full packet's
 * dissection stopped, or 64 bytes past where it failed), then every 64th length and the last;
 * 1,000 mutations of one packet of each distinct header shape and 25 of every other packet.
 * `CNIKIT_ROBUSTNESS=full` gives dissect the full treatment too (about 10 minutes on 2 cores).
 */
const FULL = process.env.CNIKIT_ROBUSTNESS === 'full';
const DECODABLE_LINK_TYPES = new Set([1, 101, 228, 229]);
const MUTATIONS_PER_SHAPE = 1000;
const MUTATIONS_PER_PACKET = FULL ? 1000 : 25;
const SPARSE_STEP = 64;
/** Full mode runs for minutes: no per-test timeout then. */
const TIMEOUT = FULL ? 3_600_000 : undefined;

interface Input {
  readonly where: string;
  readonly data: Uint8Array;
  readonly linkType: number;
  /** Cut lengths up to these are all tried (budget mode): the headers each decoder reads. */
  readonly decoderZone: number;
  readonly dissectZone: number;
  /** The layers and header sizes FrameDecoder finds: packets sharing it take the same paths. */
  readonly shape: string;
}

const registry = composeDissectors(ethernetDissectors);

function describeInput(where: string, data: Uint8Array, linkType: number, d: FrameDecoder): Input {
  d.decode(data, 0, data.length, linkType);
  const decoderZone = d.error ? d.error.offset + 64 : d.payloadStart;
  const full = dissect(registry, data, { table: LINK_TABLE, key: linkType });
  let dissectZone = full.malformed ? full.malformed.offset + 64 : 0;
  for (const layer of full.layers) {
    if (layer.field === 'data') continue;
    for (const n of walkNodes([layer])) dissectZone = Math.max(dissectZone, n.offset + n.length);
  }
  const shape = [
    linkType,
    ...d.layers.slice(0, d.layerCount),
    d.stop,
    d.nextKey,
    d.error?.layer,
    d.error?.code,
    d.has('ip') && d.ipv4.headerLength,
    d.has('ipv6') && d.ipv6.extensionCount,
    d.has('tcp') && d.tcp.headerLength,
    d.has('icmp') && d.icmpv4.type,
    d.has('icmpv6') && d.icmpv6.type,
  ].join();
  return { where, data, linkType, decoderZone, dissectZone, shape };
}

const inputs: Input[] = (() => {
  const d = new FrameDecoder();
  if (!CORPUS) return [];
  return corpusFiles().flatMap((file) =>
    corpusPackets(file).map((p) =>
      describeInput(
        `${file}#${p.index + 1}`,
        p.data,
        DECODABLE_LINK_TYPES.has(p.linkType) ? p.linkType : 1,
        d,
      ),
    ),
  );
})();
const maxLength = Math.max(...inputs.map((i) => i.data.length));

/** Cut lengths to try: all of them in full mode; else all in the zone, then every 64th and the last. */
function cutLengths(length: number, zone: number, all = FULL): number[] {
  const lengths: number[] = [];
  for (let n = 0; n <= length; n++) {
    if (all || n <= zone || n % SPARSE_STEP === 0 || n === length) lengths.push(n);
  }
  return lengths;
}

/** Stack traces are most of the cost of a thrown DecodeError, and nothing here reads them. */
function withoutStackTraces<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** What checkDissect returns for a call that behaved and reported a DecodeError. */
const MALFORMED = 'malformed';

/** Returns a description of what went wrong, MALFORMED, or undefined when the call behaved. */
function checkDissect(buf: Uint8Array, linkType: number): string | undefined {
  let result: Dissection;
  try {
    result = dissect(registry, buf, { table: LINK_TABLE, key: linkType });
  } catch (e) {
    return `dissect threw ${String(e)}`;
  }
  if (result.malformed && !(result.malformed instanceof DecodeError)) return 'malformed is not a DecodeError';
  for (const n of walkNodes(result.layers)) {
    if (!(n.offset >= 0 && n.length >= 0 && n.offset + n.length <= buf.length)) {
      return `node ${n.field} at [${n.offset}, +${n.length}) outside the ${buf.length} bytes given`;
    }
  }
  return result.malformed ? MALFORMED : undefined;
}

function checkDecoder(
  decoder: FrameDecoder,
  buf: Uint8Array,
  end: number,
  linkType: number,
): string | undefined {
  try {
    const ok = decoder.decode(buf, 0, end, linkType);
    if (ok === decoder.error instanceof DecodeError)
      return `decode returned ${ok} with error ${decoder.error}`;
    if (
      ok &&
      !(decoder.payloadStart >= 0 && decoder.payloadStart <= decoder.payloadEnd && decoder.payloadEnd <= end)
    ) {
      return `payload [${decoder.payloadStart}, ${decoder.payloadEnd}) outside [0, ${end})`;
    }
  } catch (e) {
    return `decode threw ${String(e)}`;
  }
  return undefined;
}

describe.skipIf(!CORPUS)('robustness on every corpus packet', () => {
  it('reads the whole corpus', () => {
    expect(inputs.length).toBeGreaterThan(7500);
  });

  it(
    'FrameDecoder: every packet cut at every length returns or reports a DecodeError',
    () => {
      const decoder = new FrameDecoder();
      const failures: string[] = [];
      let calls = 0;
      let errors = 0;
      withoutStackTraces(() => {
        for (const input of inputs) {
          for (const end of cutLengths(input.data.length, input.decoderZone, true)) {
            calls++;
            const failure = checkDecoder(decoder, input.data, end, input.linkType);
            if (failure) failures.push(`${input.where} cut at ${end}: ${failure}`);
            else if (decoder.error) errors++;
          }
        }
      });
      console.log(
        `FrameDecoder truncation: ${inputs.length} packets, ${calls} cut lengths, ${errors} DecodeErrors`,
      );
      expect(failures.slice(0, 10)).toEqual([]);
      expect(errors).toBeGreaterThan(inputs.length);
    },
    TIMEOUT,
  );

  it(
    'dissect: every packet cut at every length in its headers returns with its nodes inside the bytes',
    () => {
      const failures: string[] = [];
      let calls = 0;
      let malformed = 0;
      withoutStackTraces(() => {
        for (const input of inputs) {
          for (const n of cutLengths(input.data.length, input.dissectZone)) {
            calls++;
            const failure = checkDissect(input.data.subarray(0, n), input.linkType);
            if (failure === MALFORMED) malformed++;
            else if (failure) failures.push(`${input.where} cut at ${n}: ${failure}`);
          }
        }
      });
      console.log(
        `dissect truncation: ${inputs.length} packets, ${calls} cut lengths, ${malformed} DecodeErrors`,
      );
      expect(failures.slice(0, 10)).toEqual([]);
      expect(malformed).toBeGreaterThan(inputs.length);
    },
    TIMEOUT,
  );

  it('FrameDecoder: 1,000 seeded random mutations of every packet', () => {
    const decoder = new FrameDecoder();
    const scratch = new Uint8Array(maxLength + 64);
    const random = seededRandom(0x5eed);
    const failures: string[] = [];
    let calls = 0;
    withoutStackTraces(() => {
      for (const input of inputs) {
        for (let k = 0; k < 1000; k++) {
          const length = mutatePacket(input.data, scratch, random);
          calls++;
          const failure = checkDecoder(decoder, scratch, length, input.linkType);
          if (failure) failures.push(`${input.where} mutation ${k}: ${failure}`);
        }
      }
    });
    console.log(`FrameDecoder mutations: ${calls} mutated packets (1,000 of each of ${inputs.length})`);
    expect(calls).toBe(inputs.length * 1000);
    expect(failures.slice(0, 10)).toEqual([]);
  }, 600_000);

  it(
    'dissect: seeded random mutations of every packet',
    () => {
      const scratch = new Uint8Array(maxLength + 64);
      const random = seededRandom(0xd155ec7);
      const failures: string[] = [];
      const shapesSeen = new Set<string>();
      let calls = 0;
      withoutStackTraces(() => {
        for (const input of inputs) {
          const firstOfShape = !shapesSeen.has(input.shape);
          shapesSeen.add(input.shape);
          const count = firstOfShape ? MUTATIONS_PER_SHAPE : MUTATIONS_PER_PACKET;
          for (let k = 0; k < count; k++) {
            const length = mutatePacket(input.data, scratch, random);
            calls++;
            const failure = checkDissect(scratch.subarray(0, length), input.linkType);
            if (failure && failure !== MALFORMED) failures.push(`${input.where} mutation ${k}: ${failure}`);
          }
        }
      });
      console.log(
        `dissect mutations: ${calls} mutated packets (${MUTATIONS_PER_SHAPE} for one packet of each of ` +
          `${shapesSeen.size} header shapes, ${MUTATIONS_PER_PACKET} for each of the other ${inputs.length - shapesSeen.size})`,
      );
      expect(failures.slice(0, 10)).toEqual([]);
    },
    TIMEOUT,
  );

  it('fast-check: any corpus packet with arbitrary byte edits and cut', () => {
    const decoder = new FrameDecoder();
    withoutStackTraces(() =>
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: inputs.length - 1 }),
          fc.array(fc.tuple(fc.nat(127), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
          fc.nat(),
          (which, edits, cut) => {
            const input = inputs[which];
            const buf = input.data.slice();
            for (const [at, value] of edits) if (at < buf.length) buf[at] = value;
            const length = cut % (buf.length + 1);
            const failure =
              checkDecoder(decoder, buf, length, input.linkType) ??
              checkDissect(buf.subarray(0, length), input.linkType);
            return failure === undefined || failure === MALFORMED;
          },
        ),
        { numRuns: 5000, seed: 42 },
      ),
    );
  });
});
