import { DecodeError } from '@cnikit/wire';

/**
 * Uncompressed DNS names (RFC 1035 §3.1) as NDP's DNSSL option (RFC 8106 §5.2) and ICMPv6 Node
 * Information (RFC 4620 §3) carry them: length-prefixed labels ending with the zero-length root
 * label. Names are dotted text, one character per label byte (so a byte round-trips as is).
 */

/** Where the name at `o` ends (after its root label), or throws DecodeError if it cannot be read in buf[o, end). */
export function dnsNameEnd(buf: Uint8Array, o: number, end: number, layer: string): number {
  let i = o;
  for (;;) {
    if (i >= end) throw new DecodeError('truncated', layer, i, 'domain name runs past its field');
    const n = buf[i];
    if (n === 0) return i + 1;
    if (n > 63)
      throw new DecodeError('bad-value', layer, i, `label length ${n} (compression is not allowed here)`);
    i += 1 + n;
  }
}

/** The dotted text of a name `dnsNameEnd` accepted (`<Root>` for the root, as Wireshark writes it). */
export function dnsNameText(buf: Uint8Array, o: number): string {
  let text = '';
  for (let i = o; buf[i] !== 0; i += 1 + buf[i]) {
    if (text !== '') text += '.';
    text += String.fromCharCode(...buf.subarray(i + 1, i + 1 + buf[i]));
  }
  return text === '' ? '<Root>' : text;
}

/** Whether every label of a name `dnsNameEnd` accepted is free of '.', so its text writes back byte-exact. */
export function dnsNameIsPlain(buf: Uint8Array, o: number): boolean {
  for (let i = o; buf[i] !== 0; i += 1 + buf[i]) {
    if (buf.subarray(i + 1, i + 1 + buf[i]).includes(0x2e)) return false;
  }
  return true;
}

/** Bytes `writeDnsName` emits for `name`; throws RangeError naming `field` if it cannot be encoded. */
export function dnsNameSize(field: string, name: string): number {
  const labels = name.split('.');
  let size = 1;
  for (const label of labels) {
    if (label.length < 1 || label.length > 63) {
      throw new RangeError(`${field} ${JSON.stringify(name)}: each label must be 1..63 characters`);
    }
    for (let k = 0; k < label.length; k++) {
      const c = label.charCodeAt(k);
      if (c < 1 || c > 255)
        throw new RangeError(`${field} ${JSON.stringify(name)}: character ${c} is not a byte`);
    }
    size += 1 + label.length;
  }
  if (size > 255) throw new RangeError(`${field} ${JSON.stringify(name)} is ${size} bytes encoded, over 255`);
  return size;
}

/** Writes a name checked by `dnsNameSize` at `o`; returns the offset after it. */
export function writeDnsName(name: string, out: Uint8Array, o: number): number {
  let i = o;
  for (const label of name.split('.')) {
    out[i++] = label.length;
    for (let k = 0; k < label.length; k++) out[i++] = label.charCodeAt(k);
  }
  out[i++] = 0;
  return i;
}
