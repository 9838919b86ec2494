import { composeDissectors, type DissectContext, dissect, type LayerDissector } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

describe('dissect: claimedEnd (a layer cut by the capture)', () => {
  it('reaches the next layer only, and only when the claim is past the captured end', () => {
    const seen: Record<string, DissectContext> = {};
    const record =
      (name: string, next?: { table: string; claimed?: number }): LayerDissector =>
      (_buf, start, end, context) => {
        seen[name] = context;
        return {
          node: { field: name, name, offset: start, length: 1 },
          next: next && { table: next.table, keys: [1], start: start + 1, end, claimedEnd: next.claimed },
        };
      };
    const registry = composeDissectors({
      layers: {
        outer: record('outer', { table: 'a', claimed: 100 }),
        middle: record('middle', { table: 'b' }),
        inner: record('inner', { table: 'c', claimed: 3 }),
        last: record('last'),
      },
      bindings: [
        { table: 'link', key: 1, layer: 'outer' },
        { table: 'a', key: 1, layer: 'middle' },
        { table: 'b', key: 1, layer: 'inner' },
        { table: 'c', key: 1, layer: 'last' },
      ],
    });
    const r = dissect(registry, new Uint8Array(10));
    expect(r.layers.map((l) => l.field)).toEqual(['outer', 'middle', 'inner', 'last']);
    expect(seen.outer.claimedEnd).toBeUndefined();
    expect(seen.middle.claimedEnd).toBe(100); // claimed 100 > captured end 10
    expect(seen.inner.claimedEnd).toBeUndefined(); // not inherited past one layer
    expect(seen.last.claimedEnd).toBeUndefined(); // claimed 3 < captured end 10: not a cut
  });
});
