/**
 * How every implementation folds a byte-string field into its field sum, so that all of them
 * compute the same number for the same frame (the runner checks they do):
 * - a MAC address counts as its 48-bit number, hi16 × 2^32 + lo32 (`mac48*`, what
 *   `EthernetFrame.dstMac` returns; the ethernet cases) or as its first four bytes plus its last
 *   two (`mac*`, kept for the VXLAN cases);
 * - an IPv6 address counts as the sum of its four 32-bit words;
 * - a payload or other raw byte range counts as where it is: absolute offset + length.
 * The `*View` forms take a subarray (what our byte-string getters return); the `*At` forms read
 * the same numbers straight from a DataView (what the hand-written loop does).
 */

const TWO_32 = 2 ** 32;

/** @param {Uint8Array} m */
export function mac48View(m) {
  return ((m[0] << 8) | m[1]) * TWO_32 + (((m[2] << 24) | (m[3] << 16) | (m[4] << 8) | m[5]) >>> 0);
}

/** @param {DataView} dv */
export function mac48At(dv, o) {
  return dv.getUint16(o) * TWO_32 + dv.getUint32(o + 2);
}

/** @param {Uint8Array} m */
export function macView(m) {
  return (((m[0] << 24) | (m[1] << 16) | (m[2] << 8) | m[3]) >>> 0) + ((m[4] << 8) | m[5]);
}

/** @param {DataView} dv */
export function macAt(dv, o) {
  return dv.getUint32(o) + dv.getUint16(o + 4);
}

/** @param {Uint8Array} a */
export function ipv6AddressView(a) {
  let s = 0;
  for (let i = 0; i < 16; i += 4) s += ((a[i] << 24) | (a[i + 1] << 16) | (a[i + 2] << 8) | a[i + 3]) >>> 0;
  return s;
}

/** @param {DataView} dv */
export function ipv6AddressAt(dv, o) {
  return dv.getUint32(o) + dv.getUint32(o + 4) + dv.getUint32(o + 8) + dv.getUint32(o + 12);
}

/** @param {Uint8Array} b a subarray of the ring buffer (byteOffset is the absolute offset) */
export function bytesView(b) {
  return b.byteOffset + b.length;
}

export function bytesAt(offset, length) {
  return offset + length;
}
