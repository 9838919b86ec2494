/**
 * Sets of taken offsets inside one range [0, size), answering "first free offset at or after x"
 * in logarithmic time whatever the number taken: a bitmap with summary levels for ranges up to
 * 2^24 addresses; beyond that (IPv6 /64s) pages of 4096 offsets, each such a bitmap, made only where
 * something is taken and dropped again when full or empty, with the full pages kept as runs in a treap.
 */
export interface OffsetSet {
  readonly size: bigint;
  /** Offsets taken. */
  readonly count: number;
  has(offset: bigint): boolean;
  /** Marks taken; false when it already was. */
  add(offset: bigint): boolean;
  /** Marks free; false when it already was. */
  delete(offset: bigint): boolean;
  /** The smallest free offset in [from, to] (to inclusive, default size-1), or undefined. */
  nextFree(from: bigint, to?: bigint): bigint | undefined;
  /** Marks every offset of [lo, hi] taken; none of them may be taken already. */
  addRun(lo: bigint, hi: bigint): void;
  clear(): void;
  // The same for offsets that are safe integers inside the set (no BigInt work): the allocators' hot path.
  hasAt(offset: number): boolean;
  addAt(offset: number): boolean;
  deleteAt(offset: number): boolean;
  /** The smallest free offset in [from, to], or -1. */
  nextFreeAt(from: number, to: number): number;
}

export const BITMAP_MAX_SIZE = 1n << 24n;

/** Offsets per page of a PagedOffsetSet. */
export const PAGE_SIZE = 4096;

export function createOffsetSet(size: bigint): OffsetSet {
  return size <= BITMAP_MAX_SIZE ? new BitmapOffsetSet(Number(size)) : new PagedOffsetSet(size);
}

let steps = 0;

/**
 * Bitmap words and tree nodes visited by every offset set so far: a count of work that, unlike a
 * clock, does not depend on the machine, for tests of how the cost grows with what is taken.
 */
export function offsetSetSteps(): number {
  return steps;
}

const FULL = 0xffffffff | 0;

function lowestZero(word: number): number {
  const inv = ~word;
  return 31 - Math.clz32(inv & -inv);
}

/** Level 0: one bit per offset (1 = taken). Level k+1: one bit per level-k word (1 = word full). */
export class BitmapOffsetSet implements OffsetSet {
  readonly size: bigint;
  count = 0;
  readonly n: number;
  private readonly levels: Int32Array[] = [];

  constructor(size: number) {
    this.n = size;
    this.size = BigInt(size);
    let bits = Math.max(size, 1);
    do {
      this.levels.push(new Int32Array(Math.ceil(bits / 32)));
      bits = Math.ceil(bits / 32);
    } while (bits > 1);
    this.clear();
  }

  clear(): void {
    this.count = 0;
    // Bits past the end of each level are set, so a last partial word reads as full when its real bits are.
    let bits = this.n;
    for (const level of this.levels) {
      level.fill(0);
      const rest = bits & 31;
      if (rest !== 0) level[level.length - 1] = FULL << rest;
      if (bits === 0) level[0] = FULL;
      bits = Math.ceil(bits / 32);
    }
    for (let l = 0; l + 1 < this.levels.length; l++) {
      const level = this.levels[l];
      for (let w = 0; w < level.length; w++) if (level[w] === FULL) this.setBit(l + 1, w);
    }
  }

  /** Marks every offset taken. */
  fill(): void {
    for (const level of this.levels) level.fill(FULL);
    this.count = this.n;
  }

  has(offset: bigint): boolean {
    return offset >= 0n && offset < this.size && this.hasAt(Number(offset));
  }

  hasAt(i: number): boolean {
    return (this.levels[0][i >>> 5] & (1 << (i & 31))) !== 0;
  }

  add(offset: bigint): boolean {
    if (offset < 0n || offset >= this.size) throw new RangeError(`offset ${offset} outside 0..${this.n - 1}`);
    return this.addAt(Number(offset));
  }

