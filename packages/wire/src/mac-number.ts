/**
 * MAC addresses as 48-bit numbers (`hi16 * 2**32 + lo32`): exact in a JS number, compared with
 * `===`, and read or written without allocating. `formatMac48` converts at the edge.
 */

const TWO_32 = 0x1_0000_0000;
const MAX_MAC48 = 0xffff_ffff_ffff;

/** The 6 bytes at `offset` (bounds checked by the caller) as a 48-bit number. */
export function readMac48(b: Uint8Array, offset: number): number {
  const hi = (b[offset] << 8) | b[offset + 1];
  const lo = ((b[offset + 2] << 24) | (b[offset + 3] << 16) | (b[offset + 4] << 8) | b[offset + 5]) >>> 0;
  return hi * TWO_32 + lo;
}

/** Writes a 48-bit MAC number as 6 bytes at `offset`; RangeError for a value that is not one. */
export function writeMac48(mac: number, out: Uint8Array, offset: number): void {
  if (!Number.isInteger(mac) || mac < 0 || mac > MAX_MAC48) {
    throw new RangeError(`a 48-bit MAC must be an integer in 0..0xffffffffffff, got ${mac}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + 6 > out.length) {
    throw new RangeError(`out has no room for 6 bytes at offset ${offset}`);
  }
  const hi = Math.floor(mac / TWO_32);
  const lo = mac - hi * TWO_32;
  out[offset] = hi >>> 8;
  out[offset + 1] = hi;
  out[offset + 2] = lo >>> 24;
  out[offset + 3] = lo >>> 16;
  out[offset + 4] = lo >>> 8;
  out[offset + 5] = lo;
}

/** Lower-case colon form (`02:42:0a:f4:02:07`) of a 48-bit MAC number. */
export function formatMac48(mac: number): string {
  if (!Number.isInteger(mac) || mac < 0 || mac > MAX_MAC48) {
    throw new RangeError(`a 48-bit MAC must be an integer in 0..0xffffffffffff, got ${mac}`);
  }
  const hex = mac.toString(16).padStart(12, '0');
  let s = hex.slice(0, 2);
  for (let i = 2; i < 12; i += 2) s += `:${hex.slice(i, i + 2)}`;
  return s;
}
