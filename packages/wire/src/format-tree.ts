import { formatBytes } from './bytes.js';
import type { DissectionNode, FieldValue } from './dissection.js';
import { type FieldDescription, namedValue } from './field-description.js';

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

export interface TreeOptions {
  /** Prefix of every line (default none). */
  readonly indent?: string;
  /**
   * Field descriptions (a registry's `fields`): a value its field names is shown by name
   * (`Protocol: UDP (17)`), a generated field in brackets (`[Checksum Status: Good]`).
   */
  readonly fields?: ReadonlyMap<string, FieldDescription>;
}

/**
 * One line per node (hidden ones left out), indented four spaces per level, like `tshark -V`.
 * The second argument is the indent, or options with it and the field descriptions to name values.
 */
export function formatTree(nodes: readonly DissectionNode[], options: string | TreeOptions = ''): string {
  const { indent = '', fields } = typeof options === 'string' ? { indent: options } : options;
  return formatLevel(nodes, indent, fields);
}

function formatLevel(
  nodes: readonly DissectionNode[],
  indent: string,
  fields: ReadonlyMap<string, FieldDescription> | undefined,
): string {
  let out = '';
  for (const n of nodes) {
    if (n.hidden) continue;
    const description = fields?.get(n.field);
    let text = n.display;
    const named = namedValue(description, n.value);
    if (text === undefined || (named !== undefined && spellsOnlyTheNumber(n.name, text))) {
      if (n.value === undefined) text = n.name;
      else text = `${n.name}: ${named ?? formatFieldValue(n.value)}`;
    }
    if (description?.generated && !text.startsWith('[')) text = `[${text}]`;
    out += `${indent}${text}\n`;
    if (n.children) out += formatLevel(n.children, `${indent}    `, fields);
  }
  return out;
}

/** A display that only writes the number (`Type: 0x0800`): a value name says more. */
function spellsOnlyTheNumber(name: string, display: string): boolean {
  return display.startsWith(`${name}: `) && /^(0x[0-9a-f]+|-?[0-9]+)$/i.test(display.slice(name.length + 2));
}