  addAt(i: number): boolean {
    const level = this.levels[0];
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    steps++;
    if ((level[w] & bit) !== 0) return false;
    level[w] |= bit;
    this.count++;
    if (level[w] === FULL && this.levels.length > 1) this.setBit(1, w);
    return true;
  }

  delete(offset: bigint): boolean {
    return offset >= 0n && offset < this.size && this.deleteAt(Number(offset));
  }

  deleteAt(i: number): boolean {
    const level = this.levels[0];
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    steps++;
    if ((level[w] & bit) === 0) return false;
    const wasFull = level[w] === FULL;
    level[w] &= ~bit;
    this.count--;
    if (wasFull && this.levels.length > 1) this.clearBit(1, w);
    return true;
  }

  nextFree(from: bigint, to: bigint = this.size - 1n): bigint | undefined {
    if (from < 0n) from = 0n;
    if (to >= this.size) to = this.size - 1n;
    if (from > to) return undefined;
    const found = this.nextFreeAt(Number(from), Number(to));
    return found < 0 ? undefined : BigInt(found);
  }

  nextFreeAt(from: number, to: number): number {
    if (from > to || from >= this.n) return -1;
    const found = this.findZero(0, from);
    return found < 0 || found > to ? -1 : found;
  }

  addRun(lo: bigint, hi: bigint): void {
    if (lo < 0n || hi >= this.size || hi < lo)
      throw new RangeError(`run ${lo}..${hi} outside 0..${this.n - 1}`);
    const a = Number(lo);
    const b = Number(hi);
    for (let i = a; i <= b; i++)
      if (this.hasAt(i)) throw new RangeError(`run ${lo}..${hi} overlaps a taken offset`);
    for (let i = a; i <= b; i++) this.addAt(i);
  }

  private setBit(l: number, i: number): void {
    for (; l < this.levels.length; l++) {
      const level = this.levels[l];
      const w = i >>> 5;
      steps++;
      level[w] |= 1 << (i & 31);
      if (level[w] !== FULL) return;
      i = w;
    }
  }

  private clearBit(l: number, i: number): void {
    for (; l < this.levels.length; l++) {
      const level = this.levels[l];
      const w = i >>> 5;
      steps++;
      const wasFull = level[w] === FULL;
      level[w] &= ~(1 << (i & 31));
      if (!wasFull) return;
      i = w;
    }
  }

  /** First index >= i whose bit at level l is 0, or -1. */
  private findZero(l: number, i: number): number {
    const level = this.levels[l];
    const w = i >>> 5;
    if (w >= level.length) return -1;
    steps++;
    const b = i & 31;
    const word = level[w] | (b === 0 ? 0 : ~(FULL << b));
    if (word !== FULL) return (w << 5) + lowestZero(word);
    if (l + 1 >= this.levels.length) return -1;
    const next = this.findZero(l + 1, w + 1);
    steps++;
    return next < 0 ? -1 : (next << 5) + lowestZero(level[next]);
  }
}

interface RunNode {
  lo: bigint;
  hi: bigint;
  priority: number;
  left: RunNode | null;
  right: RunNode | null;
}

/**
 * Taken offsets as disjoint, non-adjacent runs [lo, hi] in a treap keyed by lo: any size (2^128),
 * memory per run. PagedOffsetSet keeps its full pages in one.
 */
export class SparseOffsetSet implements OffsetSet {
  count = 0;
  private root: RunNode | null = null;

  constructor(readonly size: bigint) {}

  clear(): void {
    this.root = null;
    this.count = 0;
  }

  has(offset: bigint): boolean {
    const run = this.floor(offset);
    return run !== null && run.hi >= offset;
  }

  hasAt(offset: number): boolean {
    return this.has(BigInt(offset));
  }

  add(offset: bigint): boolean {
    if (offset < 0n || offset >= this.size)
      throw new RangeError(`offset ${offset} outside 0..${this.size - 1n}`);
    const before = this.floor(offset);
    if (before !== null && before.hi >= offset) return false;
    const after = this.higher(offset);
    const joinsBefore = before !== null && before.hi + 1n === offset;
    const joinsAfter = after !== null && after.lo === offset + 1n;
    if (joinsBefore && joinsAfter) {
      before.hi = after.hi;
      this.remove(after.lo);
    } else if (joinsBefore) before.hi = offset;
    else if (joinsAfter) after.lo = offset;
    else this.insert({ lo: offset, hi: offset, priority: Math.random(), left: null, right: null });
    this.count++;
    return true;
  }

