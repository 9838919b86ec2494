import { DecodeError } from '@cnikit/wire';

/*
 * A streaming bzip2 decoder: compressed chunks in, decompressed chunks out, one block at a time.
 * Memory is bounded by the format, not the file: the compressed bytes of one block (read ahead
 * up to READ_AHEAD), the block's BWT vector (4 bytes per byte of a block, 3.6 MB at level 9) and
 * one output chunk. Concatenated streams (pbzip2, `cat a.bz2 b.bz2`) are read one after another.
 */

const LAYER = 'bzip2';
const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const END_MAGIC_HI = 0x177245;
const END_MAGIC_LO = 0x385090;
const GROUP_SIZE = 50;
const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LENGTH = 20;
const MAX_SELECTORS = 18002;
/** Compressed bytes held before a block is decoded: more than a block needs in practice. */
const READ_AHEAD = 1 << 20;
const OUTPUT_CHUNK = 1 << 16;

/** bzip2's CRC-32: polynomial 0x04c11db7, most significant bit first. */
const CRC_TABLE = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Thrown by the bit reader when the buffered input ends before the stream does. */
class NeedMore {}
const NEED_MORE = new NeedMore();

class BitReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  acc = 0;
  count = 0;
  /** Bytes dropped from the front of `buf` so far (for error offsets). */
  dropped = 0;
  eof = false;

  offset(): number {
    return this.dropped + this.pos;
  }

  fail(code: 'truncated' | 'bad-value' | 'bad-checksum' | 'unsupported', reason: string): DecodeError {
    return new DecodeError(code, LAYER, this.offset(), reason);
  }

  /** Up to 24 bits. */
  bits(n: number): number {
    while (this.count < n) {
      if (this.pos >= this.end) {
        if (this.eof) throw this.fail('truncated', 'stream ends inside a block');
        throw NEED_MORE;
      }
      this.acc = (this.acc << 8) | this.buf[this.pos++];
      this.count += 8;
    }
    this.count -= n;
    return (this.acc >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** Fills the accumulator to at least 24 bits, or to the end of the buffered input. */
  fill(): void {
    while (this.count < 24 && this.pos < this.end) {
      this.acc = (this.acc << 8) | this.buf[this.pos++];
      this.count += 8;
    }
  }
}

/** One canonical Huffman table (bzip2's limit/base/perm form). */
interface Table {
  minLength: number;
  maxLength: number;
  limit: Int32Array;
  base: Int32Array;
  perm: Uint16Array;
}

function makeTable(lengths: Uint8Array, alphaSize: number): Table {
  let minLength = 32;
  let maxLength = 0;
  for (let i = 0; i < alphaSize; i++) {
    if (lengths[i] > maxLength) maxLength = lengths[i];
    if (lengths[i] < minLength) minLength = lengths[i];
  }
  const perm = new Uint16Array(MAX_ALPHA);
  let p = 0;
  for (let len = minLength; len <= maxLength; len++)
    for (let s = 0; s < alphaSize; s++) if (lengths[s] === len) perm[p++] = s;
  const base = new Int32Array(MAX_CODE_LENGTH + 2);
  const limit = new Int32Array(MAX_CODE_LENGTH + 2);
  for (let s = 0; s < alphaSize; s++) base[lengths[s] + 1]++;
  for (let i = 1; i < base.length; i++) base[i] += base[i - 1];
  let code = 0;
  for (let len = minLength; len <= maxLength; len++) {
    code += base[len + 1] - base[len];
    limit[len] = code - 1;
    code <<= 1;
  }
  for (let len = minLength + 1; len <= maxLength; len++) base[len] = ((limit[len - 1] + 1) << 1) - base[len];
  return { minLength, maxLength, limit, base, perm };
}

function decodeSymbol(r: BitReader, t: Table, alphaSize: number): number {
  r.fill();
  let len = t.minLength;
  for (;;) {
    // Fewer bits buffered than the code needs (the end of the buffered input): bit by bit.
    if (len > r.count) return finishSymbol(r, t, alphaSize, len, r.bits(len));
    const code = (r.acc >>> (r.count - len)) & ((1 << len) - 1);
    if (code <= t.limit[len]) {
      r.count -= len;
      const i = code - t.base[len];
      if (i < 0 || i >= alphaSize) throw r.fail('bad-value', 'Huffman code out of range');
      return t.perm[i];
    }
    if (++len > t.maxLength) throw r.fail('bad-value', 'no Huffman code matches');
  }
}

/** The slow path of decodeSymbol, past the buffered bits: one more bit per step. */
function finishSymbol(r: BitReader, t: Table, alphaSize: number, len: number, code: number): number {
  let c = code;
  let l = len;
  while (c > t.limit[l]) {
    if (++l > t.maxLength) throw r.fail('bad-value', 'no Huffman code matches');
    c = (c << 1) | r.bit();
  }
  const i = c - t.base[l];
  if (i < 0 || i >= alphaSize) throw r.fail('bad-value', 'Huffman code out of range');
  return t.perm[i];
}

/**
 * Reads one block after its magic: fills tt with its bytes (BWT order) and returns the stored
 * CRC, the BWT origin pointer and the byte count.
 */
function readBlock(
  r: BitReader,
  tt: Uint32Array,
  maxBytes: number,
): { crc: number; origPtr: number; count: number } {
  const crc = ((r.bits(16) << 16) | r.bits(16)) >>> 0;
  if (r.bit()) throw r.fail('unsupported', 'randomised block (bzip2 0.9.0)');
  const origPtr = r.bits(24);
  const used = r.bits(16);
  const seqToUnseq = new Uint8Array(256);
  let inUse = 0;
  for (let i = 0; i < 16; i++) {
    if (!(used & (0x8000 >> i))) continue;
    const bits = r.bits(16);
    for (let j = 0; j < 16; j++) if (bits & (0x8000 >> j)) seqToUnseq[inUse++] = i * 16 + j;
  }
  if (inUse === 0) throw r.fail('bad-value', 'block uses no byte values');
  const alphaSize = inUse + 2;
  const groups = r.bits(3);
  if (groups < 2 || groups > MAX_GROUPS) throw r.fail('bad-value', `${groups} Huffman tables`);
  const selectorCount = r.bits(15);
  if (selectorCount < 1) throw r.fail('bad-value', 'no selectors');
  const selectors = new Uint8Array(Math.min(selectorCount, MAX_SELECTORS));
  const order = Uint8Array.of(0, 1, 2, 3, 4, 5);
  for (let i = 0; i < selectorCount; i++) {
    let j = 0;
    while (r.bit()) if (++j >= groups) throw r.fail('bad-value', 'selector past the tables');
    const v = order[j];
    for (; j > 0; j--) order[j] = order[j - 1];
    order[0] = v;
    if (i < MAX_SELECTORS) selectors[i] = v;
  }
  const tables: Table[] = [];
  const lengths = new Uint8Array(MAX_ALPHA);
  for (let t = 0; t < groups; t++) {
    let len = r.bits(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > MAX_CODE_LENGTH) throw r.fail('bad-value', `code length ${len}`);
        if (!r.bit()) break;
        len += r.bit() ? -1 : 1;
      }
      lengths[s] = len;
    }
    tables.push(makeTable(lengths, alphaSize));
  }

  const endOfBlock = inUse + 1;
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  let count = 0;
  let group = -1;
  let left = 0;
  let table = tables[0];
  let run = 0;
  let runWeight = 1;
  for (;;) {
    if (left === 0) {
      if (++group >= selectors.length) throw r.fail('bad-value', 'block longer than its selectors');
      table = tables[selectors[group]];
      left = GROUP_SIZE;
    }
    left--;
    const sym = decodeSymbol(r, table, alphaSize);
    if (sym <= 1) {
      // RUNA (1) and RUNB (2) digits of a run length in bijective base 2.
      run += (sym + 1) * runWeight;
      runWeight <<= 1;
      if (runWeight > maxBytes * 2) throw r.fail('bad-value', 'run longer than a block');
      continue;
    }
    if (run > 0) {
      if (count + run > maxBytes) throw r.fail('bad-value', 'block longer than its size');
      tt.fill(seqToUnseq[mtf[0]], count, count + run);
      count += run;
      run = 0;
      runWeight = 1;
    }
    if (sym === endOfBlock) break;
    if (count >= maxBytes) throw r.fail('bad-value', 'block longer than its size');
    let j = sym - 1;
    const v = mtf[j];
    for (; j > 0; j--) mtf[j] = mtf[j - 1];
    mtf[0] = v;
    tt[count++] = seqToUnseq[v];
  }
  if (origPtr >= count) throw r.fail('bad-value', `origin pointer ${origPtr} past ${count} bytes`);
  return { crc, origPtr, count };
}

