/**
 * The field sum every side of the BGP cases computes (peers/gobgp/sums_test.go is the same in Go),
 * so that equal sums show the decoders read the same values: ORIGIN; per AS_PATH segment its type
 * and every ASN; NEXT_HOP, MED and LOCAL_PREF as numbers; every community; each large community's
 * three words; MP_REACH_NLRI's next hop as 32-bit words. Per prefix: the address (IPv4 one word,
 * IPv6 four, zero-filled) plus the length. Each message's sum is reduced modulo 2^30 (a small
 * integer: returning it allocates no heap number).
 */
export const MODULUS = 0x40000000;

export function u32(b, o) {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * The value of one attribute read from its bytes buf[v, end) (MP_REACH_NLRI: its next hop only),
 * modulo 2^30. The sums return small integers so that no call boxes a double into a heap number.
 */
export function rawValueSum(b, type, v, end) {
  let sum = 0;
  switch (type) {
    case 1:
      sum = b[v];
      break;
    case 2:
      for (let p = v; p < end; ) {
        const count = b[p + 1];
        sum += b[p];
        for (let j = 0; j < count; j++) sum += u32(b, p + 2 + 4 * j);
        p += 2 + 4 * count;
      }
      break;
    case 3:
    case 4:
    case 5:
      sum = u32(b, v);
      break;
    case 8:
    case 32:
      for (let p = v; p < end; p += 4) sum += u32(b, p);
      break;
    case 14: {
      const nh = b[v + 3];
      for (let p = v + 4; p + 4 <= v + 4 + Math.min(nh, 16); p += 4) sum += u32(b, p);
      break;
    }
  }
  return (sum % MODULUS) | 0;
}

/** The same sum from a decoded attribute (`decodeAttributeValue`'s plain object). */
export function decodedValueSum(a) {
  let sum = 0;
  switch (a.kind) {
    case 'origin':
      sum = a.origin;
      break;
    case 'as-path':
      for (const s of a.segments) {
        sum += s.type;
        for (const asn of s.asns) sum += asn;
      }
      break;
    case 'next-hop':
      sum = a.nextHop;
      break;
    case 'med':
      sum = a.med;
      break;
    case 'local-pref':
      sum = a.localPref;
      break;
    case 'communities':
      for (const c of a.communities) sum += c;
      break;
    case 'large-communities':
      for (const c of a.communities) sum += c.global + c.local1 + c.local2;
      break;
    default:
      throw new Error(`unexpected attribute ${a.kind}`);
  }
  return (sum % MODULUS) | 0;
}

/** An IPv6 prefix's address bytes buf[p, p + n) (n ≤ 16) as the sum of four zero-filled words. */
export function ipv6WordsSum(b, p, n) {
  let sum = 0;
  for (let w = 0; w < 16; w += 4) {
    let word = 0;
    for (let j = 0; j < 4; j++) word = (word << 8) | (w + j < n ? b[p + w + j] : 0);
    sum += word >>> 0;
  }
  return (sum % MODULUS) | 0;
}