  addAt(offset: number): boolean {
    return this.add(BigInt(offset));
  }

  delete(offset: bigint): boolean {
    const run = this.floor(offset);
    if (run === null || run.hi < offset) return false;
    if (run.lo === run.hi) this.remove(run.lo);
    else if (run.lo === offset) run.lo = offset + 1n;
    else if (run.hi === offset) run.hi = offset - 1n;
    else {
      const hi = run.hi;
      run.hi = offset - 1n;
      this.insert({ lo: offset + 1n, hi, priority: Math.random(), left: null, right: null });
    }
    this.count--;
    return true;
  }

  deleteAt(offset: number): boolean {
    return this.delete(BigInt(offset));
  }

  nextFree(from: bigint, to: bigint = this.size - 1n): bigint | undefined {
    if (from < 0n) from = 0n;
    if (to >= this.size) to = this.size - 1n;
    const run = this.floor(from);
    // Runs never touch, so the offset after a run is free.
    const candidate = run !== null && run.hi >= from ? run.hi + 1n : from;
    return candidate <= to ? candidate : undefined;
  }

  nextFreeAt(from: number, to: number): number {
    const found = this.nextFree(BigInt(from), BigInt(to));
    return found === undefined ? -1 : Number(found);
  }

  /** Marks [lo, hi] taken in one step (an excluded IPv6 prefix can hold 2^60 addresses), joining touching runs. */
  addRun(lo: bigint, hi: bigint): void {
    if (lo < 0n || hi >= this.size || hi < lo)
      throw new RangeError(`run ${lo}..${hi} outside 0..${this.size - 1n}`);
    const overlap = this.floor(hi);
    if (overlap !== null && overlap.hi >= lo) throw new RangeError(`run ${lo}..${hi} overlaps a taken run`);
    const before = this.floor(lo);
    const after = this.higher(hi);
    this.count += Number(hi - lo + 1n);
    if (before !== null && before.hi + 1n === lo) {
      this.remove(before.lo);
      lo = before.lo;
    }
    if (after !== null && after.lo === hi + 1n) {
      this.remove(after.lo);
      hi = after.hi;
    }
    this.insert({ lo, hi, priority: Math.random(), left: null, right: null });
  }

  /** The run with the largest lo <= x. */
  private floor(x: bigint): RunNode | null {
    let node = this.root;
    let best: RunNode | null = null;
    while (node !== null) {
      steps++;
      if (node.lo <= x) {
        best = node;
        node = node.right;
      } else node = node.left;
    }
    return best;
  }

  /** The run with the smallest lo > x. */
  private higher(x: bigint): RunNode | null {
    let node = this.root;
    let best: RunNode | null = null;
    while (node !== null) {
      steps++;
      if (node.lo > x) {
        best = node;
        node = node.left;
      } else node = node.right;
    }
    return best;
  }

  private insert(n: RunNode): void {
    const [l, r] = split(this.root, n.lo);
    this.root = merge(merge(l, n), r);
  }

  private remove(lo: bigint): void {
    const [l, rest] = split(this.root, lo);
    const [, r] = split(rest, lo + 1n);
    this.root = merge(l, r);
  }
}

/** Splits into (lo < key, lo >= key). */
function split(t: RunNode | null, key: bigint): [RunNode | null, RunNode | null] {
  if (t === null) return [null, null];
  steps++;
  if (t.lo < key) {
    const [a, b] = split(t.right, key);
    t.right = a;
    return [t, b];
  }
  const [a, b] = split(t.left, key);
  t.left = b;
  return [a, t];
}

function merge(a: RunNode | null, b: RunNode | null): RunNode | null {
  if (a === null) return b;
  if (b === null) return a;
  steps++;
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    return a;
  }
  b.left = merge(a, b.left);
  return b;
}

