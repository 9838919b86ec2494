import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BitmapOffsetSet,
  createOffsetSet,
  type OffsetSet,
  offsetSetSteps,
  PAGE_SIZE,
  PagedOffsetSet,
  SparseOffsetSet,
} from '../src/index.js';

type Op = { kind: 'add' | 'delete' | 'next' | 'run'; at: number; to: number };

/** Random ops against a plain Set; `runs` adds 'run' ops (addRun of up to 3 pages, applied only where all is free). */
function check(
  make: (size: number) => OffsetSet,
  maxSize: number,
  runs = false,
  numbers = false,
  numRuns = 150,
) {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: maxSize }),
      fc.array(
        fc.record({
          kind: runs
            ? fc.constantFrom('add' as const, 'delete' as const, 'next' as const, 'run' as const)
            : fc.constantFrom('add' as const, 'add' as const, 'delete' as const, 'next' as const),
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
          if (op.kind === 'run') {
            const hi = Math.min(size - 1, at + (op.to % (3 * PAGE_SIZE)));
            let free = true;
            for (let i = at; i <= hi && free; i++) free = !model.has(i);
            if (!free) {
              expect(() => set.addRun(BigInt(at), BigInt(hi))).toThrow(RangeError);
              continue;
            }
            set.addRun(BigInt(at), BigInt(hi));
            for (let i = at; i <= hi; i++) model.add(i);
          } else if (op.kind === 'add') {
            expect(numbers ? set.addAt(at) : set.add(BigInt(at))).toBe(!model.has(at));
            model.add(at);
          } else if (op.kind === 'delete')
            expect(numbers ? set.deleteAt(at) : set.delete(BigInt(at))).toBe(model.delete(at));
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
            expect(set.nextFreeAt(at, to)).toBe(want ?? -1);
          }
          expect(set.count).toBe(model.size);
        }
        for (let i = 0; i < size; i++) {
          expect(set.has(BigInt(i))).toBe(model.has(i));
          expect(set.hasAt(i)).toBe(model.has(i));
        }
      },
    ),
    { numRuns },
  );
}

