/**
 * What `tos inherit` / `df inherit` read from the inner frame: the IPv4 TOS or IPv6 Traffic Class
 * octet and the IPv4 DF bit. One byte each at a fixed place, read in place; anything that is not
 * an untagged IPv4/IPv6 frame inherits nothing (-1).
 */
export function innerDsfield(frame: Uint8Array, start: number, end: number): number {
  if (end - start < 16) return -1;
  const ethertype = (frame[start + 12] << 8) | frame[start + 13];
  const version = frame[start + 14] >> 4;
  if (ethertype === 0x0800 && version === 4) return frame[start + 15];
  if (ethertype === 0x86dd && version === 6)
    return ((frame[start + 14] & 0x0f) << 4) | (frame[start + 15] >> 4);
  return -1;
}

/** The inner IPv4 header's DF bit, false for anything else. */
export function innerDontFragment(frame: Uint8Array, start: number, end: number): boolean {
  if (end - start < 21) return false;
  const ethertype = (frame[start + 12] << 8) | frame[start + 13];
  return ethertype === 0x0800 && frame[start + 14] >> 4 === 4 && (frame[start + 20] & 0x40) !== 0;
}

const ECN_MASK = 3;
const ECN_CE = 3;
const ECN_ECT0 = 2;

/**
 * RFC 6040 normal-mode ECN encapsulation, as Linux's INET_ECN_encapsulate: the outer ECN field
 * copies the inner one, except that CE is sent as ECT(0).
 */
export function encapsulateEcn(outerTos: number, innerTos: number): number {
  const inner = innerTos < 0 ? 0 : innerTos & ECN_MASK;
  return (outerTos & ~ECN_MASK) | (inner === ECN_CE ? ECN_ECT0 : inner);
}
