import { formatIpv4, formatIpv6, type Prefix, parseIpv4, parseIpv6 } from '@cnikit/wire';

export type Family = 4 | 6;

/** An address as a family and an unsigned integer (32 or 128 bits), the form IPAM arithmetic works in. */
export interface IpValue {
  readonly family: Family;
  readonly value: bigint;
}

export function familyBits(family: Family): number {
  return family === 4 ? 32 : 128;
}

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
  return v;
}

export function bigIntToBytes(v: bigint, length = 16): Uint8Array {
  const out = new Uint8Array(length);
  let i = length;
  // 32 bits per BigInt step, then plain number arithmetic.
  for (; i >= 4; i -= 4) {
    const w = Number(BigInt.asUintN(32, v));
    v >>= 32n;
    out[i - 1] = w & 0xff;
    out[i - 2] = (w >>> 8) & 0xff;
    out[i - 3] = (w >>> 16) & 0xff;
    out[i - 4] = w >>> 24;
  }
  for (; i > 0; i--) {
    out[i - 1] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** `10.1.2.3` or `fd00::1` to a family and integer; throws RangeError on anything else. */
export function parseAddress(text: string): IpValue {
  if (text.includes(':')) return { family: 6, value: bytesToBigInt(parseIpv6(text)) };
  return { family: 4, value: BigInt(parseIpv4(text)) };
}

/** A family and integer to canonical text (dotted quad, RFC 5952); `parseAddress` in reverse. Named apart from
 * `@cnikit/wire`'s `formatAddress`, which takes bytes or a number. */
export function formatIpValue(family: Family, value: bigint): string {
  return family === 4 ? formatIpv4(Number(value)) : formatIpv6(bigIntToBytes(value));
}

export function prefixFamily(p: Prefix): Family {
  return p.family;
}

/** The prefix's first address (the network address) as an integer. */
export function prefixFirst(p: Prefix): bigint {
  return p.family === 4 ? BigInt(p.address) : bytesToBigInt(p.address);
}

/** How many addresses the prefix spans (2^(bits - length)). */
export function prefixSize(p: Prefix): bigint {
  return 1n << BigInt(familyBits(p.family) - p.length);
}

/** The prefix's last address (the IPv4 broadcast address) as an integer. */
export function prefixLast(p: Prefix): bigint {
  return prefixFirst(p) + prefixSize(p) - 1n;
}

/** A prefix from a family, an address integer (host bits are cleared) and a length. */
export function prefixOf(family: Family, value: bigint, length: number): Prefix {
  const bits = familyBits(family);
  if (!Number.isInteger(length) || length < 0 || length > bits) {
    throw new RangeError(`prefix length must be an integer in 0..${bits}, got ${length}`);
  }
  const host = (1n << BigInt(bits - length)) - 1n;
  const first = value & ~host & ((1n << BigInt(bits)) - 1n);
  return family === 4
    ? { family: 4, address: Number(first), length }
    : { family: 6, address: bigIntToBytes(first), length };
}

/** Whether `address` (text or integer of the prefix's family) lies in `p`. */
export function containsAddress(p: Prefix, address: string | bigint): boolean {
  let v: bigint;
  if (typeof address === 'string') {
    const a = parseAddress(address);
    if (a.family !== p.family) return false;
    v = a.value;
  } else v = address;
  return v >= prefixFirst(p) && v <= prefixLast(p);
}

/** Whether `inner` lies entirely inside `outer` (same family). */
export function containsPrefix(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family &&
    inner.length >= outer.length &&
    prefixFirst(inner) >= prefixFirst(outer) &&
    prefixLast(inner) <= prefixLast(outer)
  );
}

/** Whether two prefixes share any address (prefixes either nest or are disjoint). */
export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  return containsPrefix(a, b) || containsPrefix(b, a);
}

/** The `n`th address of `p` (0 = network address; a negative `n` counts back from the last, -1 = last). */
export function nthAddress(p: Prefix, n: bigint | number): bigint {
  const i = BigInt(n);
  const size = prefixSize(p);
  const offset = i < 0n ? size + i : i;
  if (offset < 0n || offset >= size) throw new RangeError(`address index ${n} outside a /${p.length}`);
  return prefixFirst(p) + offset;
}

/** How many /`length` subnets `p` splits into. */
export function subnetCount(p: Prefix, length: number): bigint {
  if (length < p.length || length > familyBits(p.family)) {
    throw new RangeError(`cannot split a /${p.length} into /${length}s`);
  }
  return 1n << BigInt(length - p.length);
}

/** The `n`th /`length` subnet of `p` (n from 0). */
export function nthSubnet(p: Prefix, length: number, n: bigint | number): Prefix {
  const i = BigInt(n);
  if (i < 0n || i >= subnetCount(p, length))
    throw new RangeError(`subnet index ${n} outside ${subnetCount(p, length)}`);
  return prefixOf(p.family, prefixFirst(p) + (i << BigInt(familyBits(p.family) - length)), length);
}

/** Every /`length` subnet of `p`, in order (lazily: a /8 split into /32s is not built in memory). */
export function* splitPrefix(p: Prefix, length: number): Generator<Prefix> {
  const count = subnetCount(p, length);
  for (let i = 0n; i < count; i++) yield nthSubnet(p, length, i);
}

/** The prefix of the same length right after `p`, or undefined past the end of the address space. */
export function nextPrefix(p: Prefix): Prefix | undefined {
  const next = prefixLast(p) + 1n;
  if (next >> BigInt(familyBits(p.family)) !== 0n) return undefined;
  return prefixOf(p.family, next, p.length);
}

/** The subnet index of `inner` inside `outer` (inner must be a /length subnet of outer). */
export function subnetIndex(outer: Prefix, inner: Prefix): bigint {
  return (prefixFirst(inner) - prefixFirst(outer)) >> BigInt(familyBits(inner.family) - inner.length);
}
