import { sumWords } from '@cnikit/wire';

/*
 * Copies for writers. `Uint8Array#set` is a builtin call that costs more than a byte loop for the
 * short values headers carry; so does reading `.buffer` (to rule out an overlapping source), so
 * these avoid it where they can.
 */

const SHORT_COPY = 64;

/** Copies the 6 bytes of `mac` to `out[offset]`; read whole first, so an overlapping source is safe. */
export function copyMac(mac: Uint8Array, out: Uint8Array, offset: number): void {
  const b0 = mac[0];
  const b1 = mac[1];
  const b2 = mac[2];
  const b3 = mac[3];
  const b4 = mac[4];
  const b5 = mac[5];
  out[offset] = b0;
  out[offset + 1] = b1;
  out[offset + 2] = b2;
  out[offset + 3] = b3;
  out[offset + 4] = b4;
  out[offset + 5] = b5;
}

/** Copies all of `src` to `out[offset]` (room checked by the caller); `set` (memmove) if they may overlap. */
export function copyBytes(src: Uint8Array, out: Uint8Array, offset: number): void {
  const n = src.length;
  if (n === 0) return;
  if (n > SHORT_COPY || src.buffer === out.buffer) {
    out.set(src, offset);
    return;
  }
  for (let i = 0; i < n; i++) out[offset + i] = src[i];
}

/**
 * Copies all of `src` to `out[offset]` and returns `initial` plus its unfolded 16-bit big-endian
 * word sum (an odd last byte padded with zero), as `sumWords` over the copy would. `sameBuffer`:
 * whether `src` lives in `out`'s buffer (the caller has looked), so that it may overlap.
 */
export function copyAndSumWords(
  src: Uint8Array,
  out: Uint8Array,
  offset: number,
  initial: number,
  sameBuffer: boolean,
): number {
  const n = src.length;
  if (sameBuffer) {
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
