/** The netlink dissectors on arbitrary and mutated bytes: they return, or throw DecodeError only. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  composeDissectors,
  DecodeError,
  dissect,
  type LayerDissector,
  LINK_TABLE,
  walkNodes,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../../test/support/capture-reader.js';
import { mutatePacket, seededRandom } from '../../../test/support/mutate.js';
import {
  dissectGenericNetlink,
  dissectNetlinkCooked,
  dissectNetlinkRoute,
  LINKTYPE_NETLINK,
  netlinkDissectors,
} from '../src/index.js';

const REGISTRY = composeDissectors(netlinkDissectors);
const LAYERS: readonly [string, LayerDissector][] = [
  ['netlink', dissectNetlinkCooked],
  ['netlink-route', dissectNetlinkRoute],
  ['genl', dissectGenericNetlink],
];

/** Runs a dissector; anything thrown but a DecodeError fails. Returns the number of nodes made. */
function tryLayer(d: LayerDissector, b: Uint8Array, start = 0, end = b.length): number {
  try {
    const r = d(b, start, end, {});
    let n = 0;
    for (const node of walkNodes([r.node])) {
      n++;
      if (node.offset < start || node.offset + node.length > end) {
        throw new Error(`${node.field} at ${node.offset}+${node.length} outside [${start}, ${end})`);
      }
    }
    return n;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return 0;
  }
}

const FRAMES = [
  ...readCapture(readFileSync(join(import.meta.dirname, 'fixtures', 'nlmon-session.pcap'))),
].map((p) => p.data);

describe('netlink dissector robustness', () => {
  it('100,000 random byte strings: each layer returns or throws DecodeError, nodes stay in bounds', () => {
    let decoded = 0;
    for (const [, layer] of LAYERS) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
          if (tryLayer(layer, b) > 0) decoded++;
        }),
        { numRuns: 34_000, seed: 13 },
      );
    }
    // a vacuous run (every input rejected at once) would not test the attribute walkers
    expect(decoded).toBeGreaterThan(1000);
  });

  it('random messages with valid lengths reach the family headers and attributes', () => {
    const message = fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ minLength: 0, maxLength: 120 }))
      .map(([type, body]) => {
        const b = new Uint8Array(16 + body.length);
        const v = new DataView(b.buffer);
        v.setUint32(0, b.length, true);
        v.setUint16(4, type, true);
        b.set(body, 16);
        return b;
      });
    let nodes = 0;
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), (ms) => {
        const total = ms.reduce((n, m) => n + ((m.length + 3) & ~3), 0);
        const b = new Uint8Array(total);
        let at = 0;
        for (const m of ms) {
          b.set(m, at);
          at += (m.length + 3) & ~3;
        }
        nodes += tryLayer(dissectNetlinkRoute, b) + tryLayer(dissectGenericNetlink, b);
      }),
      { numRuns: 5_000, seed: 7 },
    );
    expect(nodes).toBeGreaterThan(25_000);
  });

  it('every captured datagram cut at 200 lengths, and 200 mutations of each: DecodeError or a tree', () => {
    expect(FRAMES.length).toBe(59);
    let cuts = 0;
    let malformed = 0;
    for (const frame of FRAMES) {
      const step = Math.max(1, Math.floor(frame.length / 200));
      for (let n = 0; n <= frame.length; n += step) {
        const d = dissect(REGISTRY, frame.subarray(0, n), { table: LINK_TABLE, key: LINKTYPE_NETLINK });
        if (d.malformed) malformed++;
        cuts++;
      }
    }
    const random = seededRandom(253);
    let mutated = 0;
    const scratch = new Uint8Array(4096);
    for (const frame of FRAMES) {
      for (let i = 0; i < 200; i++) {
        const n = mutatePacket(frame, scratch, random);
        const b = scratch.slice(0, n);
        tryLayer(dissectNetlinkCooked, b);
        tryLayer(dissectNetlinkRoute, b, Math.min(16, n));
        tryLayer(dissectGenericNetlink, b, Math.min(16, n));
        mutated++;
      }
    }
    expect(cuts).toBeGreaterThan(59 * 40);
    expect(malformed).toBeGreaterThan(0);
    expect(mutated).toBe(59 * 200);
  });
});
