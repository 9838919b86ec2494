import { formatBytes } from './bytes.js';
import type { DissectionNode } from './dissection.js';
import { formatFieldValue } from './format-tree.js';

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
 * Hex dump annotated with the field under each byte range: one line per leaf field (or run of
 * up to 16 bytes of it), in offset order, with the Wireshark field name and value beside it.
 * Bytes no field covers are shown as unannotated.
 */
export function annotatedHexdump(
  b: Uint8Array,
  layers: readonly DissectionNode[],
  maxBytesPerField = 16,
): string {
  const leaves: DissectionNode[] = [];
  const collect = (nodes: readonly DissectionNode[]) => {
    for (const n of nodes) {
      if (n.children?.some((c) => c.length > 0)) collect(n.children);
      else if (n.length > 0) leaves.push(n);
    }
  };
  collect(layers);
  leaves.sort((x, y) => x.offset - y.offset || y.length - x.length);
  let out = '';
  let covered = 0;
  const line = (offset: number, length: number, label: string) => {
    const shown = Math.min(length, maxBytesPerField);
    let bytes = formatBytes(b.subarray(offset, offset + shown), ' ');
    if (shown < length) bytes += ' …';
    out += `${offset.toString(16).padStart(4, '0')}  ${bytes.padEnd(3 * maxBytesPerField + 1)} ${label}\n`;
  };
  for (const f of leaves) {
    if (f.offset + f.length <= covered) continue;
    if (f.offset > covered) line(covered, f.offset - covered, '');
    const start = Math.max(f.offset, covered);
    const value = f.value instanceof Uint8Array ? `(${f.value.length} bytes)` : formatFieldValue(f.value);
    line(start, f.offset + f.length - start, `${f.field}${value === '' ? '' : ` = ${value}`}`);
    covered = f.offset + f.length;
  }
  if (covered < b.length) line(covered, b.length - covered, '');
  return out;
}
