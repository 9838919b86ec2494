import type { DissectionNode, FieldValue } from './dissection.js';

/** A dissection leaf: `display` and `value` are left off when not given, as a literal would. */
export function fieldNode(
  field: string,
  name: string,
  offset: number,
  length: number,
  value?: FieldValue,
  display?: string,
): DissectionNode {
  const node: { -readonly [K in keyof DissectionNode]: DissectionNode[K] } = { field, name, offset, length };
  if (value !== undefined) node.value = value;
  if (display !== undefined) node.display = display;
  return node;
}

/** Wireshark's `data` layer over buf[start, end): the bytes no dissector claims. */
export function dataNode(buf: Uint8Array, start: number, end: number): DissectionNode {
  return {
    field: 'data',
    name: 'Data',
    offset: start,
    length: end - start,
    display: `Data (${end - start} bytes)`,
    children: [
      fieldNode('data.data', 'Data', start, end - start, buf.subarray(start, end)),
      fieldNode('data.len', 'Length', start, 0, end - start),
    ],
  };
}
