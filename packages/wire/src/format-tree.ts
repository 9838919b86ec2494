import { formatBytes } from './bytes.js';
import type { DissectionNode, FieldValue } from './dissection.js';

/** A value as text: bytes as colon hex, everything else as itself. */
export function formatFieldValue(value: FieldValue | undefined): string {
  if (value === undefined) return '';
  if (value instanceof Uint8Array) return formatBytes(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** The value as the tree shows it: the part of `display` after `Name: `, or the formatted value. */
export function displayValue(node: DissectionNode): string {
  if (node.display !== undefined) {
    const colon = node.display.indexOf(': ');
    if (colon >= 0) return node.display.slice(colon + 2);
  }
  if (node.value instanceof Uint8Array) return `(${node.value.length} bytes)`;
  return formatFieldValue(node.value);
}

/** One line per node (hidden ones left out), indented four spaces per level, like `tshark -V`. */
export function formatTree(nodes: readonly DissectionNode[], indent = ''): string {
  let out = '';
  for (const n of nodes) {
    if (n.hidden) continue;
    const text = n.display ?? (n.value === undefined ? n.name : `${n.name}: ${formatFieldValue(n.value)}`);
    out += `${indent}${text}\n`;
    if (n.children) out += formatTree(n.children, `${indent}    `);
  }
  return out;
}