describe('offset sets against a plain Set model', () => {
  it('bitmap (sizes across word and summary-level boundaries)', () =>
    check((n) => new BitmapOffsetSet(n), 2100));
  it('sparse treap of runs', () => check((n) => new SparseOffsetSet(BigInt(n)), 2100));
  it('bitmap with runs and the number methods', () => check((n) => new BitmapOffsetSet(n), 2100, true, true));
  it('paged (1 to 5 pages, runs across page ends, pages filling and emptying)', () =>
    check((n) => new PagedOffsetSet(BigInt(n)), 4 * PAGE_SIZE + 17, true, false, 25));
  it('paged, number methods', () =>
    check((n) => new PagedOffsetSet(BigInt(n)), 3 * PAGE_SIZE, true, true, 25));
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

/** Steps (words and tree nodes visited, offsetSetSteps()) of one call. */
function stepsOf(f: () => unknown): number {
  const before = offsetSetSteps();
  f();
  return offsetSetSteps() - before;
}

describe('cost grows at most with the logarithm of what is taken', () => {
  it('bitmap: one free offset far from the start, found in steps ~ levels, not ~ taken / 32', () => {
    const got: [number, number][] = [];
    for (const k of [6, 10, 14, 18, 22]) {
      const n = 2 ** k;
      const set = new BitmapOffsetSet(n);
      set.addRun(0n, BigInt(n - 1));
      set.deleteAt(n - 2);
      got.push([k, stepsOf(() => expect(set.nextFreeAt(0, n - 1)).toBe(n - 2))]);
      expect(set.count).toBe(n - 1);
    }
    // 2^6 taken: 2 levels; 2^22: 5 levels. A word-by-word scan would visit 2^22 / 32 = 131072 words.
    const small = got[0][1];
    for (const [k, steps] of got) expect(steps, `2^${k} taken`).toBeLessThanOrEqual(2 * Math.ceil(k / 5) + 2);
    expect(got[got.length - 1][1]).toBeLessThanOrEqual(small * 3);
  });

  it('paged (a /64): jumping a full run among many is a treap search, ~ log of the runs', () => {
    const got: [number, number][] = [];
    for (const k of [4, 8, 12, 15]) {
      const runs = 2 ** k;
      const set = new PagedOffsetSet(1n << 64n);
      const page = BigInt(PAGE_SIZE);
      // Every other page full: `runs` separate full-page runs, no page materialised.
      for (let i = 0n; i < BigInt(runs); i++) set.addRun(2n * i * page, 2n * i * page + page - 1n);
      expect(set.pageCount).toBe(0);
      expect(set.count).toBe(runs * PAGE_SIZE);
      let worst = 0;
      for (let t = 0; t < 64; t++) {
        const i = BigInt(Math.floor(Math.random() * runs));
        const s = stepsOf(() => expect(set.nextFree(2n * i * page + 5n)).toBe((2n * i + 1n) * page));
        worst = Math.max(worst, s);
      }
      got.push([k, worst]);
    }
    // A treap's depth is O(log n) with high probability (about 3 log2 n at the worst of 64 searches);
    // a scan over the runs would need 2^15 steps.
    for (const [k, steps] of got) expect(steps, `2^${k} runs`).toBeLessThanOrEqual(12 + 8 * k);
  });

  it('rangePool-shaped use of a /64: 300,000 in order keep at most one page and a few steps each', () => {
    const set = createOffsetSet(1n << 64n) as PagedOffsetSet;
    expect(set).toBeInstanceOf(PagedOffsetSet);
    let worst = 0;
    let maxPages = 0;
    let at = 0;
    for (let i = 0; i < 300_000; i++) {
      const s = stepsOf(() => {
        at = set.nextFreeAt(at, Number.MAX_SAFE_INTEGER);
        set.addAt(at);
      });
      worst = Math.max(worst, s);
      maxPages = Math.max(maxPages, set.pageCount);
    }
    expect(at).toBe(299_999);
    expect(maxPages).toBe(1);
    expect(worst).toBeLessThanOrEqual(40);
    expect(set.pageCount).toBe(1); // the last, partly taken page (300,000 is not a multiple of 4096)
  });
});

describe('a /64 stays sparse', () => {
  it('scattered addresses cost one page each, and nothing once released', () => {
    const set = new PagedOffsetSet(1n << 64n);
    const taken = new Set<bigint>();
    let x = 0x9e3779b97f4a7c15n;
    while (taken.size < 5000) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      taken.add(x);
    }
    for (const v of taken) expect(set.add(v)).toBe(true);
    const pages = new Set([...taken].map((v) => v / BigInt(PAGE_SIZE)));
    expect(set.pageCount).toBe(pages.size);
    expect(set.count).toBe(taken.size);
    for (const v of taken) expect(set.has(v)).toBe(true);
    for (const v of taken) expect(set.nextFree(v)).toBe(taken.has(v + 1n) ? set.nextFree(v + 1n) : v + 1n);
    for (const v of taken) expect(set.delete(v)).toBe(true);
    expect(set.pageCount).toBe(0);
    expect(set.count).toBe(0);
    expect(set.nextFree(0n)).toBe(0n);
  });

  it('a page that fills is dropped into the full runs, and one delete brings it back', () => {
    const set = new PagedOffsetSet(1n << 64n);
    for (let i = 0; i < 3 * PAGE_SIZE; i++) set.addAt(i);
    expect(set.pageCount).toBe(0);
    expect(set.nextFreeAt(0, 10 * PAGE_SIZE)).toBe(3 * PAGE_SIZE);
    expect(set.deleteAt(PAGE_SIZE + 7)).toBe(true);
    expect(set.pageCount).toBe(1);
    expect(set.nextFreeAt(0, 10 * PAGE_SIZE)).toBe(PAGE_SIZE + 7);
    expect(set.hasAt(PAGE_SIZE + 6)).toBe(true);
    expect(set.addAt(PAGE_SIZE + 7)).toBe(true);
    expect(set.pageCount).toBe(0);
    expect(set.count).toBe(3 * PAGE_SIZE);
  });
});
