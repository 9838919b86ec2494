import { formatBytes } from './bytes.js';
import type { DissectionNode, FieldValue } from './dissection.js';

/** A value as text: bytes as colon hex, everything else as itself. */
export function formatFieldValue(value: FieldValue | undefined): string {
  if (value === undefined) return '';
  if (value instanceof Uint8Array) return formatBytes(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** One line per node, indented four spaces per level, like `tshark -V`. */
export function formatTree(nodes: readonly DissectionNode[], indent = ''): string {
  let out = '';
  for (const n of nodes) {
    const text = n.display ?? (n.value === undefined ? n.name : `${n.name}: ${formatFieldValue(n.value)}`);
    out += `${indent}${text}\n`;
    if (n.children) out += formatTree(n.children, `${indent}    `);
  }
  return out;
}
