import {
  composeDissectors,
  DecodeError,
  type DissectionNode,
  dissect,
  dissectLayerPath,
  type FrameBounds,
  type LayerDissector,
} from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

interface Call {
  readonly payloadEnd: number;
  readonly frame: FrameBounds;
}

/**
 * link → outer (2 bytes, trailer) → `a`: middle (2 bytes, says it ends at `middleEnd`) → `b`: inner.
 * The outer layer's trailer records its calls and returns one node over the bytes after its payload.
 */
function setup(options: {
  middleEnd?: number;
  innerThrows?: boolean;
  middleThrows?: boolean;
  /** The middle layer throws, marking its error with this end (it read its length first). */
  middleThrowsEndingAt?: number;
  noMiddle?: boolean;
}) {
  const calls: Call[] = [];
  const outer: LayerDissector = (buf, start, end) => ({
    node: { field: 'outer', name: 'Outer', offset: start, length: 2, children: [] },
    next: { table: 'a', keys: [1], start: start + 2, end },
    trailer: (payloadEnd, frame) => {
      calls.push({ payloadEnd, frame });
      if (payloadEnd >= end) return [];
      return [
        {
          field: 'outer.trailer',
          name: 'Trailer',
          offset: payloadEnd,
          length: end - payloadEnd,
          value: buf.subarray(payloadEnd, end),
        },
      ];
    },
  });
  const middle: LayerDissector = (_buf, start, end) => {
    if (options.middleThrows) throw new DecodeError('truncated', 'middle', start, 'too short');
    if (options.middleThrowsEndingAt !== undefined) {
      throw new DecodeError('bad-option', 'middle', start, 'bad option').atLayerEnd(
        options.middleThrowsEndingAt,
      );
    }
    return {
      node: { field: 'middle', name: 'Middle', offset: start, length: 2 },
      next: { table: 'b', keys: [1], start: start + 2, end: options.middleEnd ?? end },
      ...(options.middleEnd === undefined ? {} : { end: options.middleEnd }),
    };
  };
  const inner: LayerDissector = (_buf, start, end) => {
    if (options.innerThrows) throw new DecodeError('truncated', 'inner', start, 'too short');
    // Claims to end early: only the layer right after `outer` decides where its payload ends.
    return { node: { field: 'inner', name: 'Inner', offset: start, length: end - start }, end: start };
  };
  const registry = composeDissectors({
    layers: { outer, inner, ...(options.noMiddle ? {} : { middle }) },
    bindings: [
      { table: 'link', key: 1, layer: 'outer' },
      { table: 'a', key: 1, layer: 'middle' },
      { table: 'b', key: 1, layer: 'inner' },
    ],
  });
  return { registry, calls };
}

const FRAME = Uint8Array.from({ length: 12 }, (_, i) => i);

