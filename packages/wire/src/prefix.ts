import { formatIpv4, parseIpv4 } from './ipv4-address.js';
import { formatIpv6, parseIpv6 } from './ipv6-address.js';

/** An IPv4 or IPv6 CIDR prefix. IPv4 addresses are uint32; IPv6 addresses are 16 bytes. */
export type Prefix =
  | { readonly family: 4; readonly address: number; readonly length: number }
  | { readonly family: 6; readonly address: Uint8Array; readonly length: number };

/**
 * `10.1.0.0/16` or `2001:db8::/32` to a Prefix. Host bits must be zero unless `strict` is false,
 * in which case they are cleared (as `ip route` does when given `10.1.2.3/16`).
 */
export function parsePrefix(text: string, strict = true): Prefix {
  const slash = text.indexOf('/');
  const bad = (why: string) => new RangeError(`not a prefix (${why}): ${JSON.stringify(text)}`);
  if (slash < 0) throw bad('no /length');
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) throw bad('bad length');
  const length = Number(lenText);
  const addrText = text.slice(0, slash);
  if (addrText.includes(':')) {
    if (length > 128) throw bad('length over 128');
    const address = parseIpv6(addrText);
    const masked = maskIpv6(address, length);
    if (strict && !bytesEqual(masked, address)) throw bad('host bits set');
    return { family: 6, address: masked, length };
  }
  if (length > 32) throw bad('length over 32');
  const address = parseIpv4(addrText);
  const masked = maskIpv4(address, length);
  if (strict && masked !== address) throw bad('host bits set');
  return { family: 4, address: masked, length };
}

export function formatPrefix(p: Prefix): string {
  return `${p.family === 4 ? formatIpv4(p.address) : formatIpv6(p.address)}/${p.length}`;
}

/** The netmask of a /length IPv4 prefix as uint32. */
export function ipv4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function maskIpv4(address: number, length: number): number {
  return (address & ipv4Mask(length)) >>> 0;
}

export function maskIpv6(address: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, length - 8 * i));
    out[i] = address[i] & ((0xff00 >> bits) & 0xff);
  }
  return out;
}

/** Whether `address` (uint32 for IPv4, 16 bytes for IPv6, or text) lies inside `prefix`. */
export function prefixContains(prefix: Prefix, address: number | Uint8Array | string): boolean {
  if (typeof address === 'string') {
    address = address.includes(':') ? parseIpv6(address) : parseIpv4(address);
  }
  if (prefix.family === 4) {
    return typeof address === 'number' && maskIpv4(address, prefix.length) === prefix.address;
  }
  return (
    address instanceof Uint8Array &&
    address.length === 16 &&
    bytesEqual(maskIpv6(address, prefix.length), prefix.address)
  );
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
