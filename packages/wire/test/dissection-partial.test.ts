import {
  composeDissectors,
  DecodeError,
  type DissectionNode,
  dissect,
  dissectLayerPath,
  type LayerDissector,
  type LayerWalker,
} from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

/**
 * link → outer (2 bytes, with a trailer over the bytes after its payload) → part: a layer that
 * shows one field and is then malformed (`LayerDissection.malformed`), and would hand over to
 * `never` if its `next` were followed.
 */
function registry(options: { partEnd?: number; errorEnd?: number; withWalker?: boolean }) {
  const outer: LayerDissector = (_buf, start, end) => ({
    node: { field: 'outer', name: 'Outer', offset: start, length: 2 },
    next: { table: 'a', keys: [1], start: start + 2, end },
    trailer: (payloadEnd) =>
      payloadEnd >= end
        ? []
        : [{ field: 'outer.trailer', name: 'Trailer', offset: payloadEnd, length: end - payloadEnd }],
  });
  const error = () => {
    const e = new DecodeError('truncated', 'part', 2, 'needs 9 bytes, only 4 left');
    return options.errorEnd === undefined ? e : e.atLayerEnd(options.errorEnd);
  };
  const part: LayerDissector = (_buf, start) => ({
    node: {
      field: 'part',
      name: 'Part',
      offset: start,
      length: 1,
      children: [{ field: 'part.kind', name: 'Kind', offset: start, length: 1, value: 7 }],
    },
    next: { table: 'b', keys: [1], start: start + 1, end: start + 2 },
    ...(options.partEnd === undefined ? {} : { end: options.partEnd }),
    malformed: error(),
  });
  const never: LayerDissector = () => {
    throw new Error('a malformed layer must end the dissection');
  };
  const walkPart: LayerWalker = () => ({ field: 'part', malformed: error() });
  return composeDissectors({
    layers: { outer, part, never },
    bindings: [
      { table: 'link', key: 1, layer: 'outer' },
      { table: 'a', key: 1, layer: 'part' },
      { table: 'b', key: 1, layer: 'never' },
    ],
    ...(options.withWalker ? { walkers: { part: walkPart } } : {}),
  });
}

const fields = (nodes: readonly DissectionNode[]) =>
  nodes.map((n) => [n.field, ...(n.children ?? []).map((c) => c.field)]);

describe('a layer that shows what fits, then is malformed', () => {
  const frame = new Uint8Array(6);

  it('keeps its node, reports its error and dissects nothing after it', () => {
    const d = dissect(registry({}), frame);
    expect(fields(d.layers)).toEqual([['outer'], ['part', 'part.kind']]);
    expect(d.malformed?.toJSON()).toStrictEqual({
      code: 'truncated',
      layer: 'part',
      offset: 2,
      reason: 'needs 9 bytes, only 4 left',
    });
  });

  it("runs the previous layer's trailer after the layer's end, or its error's layerEnd", () => {
    expect(fields(dissect(registry({ partEnd: 4 }), frame).layers)[0]).toEqual(['outer', 'outer.trailer']);
    expect(fields(dissect(registry({ errorEnd: 5 }), frame).layers)[0]).toEqual(['outer', 'outer.trailer']);
    const trailer = dissect(registry({ errorEnd: 5 }), frame).layers[0].children?.[0];
    expect([trailer?.offset, trailer?.length]).toEqual([5, 1]);
    expect(fields(dissect(registry({}), frame).layers)[0]).toEqual(['outer']);
  });

  it('dissectLayerPath names the layer and reports the same error, with or without a walker', () => {
    for (const withWalker of [false, true]) {
      const path = dissectLayerPath(registry({ withWalker }), frame);
      expect(path.layers).toEqual(['outer', 'part']);
      expect(path.malformed?.message).toBe('part: needs 9 bytes, only 4 left (at byte 2)');
    }
  });
});
