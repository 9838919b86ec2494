/**
 * CRC-32 as IEEE 802.3 computes its frame check sequence (also zlib's and PNG's): reflected
 * polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF. Check value: "123456789" →
 * 0xCBF43926. An Ethernet FCS is this CRC of the frame from the destination address to the end of
 * the payload/padding, sent least significant byte first (`verifyEthernetFcs`); Wireshark shows the
 * FCS bytes read big-endian as `eth.fcs`.
 */

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  table = t;
  return t;
}

/** CRC-32 (IEEE 802.3) of b[start, end), as an unsigned 32-bit number. */
export function crc32(b: Uint8Array, start = 0, end = b.length): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether the 4 bytes at `fcsAt` are the IEEE 802.3 FCS of b[start, fcsAt) (sent LSB first). */
export function verifyEthernetFcs(b: Uint8Array, start: number, fcsAt: number): boolean {
  const sent = (b[fcsAt] | (b[fcsAt + 1] << 8) | (b[fcsAt + 2] << 16) | (b[fcsAt + 3] << 24)) >>> 0;
  return crc32(b, start, fcsAt) === sent;
}
