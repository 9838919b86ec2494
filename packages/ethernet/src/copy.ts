import { sumWords } from '@cnikit/wire';

/*
 * Copies for writers. `Uint8Array#set` is a builtin call that costs more than a byte loop for the
 * short values headers carry (MACs, addresses, small payloads); above SHORT_COPY it wins. A source
 * in `out`'s own buffer may overlap the destination, so it goes through `set` (memmove) too.
 */

const SHORT_COPY = 64;

/** Copies all of `src` to `out[offset]` (room checked by the caller). */
export function copyBytes(src: Uint8Array, out: Uint8Array, offset: number): void {
  const n = src.length;
  if (n > SHORT_COPY || src.buffer === out.buffer) {
    out.set(src, offset);
    return;
  }
  for (let i = 0; i < n; i++) out[offset + i] = src[i];
}

/**
 * Copies all of `src` to `out[offset]` and returns `initial` plus its unfolded 16-bit big-endian
 * word sum (an odd last byte padded with zero), as `sumWords` over the copy would.
 */
export function copyAndSumWords(src: Uint8Array, out: Uint8Array, offset: number, initial: number): number {
  const n = src.length;
  if (src.buffer === out.buffer) {
    out.set(src, offset);
    return sumWords(out, offset, offset + n, initial);
  }
  const even = n & ~1;
  let sum = initial;
  for (let i = 0; i < even; i += 2) {
    const hi = src[i];
    const lo = src[i + 1];
    out[offset + i] = hi;
    out[offset + i + 1] = lo;
    sum += (hi << 8) | lo;
  }
  if (n & 1) {
    const last = src[even];
    out[offset + even] = last;
    sum += last << 8;
  }
  return sum;
}
