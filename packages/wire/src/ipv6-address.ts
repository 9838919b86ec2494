import { formatIpv4, parseIpv4 } from './ipv4-address.js';

/**
 * IPv6 text to 16 bytes. Accepts every RFC 4291 §2.2 form: full, `::`-compressed, and with a
 * trailing dotted IPv4 (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`). Zone ids are refused.
 */
export function parseIpv6(text: string): Uint8Array {
  const bad = () => new RangeError(`not an IPv6 address: ${JSON.stringify(text)}`);
  if (text.length < 2 || text.length > 45) throw bad();
  const out = new Uint8Array(16);
  let body = text;
  let tailWords: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) !== -1) {
    let v4: number;
    try {
      v4 = parseIpv4(body.slice(lastColon + 1));
    } catch {
      throw bad();
    }
    tailWords = [v4 >>> 16, v4 & 0xffff];
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) throw bad();
  const parseGroups = (s: string): number[] => {
    if (s === '') return [];
    return s.split(':').map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw bad();
      return Number.parseInt(g, 16);
    });
  };
  const head = parseGroups(halves[0]);
  let words: number[];
  if (halves.length === 2) {
    const tail = parseGroups(halves[1]).concat(tailWords);
    const missing = 8 - head.length - tail.length;
    if (missing < 1) throw bad();
    words = head.concat(new Array<number>(missing).fill(0), tail);
  } else {
    words = head.concat(tailWords);
    if (words.length !== 8) throw bad();
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >>> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

/**
 * 16 bytes (at `offset`) to RFC 5952 canonical text: lower case, no leading zeros, the longest
 * run of two or more zero groups (the first, on a tie) as `::`. IPv4-mapped (`::ffff:a.b.c.d`)
 * and IPv4-compatible (`::a.b.c.d`, first two bytes of the IPv4 part not both zero) addresses keep
 * the dotted tail, as glibc's inet_ntop and Wireshark print them.
 */
export function formatIpv6(b: Uint8Array, offset = 0): string {
  const w = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = (b[offset + 2 * i] << 8) | b[offset + 2 * i + 1];
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  // glibc inet_ntop and Wireshark: dotted tail only for ::a.b.c.d with a.b non-zero (a run of
  // exactly six zero groups) and for ::ffff:a.b.c.d; `::2` and `::ffff` stay hexadecimal.
  const embedded = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  let s = '';
  const groups = embedded ? 6 : 8;
  for (let i = 0; i < groups; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += w[i].toString(16);
  }
  if (embedded) {
    if (!s.endsWith(':')) s += ':';
    s += formatIpv4(((w[6] << 16) | w[7]) >>> 0);
  }
  return s;
}

/** Whether two 16-byte addresses (at their offsets) are equal. */
export function ipv6Equal(a: Uint8Array, b: Uint8Array, aOffset = 0, bOffset = 0): boolean {
  for (let i = 0; i < 16; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}
