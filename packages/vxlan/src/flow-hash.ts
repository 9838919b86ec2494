/**
 * RFC 7348 §5: "the UDP source port [should be] calculated using a hash of fields from the inner
 * packet", so that ECMP and RSS spread flows while each flow keeps one path. The hash covers the
 * inner IP addresses, protocol and ports when the inner frame is IPv4/IPv6 (first fragment or
 * unfragmented), else the inner MAC addresses and EtherType, as Linux's flow dissector does.
 * Allocation-free: it reads the bytes in place and mixes 32-bit words (MurmurHash3's mixer).
 */

/** Inclusive UDP source-port range. */
export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export const SourcePortRange = {
  /** RFC 7348 §5 recommendation: the IANA dynamic/private range. The default here. */
  rfc7348: { min: 49152, max: 65535 },
  /** What Linux uses when `srcport` is unset: net.ipv4.ip_local_port_range's default. */
  linux: { min: 32768, max: 60999 },
} as const satisfies Record<string, PortRange>;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mix(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3's finaliser. With `fold16`, returns the top 16 bits of `h ^ (h << 16)` (what the
 * source port is made from) instead of the uint32: a small integer, which V8 returns without
 * allocating, where a uint32 above 2^30 would be boxed.
 */
function finish(h: number, length: number, fold16: boolean): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return fold16 ? (h ^ (h << 16)) >>> 16 : h >>> 0;
}

function word(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

function hasPorts(protocol: number): boolean {
  return protocol === 6 || protocol === 17 || protocol === 132 || protocol === 136;
}

/** 32-bit flow hash of the Ethernet frame in frame[start, end); `seed` varies it per VTEP. */
export function innerFlowHash(frame: Uint8Array, start = 0, end = frame.length, seed = 0): number {
  return flowHash(frame, start, end, seed, false);
}

/** The source port for the frame in frame[start, end): `sourcePortFromHash(innerFlowHash(…))`, allocation-free. */
export function innerFlowSourcePort(
  frame: Uint8Array,
  start: number,
  end: number,
  seed: number,
  range: PortRange,
): number {
  return portFromFold16(flowHash(frame, start, end, seed, true), range);
}

function flowHash(frame: Uint8Array, start: number, end: number, seed: number, fold16: boolean): number {
  if (end - start < 14) {
    let h = seed;
    for (let i = start; i < end; i++) h = mix(h, frame[i]);
    return finish(h, end - start, fold16);
  }
  let at = start + 12;
  let ethertype = (frame[at] << 8) | frame[at + 1];
  // Up to two 802.1Q / 802.1ad tags, as a flow dissector skips them.
  for (let tags = 0; tags < 2 && (ethertype === 0x8100 || ethertype === 0x88a8) && at + 6 <= end; tags++) {
    at += 4;
    ethertype = (frame[at] << 8) | frame[at + 1];
  }
  at += 2;
  if (ethertype === ETHERTYPE_IPV4 && at + 20 <= end && frame[at] >> 4 === 4) {
    const protocol = frame[at + 9];
    let h = mix(seed, word(frame, at + 12));
    h = mix(h, word(frame, at + 16));
    h = mix(h, protocol);
    const ihl = (frame[at] & 15) * 4;
    const fragmentOffset = ((frame[at + 6] & 0x1f) << 8) | frame[at + 7];
    if (fragmentOffset === 0 && (frame[at + 6] & 0x20) === 0 && hasPorts(protocol) && at + ihl + 4 <= end) {
      h = mix(h, word(frame, at + ihl));
    }
    return finish(h, 16, fold16);
  }
  if (ethertype === ETHERTYPE_IPV6 && at + 40 <= end && frame[at] >> 4 === 6) {
    const protocol = frame[at + 6];
    let h = seed;
    for (let i = at + 8; i < at + 40; i += 4) h = mix(h, word(frame, i));
    h = mix(h, protocol);
    h = mix(h, word(frame, at) & 0xfffff);
    if (hasPorts(protocol) && at + 44 <= end) h = mix(h, word(frame, at + 40));
    return finish(h, 44, fold16);
  }
  let h = mix(seed, word(frame, start));
  h = mix(h, word(frame, start + 4));
  h = mix(h, word(frame, start + 8));
  h = mix(h, ethertype);
  return finish(h, 14, fold16);
}

/**
 * Maps a flow hash into [range.min, range.max]. As Linux's udp_flow_src_port, the hash is first
 * folded (`h ^= h << 16`) so the port does not expose the hash, then its upper 16 bits (the only
 * ones that matter for a 16-bit port, as the kernel's comment says) are scaled into the range.
 */
export function sourcePortFromHash(hash: number, range: PortRange): number {
  return portFromFold16((hash ^ (hash << 16)) >>> 16, range);
}

function portFromFold16(folded16: number, range: PortRange): number {
  // folded16 * span < 2^32, so the shift is an exact floor division by 2^16.
  return range.min + ((folded16 * (range.max - range.min + 1)) >>> 16);
}
