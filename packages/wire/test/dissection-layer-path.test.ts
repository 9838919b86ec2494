import {
  composeDissectors,
  DecodeError,
  type DissectorRegistry,
  dissect,
  dissectLayerPath,
  type LayerDissector,
  type LayerWalker,
  LINK_TABLE,
  parseBytes,
  readU16,
  requireBytes,
} from '@cnikit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Ethernet + IPv4 + 4 TCP bytes (ports 33779 → 53) + 2 bytes no layer claims. */
const frame = parseBytes(`
  00 11 22 33 44 66 00 11 22 33 44 55 08 00 45 00
  00 62 9b 2a 40 00 40 06 13 4e c0 a8 01 0b d1 57
  f9 12 83 f3 00 35 de ad`);

/** Toy layers: a header of `size` bytes whose `keyAt` byte picks the next layer in `table`. */
function toyLayer(field: string, size: number, keyAt: number, table: string): LayerDissector {
  return (buf, start, end) => {
    requireBytes(field, start, size, end);
    if (buf[start] === 0xff) throw new DecodeError('bad-value', field, start, 'first byte 0xff');
    return {
      node: {
        field,
        name: field,
        offset: start,
        length: size,
        children: [
          { field: `${field}.key`, name: 'Key', offset: start + keyAt, length: 1, value: buf[start + keyAt] },
        ],
      },
      next: { table, keys: [buf[start + keyAt]], start: start + size, end },
    };
  };
}
const eth = toyLayer('eth', 14, 13, 'ethertype');
const ip = toyLayer('ip', 20, 9, 'ip.proto');
const tcp: LayerDissector = (buf, start, end) => {
  requireBytes('tcp', start, 4, end);
  return {
    node: { field: 'tcp', name: 'TCP', offset: start, length: 4 },
    next: { table: 'tcp.port', keys: [readU16(buf, start + 2)], start: start + 4, end },
  };
};
const bindings = [
  { table: LINK_TABLE, key: 1, layer: 'eth' },
  { table: 'ethertype', key: 0x00, layer: 'ip' },
  { table: 'ip.proto', key: 6, layer: 'tcp' },
  { table: 'ip.proto', key: 0, layer: 'ip' },
];

/** A walker made from a dissector (what a real walker must be equivalent to), counting its calls. */
function walkerOf(d: LayerDissector, calls: string[]): LayerWalker {
  return (buf, start, end, context) => {
    const { node, next } = d(buf, start, end, context);
    calls.push(node.field);
    return { field: node.field, next };
  };
}

function expectSamePath(registry: DissectorRegistry, bytes: Uint8Array, originalLength?: number) {
  const full = dissect(registry, bytes, undefined, 0, bytes.length, originalLength);
  const path = dissectLayerPath(registry, bytes, undefined, 0, bytes.length, originalLength);
  expect(path.layers).toEqual(full.layers.map((l) => l.field));
  expect(path.malformed?.toJSON()).toEqual(full.malformed?.toJSON());
}

describe('dissectLayerPath', () => {
  const registry = composeDissectors({ layers: { eth, ip, tcp }, bindings });

  it('names the layers dissect finds, with `data` for unclaimed bytes', () => {
    const path = dissectLayerPath(registry, frame);
    expect(path).toEqual({ layers: ['eth', 'ip', 'tcp', 'data'] });
    expect(dissect(registry, frame).layers.map((l) => l.field)).toEqual(path.layers);
  });

  it('reports the same malformed error, keeping the layers before it', () => {
    const cut = frame.subarray(0, 30);
    const path = dissectLayerPath(registry, cut);
    expect(path.layers).toEqual(['eth']);
    expect(path.malformed).toBeInstanceOf(DecodeError);
    expectSamePath(registry, cut);
  });

  it('reuses `into`, clearing it first', () => {
    const into = ['stale', 'names'];
    const path = dissectLayerPath(registry, frame, undefined, 0, frame.length, frame.length, into);
    expect(path.layers).toBe(into);
    expect(into).toEqual(['eth', 'ip', 'tcp', 'data']);
  });

  it('agrees with dissect on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(100), (bytes, extra) => {
        expectSamePath(registry, bytes, bytes.length + extra);
      }),
      { numRuns: 2000 },
    );
  });

  it('uses a layer walker where the registry has one, and dissect never does', () => {
    const calls: string[] = [];
    const walked = composeDissectors({
      layers: { eth, ip, tcp },
      bindings,
      walkers: { ip: walkerOf(ip, calls) },
    });
    expect(dissectLayerPath(walked, frame).layers).toEqual(['eth', 'ip', 'tcp', 'data']);
    expect(calls).toEqual(['ip']);
    dissect(walked, frame);
    expect(calls).toEqual(['ip']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => expectSamePath(walked, bytes)),
      { numRuns: 2000 },
    );
  });

  it('a later set replacing a dissector drops the earlier set’s walker for it', () => {
    const calls: string[] = [];
    const other: LayerDissector = (_buf, start) => ({
      node: { field: 'other', name: 'o', offset: start, length: 0 },
    });
    const r = composeDissectors(
      { layers: { eth, ip, tcp }, bindings, walkers: { ip: walkerOf(ip, calls) } },
      { layers: { ip: other }, bindings: [] },
    );
    expect(r.walkers?.has('ip')).toBe(false);
    expect(dissectLayerPath(r, frame).layers).toEqual(['eth', 'other']);
    expect(calls).toEqual([]);
  });
});
