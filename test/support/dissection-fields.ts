import type { DissectionNode, FieldValue } from '@cnikit/wire';
import { formatBytes, walkNodes } from '@cnikit/wire';
import type { FieldValues } from './tshark-expected.js';

/** A value as text in tshark's JSON conventions: decimal numbers, `1`/`0`, colon hex bytes. */
export function fieldValueText(value: FieldValue): string {
  if (value instanceof Uint8Array) return formatBytes(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/**
 * Flattens our dissection into the shape of {@link flattenTshark}: every node that carries a
 * value, in tree order. Layers named in `skipLayers` (by default `data`, the bytes no cnikit
 * dissector claimed, which tshark hands to higher-layer dissectors) are left out.
 */
export function flattenDissection(
  layers: readonly DissectionNode[],
  skipLayers: ReadonlySet<string> = new Set(['data']),
): FieldValues {
  const out: FieldValues = new Map();
  for (const layer of layers) {
    if (skipLayers.has(layer.field)) continue;
    for (const node of walkNodes([layer])) {
      if (node.value === undefined) continue;
      let list = out.get(node.field);
      if (!list) out.set(node.field, (list = []));
      list.push(fieldValueText(node.value));
    }
  }
  return out;
}

/**
 * How often each field occurs in our dissection, counting nodes without a value too (tshark writes
 * its `FT_NONE` fields, such as `icmpv6.opt.reserved`, as `""`). Layers in `skipLayers` are left out.
 */
export function fieldCounts(
  layers: readonly DissectionNode[],
  skipLayers: ReadonlySet<string> = new Set(['data']),
): Map<string, number> {
  const out = new Map<string, number>();
  for (const layer of layers) {
    if (skipLayers.has(layer.field)) continue;
    for (const node of walkNodes([layer])) out.set(node.field, (out.get(node.field) ?? 0) + 1);
  }
  return out;
}

const INTEGER = /^(0x[0-9a-f]+|-?[0-9]+)$/i;

/**
 * Our text against tshark's: equal text, or the same integer where tshark writes hex
 * (`2048` = `0x0800`, `1` = `0x01`).
 */
export function sameValue(ours: string, theirs: string): boolean {
  if (ours === theirs) return true;
  if (!/^-?[0-9]+$/.test(ours) || !INTEGER.test(theirs)) return false;
  return BigInt(ours) === BigInt(theirs);
}
