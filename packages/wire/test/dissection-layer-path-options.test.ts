import {
  composeDissectors,
  DecodeError,
  dissect,
  dissectLayerPath,
  type LayerDissector,
  requireBytes,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Toy layers `a` (2 bytes, byte 1 picks the next in `t`) and `b` (3 bytes, ends). */
const a: LayerDissector = (buf, start, end) => {
  requireBytes('a', start, 2, end);
  if (buf[start] === 0xff) throw new DecodeError('bad-value', 'a', start, 'first byte 0xff');
  return {
    node: { field: 'a', name: 'A', offset: start, length: 2 },
    next: { table: 't', keys: [buf[start + 1]], start: start + 2, end },
  };
};
const b: LayerDissector = (_buf, start, end) => {
  requireBytes('b', start, 3, end);
  return { node: { field: 'b', name: 'B', offset: start, length: 3 } };
};
const registry = composeDissectors({
  layers: { a, b },
  bindings: [
    { table: 'link', key: 1, layer: 'a' },
    { table: 'link', key: 9, layer: 'b' },
    { table: 't', key: 1, layer: 'a' },
    { table: 't', key: 2, layer: 'b' },
  ],
});

describe('dissectLayerPath with an options object', () => {
  it('equals the positional form and dissect, for any bytes, start, end and first layer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 24 }).map((b) => b.map((x) => x % 4)),
        fc.nat(6),
        fc.nat(6),
        fc.constantFrom(1, 9),
        (bytes, cutStart, cutEnd, key) => {
          const start = Math.min(cutStart, bytes.length);
          const end = Math.max(start, bytes.length - cutEnd);
          const first = { table: 'link', key };
          const byOptions = dissectLayerPath(registry, bytes, { first, start, end });
          const byPosition = dissectLayerPath(registry, bytes, first, start, end);
          const d = dissect(registry, bytes, first, start, end);
          expect(byOptions.layers).toEqual(byPosition.layers);
          expect(byOptions.layers).toEqual(d.layers.map((l) => l.field));
          expect(byOptions.malformed?.toJSON()).toEqual(byPosition.malformed?.toJSON());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('defaults to link 1 over the whole buffer, and reuses `into`', () => {
    const bytes = Uint8Array.of(0, 1, 0, 2, 7, 7, 7);
    expect(dissectLayerPath(registry, bytes).layers).toEqual(['a', 'a', 'b']);
    expect(dissectLayerPath(registry, bytes, {}).layers).toEqual(['a', 'a', 'b']);
    const into = ['stale'];
    const path = dissectLayerPath(registry, bytes, { into, start: 2 });
    expect(path.layers).toBe(into);
    expect(into).toEqual(['a', 'b']);
    expect(dissectLayerPath(registry, bytes, { first: { table: 'link', key: 9 }, end: 3 }).layers).toEqual([
      'b',
    ]);
    expect(dissectLayerPath(registry, bytes, { end: 5 }).malformed?.message).toBe(
      'b: needs 3 bytes, only 1 left (at byte 4)',
    );
  });
});
