import { isIPv4, type Server, type Socket } from 'node:net';
import { parseIpv4, parseIpv6 } from '@cnikit/wire';

/**
 * `setsockopt(fd, level, name, int value)`, as `nativeNetlink().setsockopt` of @cnikit/netlink
 * provides it: Node sets no IP TTL or minimum TTL itself, so the speaker takes the call from the
 * application instead of loading a native addon of its own.
 */
export type SetSocketOption = (fd: number, level: number, name: number, value: number) => void;

const IPPROTO_IP = 0;
const IP_TTL = 2;
const IP_MINTTL = 21;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MINHOPCOUNT = 73;

/** What a peer asks of its sockets: the TTL (hop limit) we send with and the lowest we accept. */
export interface TtlPolicy {
  readonly ttl?: number;
  readonly minTtl?: number;
}

/** RFC 5082: send with 255, accept only 255 − (hops − 1); or a plain TTL (eBGP multihop). */
export function ttlPolicy(options: {
  readonly ttl?: number;
  readonly gtsm?: boolean | { readonly hops: number };
}): TtlPolicy | undefined {
  const { ttl, gtsm } = options;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 255))
    throw new RangeError(`bgp peer ttl must be 1..255, got ${ttl}`);
  if (gtsm) {
    const hops = gtsm === true ? 1 : gtsm.hops;
    if (!Number.isInteger(hops) || hops < 1 || hops > 254)
      throw new RangeError(`bgp peer gtsm.hops must be 1..254, got ${hops}`);
    if (ttl !== undefined && ttl !== 255)
      throw new RangeError('bgp peer ttl and gtsm: GTSM sends with TTL 255');
    return { ttl: 255, minTtl: 256 - hops };
  }
  return ttl === undefined ? undefined : { ttl };
}

function fdOf(handleOwner: Socket | Server): number | undefined {
  const fd = (handleOwner as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Applies `policy` to a connected socket or a listening server, for IPv4 and IPv6 (an option that
 * does not apply to the socket's family fails and is skipped). Returns false when the socket has no
 * file descriptor (not a TCP socket of this process).
 */
export function applyTtl(
  target: Socket | Server,
  policy: TtlPolicy,
  setsockopt: SetSocketOption,
  v6: boolean,
): boolean {
  const fd = fdOf(target);
  if (fd === undefined) return false;
  const set = (level: number, name: number, value: number) => {
    try {
      setsockopt(fd, level, name, value);
    } catch (e) {
      if (!v6 || level === IPPROTO_IPV6) throw e;
    }
  };
  // An IPv6 socket also carries IPv4-mapped connections: both levels are set on it.
  if (policy.ttl !== undefined) {
    if (v6) set(IPPROTO_IPV6, IPV6_UNICAST_HOPS, policy.ttl);
    set(IPPROTO_IP, IP_TTL, policy.ttl);
  }
  if (policy.minTtl !== undefined) {
    if (v6) set(IPPROTO_IPV6, IPV6_MINHOPCOUNT, policy.minTtl);
    set(IPPROTO_IP, IP_MINTTL, policy.minTtl);
  }
  return true;
}

/** `setsockopt` with a struct value given as bytes: `nativeNetlink().setsockoptBytes` of @cnikit/netlink. */
export type SetSocketOptionBytes = (fd: number, level: number, name: number, value: Uint8Array) => void;

const IPPROTO_TCP = 6;
const TCP_MD5SIG = 14;

/**
 * Linux's `struct tcp_md5sig` for `address` with `key` (RFC 2385; at most 80 octets): the
 * sockaddr as the socket's family has it (an IPv4 peer on an IPv6 socket as ::ffff:a.b.c.d), the
 * key length in host (little-endian) order. An empty key removes the address's key.
 */
export function tcpMd5Sig(address: string, key: string, v6Socket: boolean): Uint8Array {
  const k = new TextEncoder().encode(key);
  if (k.length > 80) throw new RangeError(`bgp peer password must be at most 80 octets, got ${k.length}`);
  const out = new Uint8Array(216);
  const v4 = isIPv4(address);
  if (v4 && !v6Socket) {
    out[0] = 2; // AF_INET, host order
    out.set(ipv4Bytes(address), 4);
  } else {
    out[0] = 10; // AF_INET6
    out.set(
      v4
        ? new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4Bytes(address)])
        : parseIpv6(address),
      8,
    );
  }
  out[130] = k.length & 0xff;
  out[131] = k.length >>> 8;
  out.set(k, 136);
  return out;
}

function ipv4Bytes(text: string): number[] {
  const n = parseIpv4(text) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/** Sets the TCP-MD5 key for connections with `address` on a listening server or a socket; false without an fd. */
export function applyMd5(
  target: Socket | Server,
  address: string,
  key: string,
  setsockopt: SetSocketOptionBytes,
  v6Socket: boolean,
): boolean {
  const fd = fdOf(target);
  if (fd === undefined) return false;
  setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, tcpMd5Sig(address, key, v6Socket));
  return true;
}
