import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitmapOffsetSet, type OffsetSet, SparseOffsetSet } from '../src/index.js';

type Op = { kind: 'add' | 'delete' | 'next'; at: number; to: number };

function check(make: (size: number) => OffsetSet, maxSize: number) {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: maxSize }),
      fc.array(
        fc.record({
          kind: fc.constantFrom('add' as const, 'add' as const, 'delete' as const, 'next' as const),
          at: fc.nat(),
          to: fc.nat(),
        }),
        { maxLength: 300 },
      ),
      (size, ops: Op[]) => {
        const set = make(size);
        const model = new Set<number>();
        for (const op of ops) {
          const at = op.at % size;
          if (op.kind === 'add') {
            expect(set.add(BigInt(at))).toBe(!model.has(at));
            model.add(at);
          } else if (op.kind === 'delete') expect(set.delete(BigInt(at))).toBe(model.delete(at));
          else {
            const to = at + (op.to % (size - at));
            let want: number | undefined;
            for (let i = at; i <= to; i++) {
              if (!model.has(i)) {
                want = i;
                break;
              }
            }
            expect(set.nextFree(BigInt(at), BigInt(to))).toBe(want === undefined ? undefined : BigInt(want));
          }
          expect(set.count).toBe(model.size);
        }
        for (let i = 0; i < size; i++) expect(set.has(BigInt(i))).toBe(model.has(i));
      },
    ),
    { numRuns: 150 },
  );
}

describe('offset sets against a plain Set model', () => {
  it('bitmap (sizes across word and summary-level boundaries)', () =>
    check((n) => new BitmapOffsetSet(n), 2100));
  it('sparse treap of runs', () => check((n) => new SparseOffsetSet(BigInt(n)), 2100));
  it('bitmap: a full 2^16 range then one hole is found from anywhere', () => {
    const s = new BitmapOffsetSet(65536);
    for (let i = 0; i < 65536; i++) s.add(BigInt(i));
    expect(s.nextFree(0n)).toBeUndefined();
    s.delete(40000n);
    expect(s.nextFree(0n)).toBe(40000n);
    expect(s.nextFree(40001n)).toBeUndefined();
  });
  it('sparse: a /64 worth of offsets', () => {
    const s = new SparseOffsetSet(1n << 64n);
    s.add((1n << 64n) - 1n);
    expect(s.nextFree((1n << 64n) - 1n)).toBeUndefined();
    for (let i = 0n; i < 1000n; i++) s.add(i);
    expect(s.nextFree(0n)).toBe(1000n);
    s.delete(500n);
    expect(s.nextFree(0n)).toBe(500n);
  });
});
