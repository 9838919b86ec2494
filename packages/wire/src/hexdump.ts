import { formatBytes } from './bytes.js';
import type { DissectionNode } from './dissection.js';
import { displayValue } from './format-tree.js';

/** Classic 16-bytes-a-line hex dump with offsets and printable ASCII. */
export function hexdump(b: Uint8Array, start = 0, end = b.length): string {
  let out = '';
  for (let line = start; line < end; line += 16) {
    const stop = Math.min(end, line + 16);
    let hexPart = '';
    let ascii = '';
    for (let i = line; i < line + 16; i++) {
      if (i < stop) {
        hexPart += `${b[i].toString(16).padStart(2, '0')} `;
        ascii += b[i] >= 0x20 && b[i] < 0x7f ? String.fromCharCode(b[i]) : '.';
      } else hexPart += '   ';
      if (i === line + 7) hexPart += ' ';
    }
    out += `${(line - start).toString(16).padStart(4, '0')}  ${hexPart} ${ascii}\n`;
  }
  return out;
}

/**
 * Hex dump annotated with the field under each byte range: one line per field (cut to
 * `maxBytesPerField` bytes), in offset order, with the Wireshark field name and the value as the
 * tree shows it. A field with a value is shown whole rather than through its sub-fields (`ip.flags`,
 * not `ip.flags.df`); fields starting at the same byte (`ip.version` and `ip.hdr_len`, `ip.flags`
 * and `ip.frag_offset`) share the line of the longest.
 * Hidden fields are left out; bytes no field covers are shown unannotated.
 */
export function annotatedHexdump(
  b: Uint8Array,
  layers: readonly DissectionNode[],
  maxBytesPerField = 16,
): string {
  const fields: DissectionNode[] = [];
  const collect = (nodes: readonly DissectionNode[]) => {
    for (const n of nodes) {
      if (n.hidden) continue;
      const hasChildren = n.children?.some((c) => c.length > 0 && !c.hidden) ?? false;
      if (n.value === undefined && hasChildren) collect(n.children ?? []);
      else if (n.length > 0) fields.push(n);
    }
  };
  collect(layers);
  const order = new Map(fields.map((f, i) => [f, i]));
  fields.sort((x, y) => x.offset - y.offset || y.length - x.length);
  let out = '';
  let covered = 0;
  const line = (offset: number, length: number, label: string) => {
    const shown = Math.min(length, maxBytesPerField);
    let bytes = formatBytes(b.subarray(offset, offset + shown), ' ');
    if (shown < length) bytes += ' …';
    out += `${offset.toString(16).padStart(4, '0')}  ${bytes.padEnd(3 * maxBytesPerField + 1)} ${label}\n`;
  };
  const label = (f: DissectionNode) => {
    const value = displayValue(f);
    return value === '' ? f.field : `${f.field} = ${value}`;
  };
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.offset + f.length <= covered) continue;
    if (f.offset > covered) line(covered, f.offset - covered, '');
    const start = Math.max(f.offset, covered);
    const group = [f];
    while (i + 1 < fields.length && fields[i + 1].offset === f.offset) group.push(fields[++i]);
    // Labels in tree order (ip.flags before ip.frag_offset), whatever their lengths.
    const text = group
      .sort((x, y) => order.get(x)! - order.get(y)!)
      .map(label)
      .join(', ');
    line(start, f.offset + f.length - start, text);
    covered = f.offset + f.length;
  }
  if (covered < b.length) line(covered, b.length - covered, '');
  return out;
}
