/**
 * Netlink carries most integers in the host's byte order (network order only where a protocol says
 * so, e.g. ports and VNIs marked NLA_F_NET_BYTEORDER or documented as __be16).
 */
export const HOST_LITTLE_ENDIAN: boolean = /* @__PURE__ */ (() =>
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1)();

export function readHostU16(b: Uint8Array, o: number): number {
  return HOST_LITTLE_ENDIAN ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

export function readHostU32(b: Uint8Array, o: number): number {
  return HOST_LITTLE_ENDIAN
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function readHostI32(b: Uint8Array, o: number): number {
  return readHostU32(b, o) | 0;
}

/** A 64-bit counter as a number (exact up to 2^53). */
export function readHostU64(b: Uint8Array, o: number): number {
  const lo = readHostU32(b, HOST_LITTLE_ENDIAN ? o : o + 4);
  const hi = readHostU32(b, HOST_LITTLE_ENDIAN ? o + 4 : o);
  return hi * 0x1_0000_0000 + lo;
}

export function writeHostU16(b: Uint8Array, o: number, v: number): void {
  if (HOST_LITTLE_ENDIAN) {
    b[o] = v;
    b[o + 1] = v >>> 8;
  } else {
    b[o] = v >>> 8;
    b[o + 1] = v;
  }
}

export function writeHostU32(b: Uint8Array, o: number, v: number): void {
  if (HOST_LITTLE_ENDIAN) {
    b[o] = v;
    b[o + 1] = v >>> 8;
    b[o + 2] = v >>> 16;
    b[o + 3] = v >>> 24;
  } else {
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }
}

export function writeHostU64(b: Uint8Array, o: number, v: number): void {
  const lo = v >>> 0;
  const hi = Math.floor(v / 0x1_0000_0000) >>> 0;
  writeHostU32(b, HOST_LITTLE_ENDIAN ? o : o + 4, lo);
  writeHostU32(b, HOST_LITTLE_ENDIAN ? o + 4 : o, hi);
}
