import { type Dissection, type DissectionNode, type FieldValue, formatBytes } from '@cnikit/wire';

/** A JSON-ready field value: numbers stay numbers, addresses and bytes are text as Wireshark writes them. */
export type JsonFieldValue = number | string;

/** Every field of a dissection keyed by Wireshark display-filter name, values in order of appearance. */
export type FieldMap = Map<string, JsonFieldValue[]>;

export function jsonFieldValue(value: FieldValue): JsonFieldValue {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  return formatBytes(value);
}

/** Flattens the layers of a dissection; protocol nodes are recorded as present (for bare-name filters). */
export interface CollectedFields {
  readonly fields: FieldMap;
  /** Field names of the layers, outermost first (`eth`, `ip`, `udp`, `vxlan`, `eth`, …). */
  readonly protocols: string[];
}

export function collectFields(dissection: Dissection): CollectedFields {
  const fields: FieldMap = new Map();
  const protocols: string[] = [];
  const visit = (node: DissectionNode, isLayer: boolean) => {
    if (isLayer) protocols.push(node.field);
    if (node.value !== undefined) {
      const v = jsonFieldValue(node.value);
      const list = fields.get(node.field);
      if (list) list.push(v);
      else fields.set(node.field, [v]);
    }
    if (node.children) for (const c of node.children) visit(c, false);
  };
  for (const layer of dissection.layers) visit(layer, true);
  return { fields, protocols };
}

/** One packet's NDJSON object. */
export type PacketJson = Record<string, JsonFieldValue | JsonFieldValue[] | Record<string, JsonFieldValue>>;

/**
 * One NDJSON object: a field seen once maps to its value, a field seen more often (inner and
 * outer `ip.src` in VXLAN) to an array of its values in order. A malformed packet adds
 * `_ws.malformed` with the error's layer, offset and reason, as tshark names it.
 */
export function packetJson(
  dissection: Dissection,
  frame: Record<string, JsonFieldValue>,
  { fields, protocols }: CollectedFields = collectFields(dissection),
): PacketJson {
  const out: PacketJson = {
    ...frame,
    'frame.protocols': protocols.join(':'),
  };
  for (const [name, values] of fields) out[name] = values.length === 1 ? values[0] : values;
  if (dissection.malformed) {
    const e = dissection.malformed;
    out['_ws.malformed'] = { layer: e.layer, offset: e.offset, reason: e.reason, code: e.code };
  }
  return out;
}