/** Undoes the BWT and the initial run-length step; yields the block in chunks and checks its CRC. */
function* blockBytes(r: BitReader, tt: Uint32Array, block: { crc: number; origPtr: number; count: number }) {
  const { count } = block;
  const starts = new Int32Array(256);
  for (let i = 0; i < count; i++) starts[tt[i] & 0xff]++;
  for (let i = 0, sum = 0; i < 256; i++) {
    const n = starts[i];
    starts[i] = sum;
    sum += n;
  }
  for (let i = 0; i < count; i++) tt[starts[tt[i] & 0xff]++] |= i << 8;
  let out = new Uint8Array(OUTPUT_CHUNK);
  let n = 0;
  let crc = 0xffffffff;
  let at = tt[block.origPtr] >>> 8;
  let last = -1;
  let same = 0;
  for (let i = 0; i < count; i++) {
    const e = tt[at];
    const b = e & 0xff;
    at = e >>> 8;
    let copies = 1;
    if (same === 4) {
      // After four equal bytes, a count of further copies.
      copies = b;
      same = 0;
    } else if (b === last) {
      same++;
    } else {
      last = b;
      same = 1;
    }
    for (let k = 0; k < copies; k++) {
      out[n++] = last;
      crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ last) & 0xff];
      if (n === OUTPUT_CHUNK) {
        yield out;
        out = new Uint8Array(OUTPUT_CHUNK);
        n = 0;
      }
    }
  }
  if (n > 0) yield out.subarray(0, n);
  if (~crc >>> 0 !== block.crc) throw r.fail('bad-checksum', 'block CRC does not match its bytes');
}

