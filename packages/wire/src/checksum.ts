/**
 * Internet checksum (RFC 1071): the 16-bit one's-complement of the one's-complement sum.
 * Sums are kept unfolded in a JS number (safe far past any packet size) and folded at the end.
 */

/** Unfolded 16-bit big-endian word sum of b[start, end), an odd last byte padded with zero. */
export function sumWords(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  return sum;
}

/** Folds an unfolded sum to 16 bits (end-around carry). */
export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum to put in a header: ~fold(sum(bytes) + initial). */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  return ~foldSum(sumWords(b, start, end, initial)) & 0xffff;
}

/** True when b[start, end), checksum field included, sums to 0xffff (RFC 1071 verification). */
export function verifyChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): boolean {
  return foldSum(sumWords(b, start, end, initial)) === 0xffff;
}

/**
 * RFC 1624 eqn. 3 incremental update: the new checksum after one 16-bit word of the covered data
 * changes from `oldWord` to `newWord`. HC' = ~(~HC + ~m + m').
 */
export function updateChecksum(checksum: number, oldWord: number, newWord: number): number {
  return ~foldSum((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** RFC 1624 update for a changed 32-bit value (an IPv4 address), as two word updates. */
export function updateChecksum32(checksum: number, oldValue: number, newValue: number): number {
  const c = updateChecksum(checksum, oldValue >>> 16, newValue >>> 16);
  return updateChecksum(c, oldValue & 0xffff, newValue & 0xffff);
}

/** Unfolded IPv4 pseudo-header sum (RFC 768/9293): src, dst, zero+protocol, upper-layer length. */
export function ipv4PseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * Unfolded IPv6 pseudo-header sum (RFC 8200 §8.1): src and dst (16 bytes each, at their offsets),
 * 32-bit upper-layer length, three zero bytes and the next header.
 */
export function ipv6PseudoHeaderSum(
  src: Uint8Array,
  dst: Uint8Array,
  nextHeader: number,
  length: number,
  srcOffset = 0,
  dstOffset = 0,
): number {
  let sum = nextHeader + (length >>> 16) + (length & 0xffff);
  for (let i = 0; i < 16; i += 2) {
    sum += (src[srcOffset + i] << 8) | src[srcOffset + i + 1];
    sum += (dst[dstOffset + i] << 8) | dst[dstOffset + i + 1];
  }
  return sum;
}
