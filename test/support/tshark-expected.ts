import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** tshark's `-T json` packet: `_source.layers` holds one object per protocol, in order. */
export type TsharkLayers = Record<string, unknown>;

/** Field name → every value tshark wrote for it in one packet, in document order. */
export type FieldValues = Map<string, string[]>;

/** Reads an `expected/*.json.gz` file: one entry per frame, frame.number - 1 = array index. */
export function loadTsharkPackets(path: string): TsharkLayers[] {
  const packets = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
    _source: { layers: TsharkLayers };
  }[];
  return packets.map((p) => p._source.layers);
}

/**
 * Flattens a packet's layers: keys holding text are fields; objects (protocol layers, `*_tree`
 * subtrees, text-label subtrees) are walked in place; arrays (repeats that `--no-duplicate-keys`
 * merged) contribute each element in turn.
 */
export function flattenTshark(layers: TsharkLayers): FieldValues {
  const out: FieldValues = new Map();
  const visit = (key: string, value: unknown) => {
    if (typeof value === 'string') {
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(key, v);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(k, v);
    }
  };
  visit('', layers);
  return out;
}

const EXPERT_ERROR_SEVERITY = '8388608';

/**
 * True when tshark gave up on part of the packet: `[Malformed Packet]`, an expert error, or a
 * capture cut short by the snap length (`_ws.short`).
 */
export function tsharkFlagsMalformed(layers: TsharkLayers, fields: FieldValues): boolean {
  return (
    fields.has('_ws.malformed') ||
    fields.has('_ws.malformed.expert') ||
    fields.has('_ws.short') ||
    (fields.get('_ws.expert.severity') ?? []).includes(EXPERT_ERROR_SEVERITY) ||
    '_ws.malformed' in layers
  );
}
