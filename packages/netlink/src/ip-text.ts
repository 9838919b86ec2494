import { formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac, writeU32 } from '@cnikit/wire';
import { AF_INET, AF_INET6 } from './netlink-constants.js';

/** An address's family (AF_INET or AF_INET6) and its 4 or 16 bytes, from text. */
export function ipBytes(text: string): { family: number; bytes: Uint8Array } {
  if (text.includes(':')) return { family: AF_INET6, bytes: parseIpv6(text) };
  const b = new Uint8Array(4);
  writeU32(b, 0, parseIpv4(text));
  return { family: AF_INET, bytes: b };
}

/** Character-code arrays by text length, so each string is made with no array resizing. */
const CODES: number[][] = /* @__PURE__ */ Array.from({ length: 20 }, (_, n) => new Array<number>(n).fill(0));

function digits(v: number): number {
  return v >= 100 ? 3 : v >= 10 ? 2 : 1;
}

function putDecimal(t: number[], n: number, v: number): number {
  if (v >= 100) {
    t[n++] = 48 + ((v / 100) | 0);
    v %= 100;
    t[n++] = 48 + ((v / 10) | 0);
  } else if (v >= 10) t[n++] = 48 + ((v / 10) | 0);
  t[n++] = 48 + (v % 10);
  return n;
}

/**
 * Four address bytes as a dotted quad, with `/suffix` (a prefix length, 0-255) when given. A dump
 * of 100,000 routes keeps one of these per route, so it is made as one flat string from its
 * character codes: joining the pieces with `+` would leave V8 ropes of several strings each.
 */
export function formatIpv4At(b: Uint8Array, start: number, suffix?: number): string {
  const o0 = b[start];
  const o1 = b[start + 1];
  const o2 = b[start + 2];
  const o3 = b[start + 3];
  const tail = suffix === undefined ? 0 : 1 + digits(suffix & 255);
  const t = CODES[digits(o0) + digits(o1) + digits(o2) + digits(o3) + 3 + tail];
  let n = putDecimal(t, 0, o0);
  t[n++] = 46;
  n = putDecimal(t, n, o1);
  t[n++] = 46;
  n = putDecimal(t, n, o2);
  t[n++] = 46;
  n = putDecimal(t, n, o3);
  if (suffix !== undefined) {
    t[n++] = 47;
    putDecimal(t, n, suffix & 255);
  }
  return String.fromCharCode.apply(null, t);
}

/** Address bytes as text: 4 → dotted quad, 16 → RFC 5952, 6 → MAC; anything else as hex. */
export function formatAddress(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 4) return formatIpv4At(b, start);
  if (n === 16) return formatIpv6(b, start);
  if (n === 6) return formatMac(b, start);
  let s = '';
  for (let i = start; i < end; i++) s += (i > start ? ':' : '') + b[i].toString(16).padStart(2, '0');
  return s;
}

/** `10.0.0.0/24` → address text and prefix length (a bare address: 32 or 128). */
export function splitPrefix(text: string): {
  address: string;
  length: number;
  family: number;
  bytes: Uint8Array;
} {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const { family, bytes } = ipBytes(address);
  const max = family === AF_INET ? 32 : 128;
  const length = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > max) {
    throw new RangeError(`prefix length out of range in ${JSON.stringify(text)}`);
  }
  return { address, length, family, bytes };
}

export function macBytes(text: string): Uint8Array {
  return parseMac(text);
}
