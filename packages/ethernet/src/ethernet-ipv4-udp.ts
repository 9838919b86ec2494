import { checkUint, foldSum } from '@cnikit/wire';

const ETHERTYPE_IPV4 = 0x0800;
const UDP_PROTOCOL = 17;
/** Ethernet (14) + IPv4 without options (20) + UDP (8). */
export const ETHERNET_IPV4_UDP_HEADER_LENGTH = 42;
/** The longest payload whose IPv4 total length (20 + 8 + payload) fits 16 bits. */
const MAX_PAYLOAD = 0xffff - 28;

/** The IPv4 fields of an Ethernet/IPv4/UDP frame: `Ipv4Header` without what the writer fills in. */
export interface Ipv4UdpFields {
  /** Differentiated Services code point, 0..63. */
  dscp: number;
  /** Explicit Congestion Notification, 0..3. */
  ecn: number;
  identification: number;
  /** The reserved ("evil") flag bit; absent → 0. */
  reservedFlag?: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** Fragment offset in 8-octet units, 0..8191. */
  fragmentOffset: number;
  ttl: number;
  /** Addresses as unsigned 32-bit numbers. */
  src: number;
  dst: number;
}

/** What `writeEthernetIpv4Udp` takes: the three layers' caller-chosen fields. */
export interface EthernetIpv4UdpHeaders {
  eth: { readonly dst: Uint8Array; readonly src: Uint8Array };
  ip: Ipv4UdpFields;
  udp: {
    srcPort: number;
    dstPort: number;
    /** Absent → computed over the pseudo-header; 0 sends none (RFC 768). */
    checksum?: number;
    payload: Uint8Array;
  };
}

/**
 * Writes an Ethernet II / IPv4 (no options) / UDP frame with `h.udp.payload` at `out[offset]` and
 * returns the bytes written (42 + payload length): EtherType 0x0800, protocol 17, the IPv4 total
 * length, the UDP length, the IPv4 header checksum and (unless given) the UDP checksum computed.
 * The same bytes as `writeEthernet` (empty payload) + `writeIpv4` (no options, empty payload,
 * `totalLength` 28 + payload) + `writeUdp` (with `ip: { family: 4, src, dst }`), with every field
 * range-checked once up front: throws RangeError naming the field before writing anything.
 * The payload is copied first, so it may sit anywhere in `out` (even where the headers go).
 */
