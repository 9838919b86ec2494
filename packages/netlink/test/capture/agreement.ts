import { composeDissectors, dissect, LINK_TABLE } from '@cnikit/wire';
import {
  compareFields,
  type FieldMismatch,
  flattenDissection,
  flattenTshark,
  type TsharkLayers,
  tsharkFlagsMalformed,
} from '../../../../test/support/corpus.js';
import { LINKTYPE_NETLINK, netlinkDissectors } from '../../src/index.js';

const REGISTRY = composeDissectors(netlinkDissectors);

/**
 * Fields tshark 4.0.17 shows in these captures that our dissection does not emit, each with why.
 * An agreement run asserts that what tshark has beyond us is exactly (a subset of) this list.
 */
export const TSHARK_ONLY_FIELDS: Readonly<Record<string, string>> = {
  'data.data': "the payload of NLMSG_DONE (its error code) and of unknown families, tshark's data layer",
  'data.len': "the length of that data, tshark's data layer",
  'genl.reserved':
    'two reserved bytes tshark shows as a label without a value; we show the label too, so there is no value to compare',
};

export interface NetlinkAgreement {
  readonly frames: number;
  readonly compared: number;
  readonly comparedByField: Map<string, number>;
  readonly mismatches: (FieldMismatch & { frame: number })[];
  /** tshark fields present in the capture that we never emitted, with how often tshark has them. */
  readonly tsharkOnly: Map<string, number>;
  /** Frames where tshark shows more occurrences of a field we do emit (should be none). */
  readonly fewer: { frame: number; field: string; ours: number; theirs: number }[];
}

/** Dissects every frame with our netlink dissectors and compares every field with tshark's JSON. */
export function agreeWithTshark(
  frames: readonly Uint8Array[],
  tshark: readonly TsharkLayers[],
): NetlinkAgreement {
  const comparedByField = new Map<string, number>();
  const mismatches: (FieldMismatch & { frame: number })[] = [];
  const tsharkOnly = new Map<string, number>();
  const ours = new Set<string>();
  const fewer: NetlinkAgreement['fewer'] = [];
  let compared = 0;
  if (frames.length !== tshark.length)
    throw new Error(`${frames.length} frames but tshark decoded ${tshark.length}`);
  frames.forEach((frame, i) => {
    const d = dissect(REGISTRY, frame, { table: LINK_TABLE, key: LINKTYPE_NETLINK });
    if (d.malformed) throw new Error(`frame ${i + 1}: ${d.malformed.message}`);
    const mine = flattenDissection(d.layers);
    const theirs = flattenTshark(tshark[i]);
    const r = compareFields(mine, theirs, {
      allowMissing: new Set(),
      theirsStopEarly: tsharkFlagsMalformed(tshark[i], theirs),
      comparedByField,
    });
    compared += r.compared;
    for (const m of r.mismatches) mismatches.push({ ...m, frame: i + 1 });
    for (const field of mine.keys()) ours.add(field);
    for (const [field, values] of theirs) {
      if (field.startsWith('frame.')) continue;
      const n = mine.get(field)?.length ?? 0;
      if (n === 0) tsharkOnly.set(field, (tsharkOnly.get(field) ?? 0) + values.length);
      else if (n < values.length) fewer.push({ frame: i + 1, field, ours: n, theirs: values.length });
    }
  });
  for (const f of ours) tsharkOnly.delete(f);
  return { frames: frames.length, compared, comparedByField, mismatches, tsharkOnly, fewer };
}