const PAGE_SHIFT = 12n;
const PAGE_MASK = BigInt(PAGE_SIZE - 1);
/** Page indexes below 2^53 are numbers (every page of a /64 range); beyond, bigints. */
type PageKey = number | bigint;

function pageKey(page: bigint): PageKey {
  return page <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(page) : page;
}

/**
 * For ranges too large for one bitmap: the range cut into pages of PAGE_SIZE offsets. A page with
 * some but not all offsets taken is a BitmapOffsetSet in a map; an empty page is absent; a full page
 * is absent too and its index is in `full`, a SparseOffsetSet of page indexes (so an excluded /80 in
 * a /64 costs one run). Memory grows with the pages in use, never with the range's size.
 */
export class PagedOffsetSet implements OffsetSet {
  count = 0;
  private readonly pages = new Map<PageKey, BitmapOffsetSet>();
  private readonly full: SparseOffsetSet;
  private readonly lastPage: PageKey;
  private readonly lastPageSize: number;
  // Where seek() found a free offset.
  private foundPage: PageKey = 0;
  private foundBit = 0;

  constructor(readonly size: bigint) {
    if (size < 1n) throw new RangeError(`size must be at least 1, got ${size}`);
    const last = (size - 1n) >> PAGE_SHIFT;
    this.lastPage = pageKey(last);
    this.lastPageSize = Number(size - (last << PAGE_SHIFT));
    this.full = new SparseOffsetSet(last + 1n);
  }

  /** Pages held as bitmaps now (partly taken): the memory in use, about 600 bytes each. */
  get pageCount(): number {
    return this.pages.size;
  }

  clear(): void {
    this.pages.clear();
    this.full.clear();
    this.count = 0;
  }

  private pageSizeOf(page: PageKey): number {
    return page === this.lastPage ? this.lastPageSize : PAGE_SIZE;
  }

  private hasIn(page: PageKey, bit: number): boolean {
    const p = this.pages.get(page);
    steps++;
    if (p !== undefined) return p.hasAt(bit);
    return this.full.has(BigInt(page));
  }

  private addIn(page: PageKey, bit: number): boolean {
    let p = this.pages.get(page);
    steps++;
    if (p === undefined) {
      if (this.full.has(BigInt(page))) return false;
      p = new BitmapOffsetSet(this.pageSizeOf(page));
      this.pages.set(page, p);
    }
    if (!p.addAt(bit)) return false;
    this.count++;
    if (p.count === p.n) {
      this.pages.delete(page);
      this.full.add(BigInt(page));
    }
    return true;
  }

  private deleteIn(page: PageKey, bit: number): boolean {
    let p = this.pages.get(page);
    steps++;
    if (p === undefined) {
      if (!this.full.delete(BigInt(page))) return false;
      p = new BitmapOffsetSet(this.pageSizeOf(page));
      p.fill();
      this.pages.set(page, p);
    }
    if (!p.deleteAt(bit)) return false;
    this.count--;
    if (p.count === 0) this.pages.delete(page);
    return true;
  }

  /** Finds the first free offset at or after (page, bit); sets foundPage/foundBit. */
  private seek(page: PageKey, bit: number): boolean {
    for (;;) {
      if (page > this.lastPage) return false;
      const p = this.pages.get(page);
      steps++;
      if (p !== undefined) {
        const f = p.nextFreeAt(bit, p.n - 1);
        if (f >= 0) {
          this.foundPage = page;
          this.foundBit = f;
          return true;
        }
      } else {
        const next = this.full.nextFree(BigInt(page));
        if (next === undefined) return false;
        const key = pageKey(next);
        if (key === page) {
          this.foundPage = page;
          this.foundBit = bit;
          return true;
        }
        page = key;
        bit = 0;
        continue;
      }
      page =
        typeof page === 'number' && page < Number.MAX_SAFE_INTEGER ? page + 1 : pageKey(BigInt(page) + 1n);
      bit = 0;
    }
  }