export function writeEthernetIpv4Udp(h: EthernetIpv4UdpHeaders, out: Uint8Array, offset = 0): number {
  const eth = h.eth;
  const ip = h.ip;
  const udp = h.udp;
  const dstMac = eth.dst;
  const srcMac = eth.src;
  const dscp = ip.dscp;
  const ecn = ip.ecn;
  const id = ip.identification;
  const fragmentOffset = ip.fragmentOffset;
  const ttl = ip.ttl;
  const src = ip.src;
  const dst = ip.dst;
  const srcPort = udp.srcPort;
  const dstPort = udp.dstPort;
  const given = udp.checksum;
  const payload = udp.payload;
  const n = payload.length;
  const total = ETHERNET_IPV4_UDP_HEADER_LENGTH + n;
  // One test for every field: `(v & mask) === v` holds only for integers in 0..mask.
  if (
    dstMac.length !== 6 ||
    srcMac.length !== 6 ||
    (dscp & 63) !== dscp ||
    (ecn & 3) !== ecn ||
    (id & 0xffff) !== id ||
    (fragmentOffset & 0x1fff) !== fragmentOffset ||
    (ttl & 0xff) !== ttl ||
    src >>> 0 !== src ||
    dst >>> 0 !== dst ||
    (srcPort & 0xffff) !== srcPort ||
    (dstPort & 0xffff) !== dstPort ||
    (given !== undefined && (given & 0xffff) !== given) ||
    n > MAX_PAYLOAD ||
    offset >>> 0 !== offset ||
    offset + total > out.length
  ) {
    failEthernetIpv4Udp(h, out, offset);
  }
  // MACs read before the payload copy, as writeEthernet reads them before writeUdp copies.
  const d0 = dstMac[0];
  const d1 = dstMac[1];
  const d2 = dstMac[2];
  const d3 = dstMac[3];
  const d4 = dstMac[4];
  const d5 = dstMac[5];
  const s0 = srcMac[0];
  const s1 = srcMac[1];
  const s2 = srcMac[2];
  const s3 = srcMac[3];
  const s4 = srcMac[4];
  const s5 = srcMac[5];
  const p = offset + ETHERNET_IPV4_UDP_HEADER_LENGTH;
  // `set` (memmove) is cheaper than a byte loop past ~8 bytes, and safe when the payload is in
  // `out`: no `.buffer` check (~25 ns) needed. The checksum then sums the copy.
  if (n !== 0) out.set(payload, p);

  out[offset] = d0;
  out[offset + 1] = d1;
  out[offset + 2] = d2;
  out[offset + 3] = d3;
  out[offset + 4] = d4;
  out[offset + 5] = d5;
  out[offset + 6] = s0;
  out[offset + 7] = s1;
  out[offset + 8] = s2;
  out[offset + 9] = s3;
  out[offset + 10] = s4;
  out[offset + 11] = s5;
  out[offset + 12] = ETHERTYPE_IPV4 >>> 8;
  out[offset + 13] = ETHERTYPE_IPV4 & 0xff;

  const i = offset + 14;
  const udpLength = 8 + n;
  const totalLength = 20 + udpLength;
  const flags = (ip.reservedFlag ? 4 : 0) | (ip.dontFragment ? 2 : 0) | (ip.moreFragments ? 1 : 0);
  const word3 = (flags << 13) | fragmentOffset;
  const addresses = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  const ipSum =
    0x4500 + ((dscp << 2) | ecn) + totalLength + id + word3 + ((ttl << 8) | UDP_PROTOCOL) + addresses;
  const ipChecksum = ~foldSum(ipSum) & 0xffff;
  out[i] = 0x45;
  out[i + 1] = (dscp << 2) | ecn;
  out[i + 2] = totalLength >>> 8;
  out[i + 3] = totalLength & 0xff;
  out[i + 4] = id >>> 8;
  out[i + 5] = id & 0xff;
  out[i + 6] = word3 >>> 8;
  out[i + 7] = word3 & 0xff;
  out[i + 8] = ttl;
  out[i + 9] = UDP_PROTOCOL;
  out[i + 10] = ipChecksum >>> 8;
  out[i + 11] = ipChecksum & 0xff;
  out[i + 12] = src >>> 24;
  out[i + 13] = (src >>> 16) & 0xff;
  out[i + 14] = (src >>> 8) & 0xff;
  out[i + 15] = src & 0xff;
  out[i + 16] = dst >>> 24;
  out[i + 17] = (dst >>> 16) & 0xff;
  out[i + 18] = (dst >>> 8) & 0xff;
  out[i + 19] = dst & 0xff;

  let checksum = given;
  if (checksum === undefined) {
    // Pseudo-header (addresses shared with the IPv4 sum, protocol, length) + header + payload.
    let sum = addresses + UDP_PROTOCOL + udpLength + srcPort + dstPort + udpLength;
    const even = p + (n & ~1);
    for (let k = p; k < even; k += 2) sum += (out[k] << 8) | out[k + 1];
    if (n & 1) sum += out[even] << 8;
    checksum = ~foldSum(sum) & 0xffff || 0xffff;
  }
  const u = i + 20;
  out[u] = srcPort >>> 8;
  out[u + 1] = srcPort & 0xff;
  out[u + 2] = dstPort >>> 8;
  out[u + 3] = dstPort & 0xff;
  out[u + 4] = udpLength >>> 8;
  out[u + 5] = udpLength & 0xff;
  out[u + 6] = checksum >>> 8;
  out[u + 7] = checksum & 0xff;
  return total;
}

/** Cold path: finds the bad field in the order the three writers check them and throws its RangeError. */
function failEthernetIpv4Udp(h: EthernetIpv4UdpHeaders, out: Uint8Array, offset: number): never {
  if (h.eth.dst.length !== 6) throw new RangeError(`dst must be 6 bytes, got ${h.eth.dst.length}`);
  if (h.eth.src.length !== 6) throw new RangeError(`src must be 6 bytes, got ${h.eth.src.length}`);
  const ip = h.ip;
  checkUint('dscp', ip.dscp, 63);
  checkUint('ecn', ip.ecn, 3);
  checkUint('identification', ip.identification, 0xffff);
  checkUint('fragmentOffset', ip.fragmentOffset, 0x1fff);
  checkUint('ttl', ip.ttl, 255);
  checkUint('src', ip.src, 0xffffffff);
  checkUint('dst', ip.dst, 0xffffffff);
  const n = h.udp.payload.length;
  checkUint('totalLength', 28 + n, 0xffff);
  checkUint('udp srcPort', h.udp.srcPort, 0xffff);
  checkUint('udp dstPort', h.udp.dstPort, 0xffff);
  if (h.udp.checksum !== undefined) checkUint('udp checksum', h.udp.checksum, 0xffff);
  const total = ETHERNET_IPV4_UDP_HEADER_LENGTH + n;
  throw new RangeError(`out has no room for ${total} bytes at offset ${offset} (length ${out.length})`);
}
