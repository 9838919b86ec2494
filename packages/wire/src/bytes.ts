/** Big-endian reads and writes on a Uint8Array; callers have checked the bounds. */
export function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function readU24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function writeU24(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 16;
  b[o + 1] = v >>> 8;
  b[o + 2] = v;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Lower-case hex of a byte range, separated as Wireshark prints bytes (`12:34:ab`). */
export function formatBytes(b: Uint8Array, separator = ':'): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    if (i > 0) s += separator;
    s += HEX[b[i]];
  }
  return s;
}

/** Parses `12:34:ab`, `12-34-ab`, `1234ab` or `12 34 ab` into bytes; throws RangeError on bad text. */
export function parseBytes(text: string): Uint8Array {
  // Every separated group must hold whole bytes: `1:2:3:4` or `1.2.3.4` is not `12 34`.
  const groups = text.trim() === '' ? [] : text.trim().split(/\s+|[:.-]/);
  if (groups.some((g) => g.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(g))) {
    throw new RangeError(`not a hex byte string: ${JSON.stringify(text)}`);
  }
  const clean = groups.join('');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `0x` + zero-padded lower-case hex, as Wireshark shows hex fields (`0x0800`). */
export function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

// Marked pure: a bare top-level call would be kept by bundlers even when nothing uses the table.
const HEX: string[] = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