  has(offset: bigint): boolean {
    if (offset < 0n || offset >= this.size) return false;
    return this.hasIn(pageKey(offset >> PAGE_SHIFT), Number(offset & PAGE_MASK));
  }

  hasAt(offset: number): boolean {
    return this.hasIn(Math.floor(offset / PAGE_SIZE), offset % PAGE_SIZE);
  }

  add(offset: bigint): boolean {
    if (offset < 0n || offset >= this.size)
      throw new RangeError(`offset ${offset} outside 0..${this.size - 1n}`);
    return this.addIn(pageKey(offset >> PAGE_SHIFT), Number(offset & PAGE_MASK));
  }

  addAt(offset: number): boolean {
    return this.addIn(Math.floor(offset / PAGE_SIZE), offset % PAGE_SIZE);
  }

  delete(offset: bigint): boolean {
    if (offset < 0n || offset >= this.size) return false;
    return this.deleteIn(pageKey(offset >> PAGE_SHIFT), Number(offset & PAGE_MASK));
  }

  deleteAt(offset: number): boolean {
    return this.deleteIn(Math.floor(offset / PAGE_SIZE), offset % PAGE_SIZE);
  }

  nextFree(from: bigint, to: bigint = this.size - 1n): bigint | undefined {
    if (from < 0n) from = 0n;
    if (to >= this.size) to = this.size - 1n;
    if (from > to) return undefined;
    if (!this.seek(pageKey(from >> PAGE_SHIFT), Number(from & PAGE_MASK))) return undefined;
    const found = (BigInt(this.foundPage) << PAGE_SHIFT) + BigInt(this.foundBit);
    return found <= to ? found : undefined;
  }

  nextFreeAt(from: number, to: number): number {
    if (from > to) return -1;
    if (!this.seek(Math.floor(from / PAGE_SIZE), from % PAGE_SIZE)) return -1;
    const page = this.foundPage;
    if (typeof page !== 'number') return -1;
    const found = page * PAGE_SIZE + this.foundBit;
    return found <= to ? found : -1;
  }

  addRun(lo: bigint, hi: bigint): void {
    if (lo < 0n || hi >= this.size || hi < lo)
      throw new RangeError(`run ${lo}..${hi} outside 0..${this.size - 1n}`);
    const firstPage = lo >> PAGE_SHIFT;
    const lastPage = hi >> PAGE_SHIFT;
    // Whole pages go to `full` at once; the partial pages at either end bit by bit.
    const wholeFrom = (lo & PAGE_MASK) === 0n ? firstPage : firstPage + 1n;
    const wholeTo =
      hi === ((lastPage + 1n) << PAGE_SHIFT) - 1n || hi === this.size - 1n ? lastPage : lastPage - 1n;
    const bits: [bigint, bigint][] = [];
    if (wholeFrom > wholeTo) {
      if (firstPage === lastPage) bits.push([lo, hi]);
      else bits.push([lo, (lastPage << PAGE_SHIFT) - 1n], [lastPage << PAGE_SHIFT, hi]);
    } else {
      if (wholeFrom > firstPage) bits.push([lo, (wholeFrom << PAGE_SHIFT) - 1n]);
      if (wholeTo < lastPage) bits.push([lastPage << PAGE_SHIFT, hi]);
    }
    for (const [a, b] of bits) {
      for (let v = a; v <= b; v++)
        if (this.has(v)) throw new RangeError(`run ${lo}..${hi} overlaps a taken offset`);
    }
    if (wholeFrom <= wholeTo) {
      for (const k of this.pages.keys()) {
        if (BigInt(k) >= wholeFrom && BigInt(k) <= wholeTo)
          throw new RangeError(`run ${lo}..${hi} overlaps a taken offset`);
      }
      this.full.addRun(wholeFrom, wholeTo);
      const end = (wholeTo + 1n) << PAGE_SHIFT;
      this.count += Number((end < this.size ? end : this.size) - (wholeFrom << PAGE_SHIFT));
    }
    for (const [a, b] of bits) for (let v = a; v <= b; v++) this.add(v);
  }
}
