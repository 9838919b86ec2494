import { sameValue } from './dissection-fields.js';
import type { FieldValues } from './tshark-expected.js';

export interface FieldMismatch {
  readonly field: string;
  /** Which occurrence of the field in the packet (0 = first). */
  readonly occurrence: number;
  readonly ours: string;
  /** undefined: tshark has fewer occurrences of the field, or none. */
  readonly theirs: string | undefined;
}

export interface FieldAgreement {
  /** Occurrences compared value against value. */
  readonly compared: number;
  readonly mismatches: FieldMismatch[];
  /** Occurrences tshark lacks that were not counted as mismatches (allow-listed or past a malformed point). */
  readonly unmatched: number;
}

/**
 * Compares every field we emit with tshark's occurrences of the same name, in order. tshark
 * often decodes deeper than we do, so its extra occurrences are ignored; ours beyond tshark's
 * are mismatches, unless the field is in `allowMissing` (absent from tshark by design) or
 * tshark gave up on the packet (`theirsStopEarly`), in which case only the shared prefix counts.
 */
export function compareFields(
  ours: FieldValues,
  theirs: FieldValues,
  options: { readonly allowMissing: ReadonlySet<string>; readonly theirsStopEarly: boolean },
): FieldAgreement {
  let compared = 0;
  let unmatched = 0;
  const mismatches: FieldMismatch[] = [];
  for (const [field, values] of ours) {
    const expected = theirs.get(field) ?? [];
    for (let i = 0; i < values.length; i++) {
      if (i < expected.length) {
        compared++;
        if (!sameValue(values[i], expected[i])) {
          mismatches.push({ field, occurrence: i, ours: values[i], theirs: expected[i] });
        }
      } else if (options.theirsStopEarly || (expected.length === 0 && options.allowMissing.has(field))) {
        unmatched++;
      } else {
        mismatches.push({ field, occurrence: i, ours: values[i], theirs: undefined });
      }
    }
  }
  return { compared, mismatches, unmatched };
}