/**
 * Decompresses a bzip2 stream (or several, one after another) from chunks of any size, yielding
 * the decompressed bytes in chunks of at most 64 KiB. Bad input is a DecodeError (layer
 * `bzip2`), found at the latest when the block it is in ends.
 */
export async function* bunzip2(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const source =
    Symbol.asyncIterator in chunks
      ? (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : (chunks as Iterable<Uint8Array>)[Symbol.iterator]();
  const r = new BitReader();
  /** Reads one more chunk, keeping the buffered bytes from `keep` on. */
  const more = async (keep: number): Promise<boolean> => {
    if (r.eof) return false;
    const next = await source.next();
    if (next.done) {
      r.eof = true;
      return false;
    }
    const chunk = next.value;
    const kept = r.end - keep;
    const need = kept + chunk.length;
    let buf = r.buf;
    if (need > buf.length) {
      buf = new Uint8Array(Math.max(need, 2 * buf.length));
      buf.set(r.buf.subarray(keep, r.end));
    } else {
      buf.copyWithin(0, keep, r.end);
    }
    buf.set(chunk, kept);
    r.buf = buf;
    r.dropped += keep;
    r.pos -= keep;
    r.end = need;
    return true;
  };
  /**
   * Runs `step` once at least `ahead` bytes are buffered (or the input ended); when the buffered
   * input runs out inside it, reads more and runs it again from the same bit.
   */
  const whole = async <T>(step: () => T, ahead: number): Promise<T> => {
    let pos = r.pos;
    const acc = r.acc;
    const count = r.count;
    while (r.end - pos < ahead && (await more(pos))) pos = 0;
    for (;;) {
      try {
        return step();
      } catch (e) {
        if (e !== NEED_MORE) throw e;
        r.pos = pos;
        r.acc = acc;
        r.count = count;
        if (!(await more(pos))) throw r.fail('truncated', 'stream ends inside a block');
        pos = 0;
      }
    }
  };

  let tt = new Uint32Array(0);
  let streams = 0;
  for (;;) {
    // A stream: "BZh" and the block size digit, at a byte boundary.
    r.count = 0;
    if (streams > 0 && r.pos >= r.end && !(await more(r.pos))) return;
    const [b, z, h, level] = await whole(() => [r.bits(8), r.bits(8), r.bits(8), r.bits(8)], 4);
    if (b !== 0x42 || z !== 0x5a || h !== 0x68) throw r.fail('bad-value', 'not a bzip2 stream ("BZh")');
    if (level < 0x31 || level > 0x39) throw r.fail('bad-value', `block size ${String.fromCharCode(level)}`);
    const maxBytes = (level - 0x30) * 100_000;
    if (tt.length < maxBytes) tt = new Uint32Array(maxBytes);
    streams++;
    let combined = 0;
    for (;;) {
      const magic = await whole(() => [r.bits(24), r.bits(24)], READ_AHEAD);
      if (magic[0] === END_MAGIC_HI && magic[1] === END_MAGIC_LO) {
        const stored = await whole(() => ((r.bits(16) << 16) | r.bits(16)) >>> 0, 4);
        if (stored !== combined) throw r.fail('bad-checksum', 'stream CRC does not match its blocks');
        break;
      }
      if (magic[0] !== BLOCK_MAGIC_HI || magic[1] !== BLOCK_MAGIC_LO)
        throw r.fail('bad-value', 'no block magic');
      const block = await whole(() => readBlock(r, tt, maxBytes), READ_AHEAD);
      yield* blockBytes(r, tt, block);
      combined = (((combined << 1) | (combined >>> 31)) ^ block.crc) >>> 0;
    }
  }
}
