/**
 * Sets of taken offsets inside one range [0, size), answering "first free offset at or after x"
 * in logarithmic time whatever the number taken: a bitmap with summary levels for ranges up to
 * 2^24 addresses, a treap of taken runs for anything larger (IPv6 /64s).
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
  clear(): void;
}

export const BITMAP_MAX_SIZE = 1n << 24n;

export function createOffsetSet(size: bigint): OffsetSet {
  return size <= BITMAP_MAX_SIZE ? new BitmapOffsetSet(Number(size)) : new SparseOffsetSet(size);
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
  private readonly levels: Int32Array[] = [];
  private readonly n: number;

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

  has(offset: bigint): boolean {
    const i = Number(offset);
    return i >= 0 && i < this.n && (this.levels[0][i >>> 5] & (1 << (i & 31))) !== 0;
  }

  add(offset: bigint): boolean {
    const i = Number(offset);
    if (i < 0 || i >= this.n) throw new RangeError(`offset ${offset} outside 0..${this.n - 1}`);
    const level = this.levels[0];
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    if ((level[w] & bit) !== 0) return false;
    level[w] |= bit;
    this.count++;
    if (level[w] === FULL) this.setBit(1, w);
    return true;
  }

  delete(offset: bigint): boolean {
    const i = Number(offset);
    if (i < 0 || i >= this.n) return false;
    const level = this.levels[0];
    const w = i >>> 5;
    const bit = 1 << (i & 31);
    if ((level[w] & bit) === 0) return false;
    const wasFull = level[w] === FULL;
    level[w] &= ~bit;
    this.count--;
    if (wasFull) this.clearBit(1, w);
    return true;
  }

  nextFree(from: bigint, to: bigint = this.size - 1n): bigint | undefined {
    if (from < 0n) from = 0n;
    if (from > to || from >= this.size) return undefined;
    const found = this.findZero(0, Number(from));
    return found < 0 || found > Number(to) ? undefined : BigInt(found);
  }

  private setBit(l: number, i: number): void {
    for (; l < this.levels.length; l++) {
      const level = this.levels[l];
      const w = i >>> 5;
      level[w] |= 1 << (i & 31);
      if (level[w] !== FULL) return;
      i = w;
    }
  }

  private clearBit(l: number, i: number): void {
    for (; l < this.levels.length; l++) {
      const level = this.levels[l];
      const w = i >>> 5;
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
    const b = i & 31;
    const word = level[w] | (b === 0 ? 0 : ~(FULL << b));
    if (word !== FULL) return (w << 5) + lowestZero(word);
    if (l + 1 >= this.levels.length) return -1;
    const next = this.findZero(l + 1, w + 1);
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

/** Taken offsets as disjoint, non-adjacent runs [lo, hi] in a treap keyed by lo. */
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

  nextFree(from: bigint, to: bigint = this.size - 1n): bigint | undefined {
    if (from < 0n) from = 0n;
    if (to >= this.size) to = this.size - 1n;
    const run = this.floor(from);
    // Runs never touch, so the offset after a run is free.
    const candidate = run !== null && run.hi >= from ? run.hi + 1n : from;
    return candidate <= to ? candidate : undefined;
  }

  /**
   * Marks [lo, hi] taken in one step (an excluded IPv6 prefix can hold 2^60 addresses). The run must
   * not touch anything already taken, as the sorted, merged exclusions of a fresh set never do.
   */
  addRun(lo: bigint, hi: bigint): void {
    if (lo < 0n || hi >= this.size || hi < lo)
      throw new RangeError(`run ${lo}..${hi} outside 0..${this.size - 1n}`);
    const before = this.floor(hi + 1n);
    if (before !== null && before.hi >= lo - 1n) throw new RangeError(`run ${lo}..${hi} touches a taken run`);
    this.insert({ lo, hi, priority: Math.random(), left: null, right: null });
    this.count += Number(hi - lo + 1n);
  }

  /** The run with the largest lo <= x. */
  private floor(x: bigint): RunNode | null {
    let node = this.root;
    let best: RunNode | null = null;
    while (node !== null) {
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
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    return a;
  }
  b.left = merge(a, b.left);
  return b;
}
