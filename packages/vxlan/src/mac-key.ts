import { formatMac, parseMac } from '@cnikit/wire';

/** A MAC address as one exact integer (48 bits fit a double): a Map key with no allocation. */
export function macKey(b: Uint8Array, offset = 0): number {
  return (
    ((b[offset] << 8) | b[offset + 1]) * 0x100000000 +
    (((b[offset + 2] << 24) | (b[offset + 3] << 16) | (b[offset + 4] << 8) | b[offset + 5]) >>> 0)
  );
}

/** Text or bytes to the key; RangeError on bad text. */
export function toMacKey(mac: string | Uint8Array): number {
  return macKey(typeof mac === 'string' ? parseMac(mac) : mac, 0);
}

export function macKeyText(key: number): string {
  const b = new Uint8Array(6);
  const high = Math.floor(key / 0x100000000);
  const low = key % 0x100000000;
  b[0] = high >>> 8;
  b[1] = high;
  b[2] = low >>> 24;
  b[3] = low >>> 16;
  b[4] = low >>> 8;
  b[5] = low;
  return formatMac(b);
}
