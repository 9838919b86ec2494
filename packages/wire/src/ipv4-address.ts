import { readU32 } from './bytes.js';

/** Dotted-quad text to an unsigned 32-bit number; throws RangeError on anything else. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) {
      throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    }
    const v = Number(p);
    if (v > 255) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    n = n * 256 + v;
  }
  return n;
}

/** Unsigned 32-bit number to dotted-quad text. */
export function formatIpv4(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}`;
}

/** Reads the IPv4 address at `offset` as an unsigned 32-bit number. */
export function readIpv4(b: Uint8Array, offset: number): number {
  return readU32(b, offset);
}

export function isIpv4Text(text: string): boolean {
  try {
    parseIpv4(text);
    return true;
  } catch {
    return false;
  }
}