describe('dissect: a layer trailer (the bytes after the next layer, e.g. Ethernet padding)', () => {
  it("gets the next layer's own end and the frame's bounds; its nodes join the layer's children", () => {
    const { registry, calls } = setup({ middleEnd: 8 });
    const r = dissect(registry, FRAME);
    expect(calls).toEqual([{ payloadEnd: 8, frame: { start: 0, end: 12, reportedEnd: 12 } }]);
    expect(r.layers.map((l) => l.field)).toEqual(['outer', 'middle', 'inner']);
    expect(r.layers[0].children).toEqual([
      { field: 'outer.trailer', name: 'Trailer', offset: 8, length: 4, value: FRAME.subarray(8, 12) },
    ]);
  });

  it('leaves the node the dissector returned untouched (a new node carries the trailer)', () => {
    const seen: DissectionNode[] = [];
    const { registry } = setup({ middleEnd: 8 });
    const outer = registry.layers.get('outer')!;
    const spy = composeDissectors({
      layers: {
        outer: (buf, start, end, context) => {
          const result = outer(buf, start, end, context);
          seen.push(result.node);
          return result;
        },
      },
      bindings: [],
    });
    const merged = { ...registry, layers: new Map([...registry.layers, ...spy.layers]) };
    const r = dissect(merged, FRAME);
    expect(seen[0].children).toEqual([]);
    expect(r.layers[0]).not.toBe(seen[0]);
    expect(r.layers[0].children?.map((c) => c.field)).toEqual(['outer.trailer']);
  });

  it('without an `end` from the next layer, the payload ends where it was handed to it', () => {
    const { registry, calls } = setup({});
    const r = dissect(registry, FRAME);
    expect(calls.map((c) => c.payloadEnd)).toEqual([12]);
    expect(r.layers[0].children).toEqual([]);
  });

  it('with no dissector for the next layer, the data node ends the payload', () => {
    const { registry, calls } = setup({ noMiddle: true });
    const r = dissect(registry, FRAME);
    expect(r.layers.map((l) => l.field)).toEqual(['outer', 'data']);
    expect(calls.map((c) => c.payloadEnd)).toEqual([12]);
  });

  it('reports where the frame ended on the wire when the capture cut it', () => {
    const { registry, calls } = setup({ middleEnd: 8 });
    dissect(registry, FRAME, undefined, 0, 12, 60);
    expect(calls[0].frame).toEqual({ start: 0, end: 12, reportedEnd: 60 });
    calls.length = 0;
    dissect(registry, FRAME, undefined, 2, 12);
    expect(calls[0].frame).toEqual({ start: 2, end: 12, reportedEnd: 12 });
  });

  it('still runs when a later layer throws', () => {
    const later = setup({ middleEnd: 8, innerThrows: true });
    const r = dissect(later.registry, FRAME);
    expect(r.malformed?.layer).toBe('inner');
    expect(later.calls.map((c) => c.payloadEnd)).toEqual([8]);
    expect(r.layers[0].children?.map((c) => c.field)).toEqual(['outer.trailer']);
  });

  it('runs when the next layer throws: with the end its error carries, else the end it was handed', () => {
    const marked = setup({ middleThrowsEndingAt: 8 });
    const r = dissect(marked.registry, FRAME);
    expect(r.malformed?.layer).toBe('middle');
    expect(r.malformed?.code).toBe('bad-option');
    expect(r.malformed?.layerEnd).toBe(8);
    expect(marked.calls.map((c) => c.payloadEnd)).toEqual([8]);
    expect(r.layers.map((l) => l.field)).toEqual(['outer']);
    expect(r.layers[0].children?.map((c) => [c.field, c.offset, c.length])).toEqual([
      ['outer.trailer', 8, 4],
    ]);

    const unmarked = setup({ middleEnd: 8, middleThrows: true });
    const s = dissect(unmarked.registry, FRAME);
    expect(s.malformed?.layer).toBe('middle');
    expect(unmarked.calls.map((c) => c.payloadEnd)).toEqual([12]);
    expect(s.layers[0].children).toEqual([]);
  });

  it('a trailer may return the nodes it made with its error: both are kept, a layer error first', () => {
    const trailerError = new DecodeError('truncated', 'outer', 10, 'FCS cut short');
    const make = (inner: LayerDissector) =>
      composeDissectors({
        layers: {
          outer: (_buf, start, end) => ({
            node: { field: 'outer', name: 'Outer', offset: start, length: 2 },
            next: { table: 'a', keys: [1], start: start + 2, end },
            trailer: (payloadEnd) => ({
              nodes: [{ field: 'outer.padding', name: 'Padding', offset: payloadEnd, length: 2 }],
              malformed: trailerError,
            }),
          }),
          inner,
        },
        bindings: [
          { table: 'link', key: 1, layer: 'outer' },
          { table: 'a', key: 1, layer: 'inner' },
        ],
      });
    const ok = dissect(
      make((_b, start) => ({
        node: { field: 'inner', name: 'Inner', offset: start, length: 6 },
        end: start + 6,
      })),
      FRAME,
    );
    expect(ok.malformed).toBe(trailerError);
    expect(ok.layers.map((l) => l.field)).toEqual(['outer', 'inner']);
    expect(ok.layers[0].children?.map((c) => [c.field, c.offset])).toEqual([['outer.padding', 8]]);
    const layerError = new DecodeError('bad-value', 'inner', 2, 'bad');
    const failed = dissect(
      make(() => {
        throw layerError;
      }),
      FRAME,
    );
    expect(failed.malformed).toBe(layerError);
    expect(failed.layers[0].children?.map((c) => [c.field, c.offset])).toEqual([['outer.padding', 12]]);
  });

  it('is never called by dissectLayerPath', () => {
    const { registry, calls } = setup({ middleEnd: 8 });
    expect(dissectLayerPath(registry, FRAME).layers).toEqual(['outer', 'middle', 'inner']);
    expect(calls).toEqual([]);
  });
});
