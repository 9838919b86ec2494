import { formatIpv4, parseIpv4 } from './ipv4-address.js';
import { formatIpv6, parseIpv6 } from './ipv6-address.js';
import { parseMac } from './mac-address.js';

/*
 * Addresses as a caller writes them by hand: text, or the number/bytes form the views return.
 * Writers parse text once, at the edge; numbers and bytes pass through untouched.
 */

/** A MAC address: 6 bytes, or text (`02:00:00:00:00:01`, `02-00-…`, `0200.0000.0001`). */
export type MacInput = Uint8Array | string;
/** An IPv4 address: an unsigned 32-bit number, or dotted-quad text. */
export type Ipv4Input = number | string;
/** An IPv6 address: 16 bytes, or text (every RFC 4291 form). */
export type Ipv6Input = Uint8Array | string;

function named<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new RangeError(`${field}: ${(e as Error).message}`);
  }
}

/** The 6 bytes of `value`; text is parsed. RangeError naming `field` for text that is not a MAC. */
export function macBytes(value: MacInput, field: string): Uint8Array {
  return typeof value === 'string' ? named(field, () => parseMac(value)) : value;
}

/** The uint32 of `value`; text is parsed. RangeError naming `field` for text that is not IPv4. */
export function ipv4Number(value: Ipv4Input, field: string): number {
  return typeof value === 'string' ? named(field, () => parseIpv4(value)) : value;
}

/** The 16 bytes of `value`; text is parsed. RangeError naming `field` for text that is not IPv6. */
export function ipv6Bytes(value: Ipv6Input, field: string): Uint8Array {
  return typeof value === 'string' ? named(field, () => parseIpv6(value)) : value;
}

/**
 * Either family as text: a uint32 or 4 bytes as dotted quad, 16 bytes in RFC 5952 form (as
 * Wireshark and `ip` print them); text is returned as given. RangeError for anything else.
 */
export function formatAddress(address: number | Uint8Array | string): string {
  if (typeof address === 'string') return address;
  if (typeof address === 'number') {
    if (!Number.isInteger(address) || address < 0 || address > 0xffffffff) {
      throw new RangeError(`not an IPv4 address as a uint32: ${address}`);
    }
    return formatIpv4(address);
  }
  if (address.length === 4)
    return formatIpv4(((address[0] << 24) | (address[1] << 16) | (address[2] << 8) | address[3]) >>> 0);
  if (address.length === 16) return formatIpv6(address);
  throw new RangeError(`an address is 4 or 16 bytes, got ${address.length}`);
}
