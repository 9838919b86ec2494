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
  /** Of `compared`: values equal only as a multiset, see compareFields. */
  readonly reordered: number;
  /** Occurrences of skipped fields. */
  readonly skipped: number;
}

/**
 * Compares every field we emit with tshark's occurrences of the same name, in order. tshark
 * often decodes deeper than we do, so its extra occurrences are ignored; ours beyond tshark's
 * are mismatches, unless the field is in `allowMissing` (absent from tshark by design) or
 * tshark gave up on the packet (`theirsStopEarly`), in which case only the shared prefix counts.
 *
 * `--no-duplicate-keys` merges repeats of a key within one JSON object into an array at the first
 * one's place, so a field under several repeated subtrees (`tcp.option_kind` under NOP, NOP,
 * timestamp, NOP, window scale) loses its order in tshark's JSON. When a field's values differ
 * in order only (same count, same multiset), they count as compared and as `reordered`.
 */
export function compareFields(
  ours: FieldValues,
  theirs: FieldValues,
  options: {
    readonly allowMissing: ReadonlySet<string>;
    readonly theirsStopEarly: boolean;
    /** Fields whose tshark value is not comparable in this packet (e.g. depends on earlier packets). */
    readonly skip?: (field: string) => boolean;
    /** Adds, per field, how many of its values were compared. */
    readonly comparedByField?: Map<string, number>;
  },
): FieldAgreement {
  let compared = 0;
  let unmatched = 0;
  let reordered = 0;
  let skipped = 0;
  const mismatches: FieldMismatch[] = [];
  for (const [field, values] of ours) {
    if (options.skip?.(field)) {
      skipped += values.length;
      continue;
    }
    const expected = theirs.get(field) ?? [];
    const shared = Math.min(values.length, expected.length);
    if (values.length === expected.length && values.length > 1 && sameMultiset(values, expected)) {
      compared += shared;
      if (!values.every((v, i) => sameValue(v, expected[i]))) reordered += shared;
      options.comparedByField?.set(field, (options.comparedByField.get(field) ?? 0) + shared);
      continue;
    }
    if (shared > 0 && options.comparedByField) {
      options.comparedByField.set(field, (options.comparedByField.get(field) ?? 0) + shared);
    }
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
  return { compared, mismatches, unmatched, reordered, skipped };
}

/** Whether each of ours pairs with a distinct one of theirs under sameValue. */
function sameMultiset(ours: readonly string[], theirs: readonly string[]): boolean {
  const left = [...theirs];
  for (const v of ours) {
    const i = left.findIndex((t) => sameValue(v, t));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

/**
 * The occurrences of `fields` that tshark shows beyond ours, as mismatches (`ours` = `(absent)`).
 * compareFields ignores tshark's extra occurrences because tshark decodes deeper; use this for
 * fields we must emit whenever tshark does (Ethernet padding, trailer, FCS once the upper layer is
 * ours), so that a dissector that stops emitting them is caught.
 */
export function missingFields(
  ours: FieldValues,
  theirs: FieldValues,
  fields: readonly string[],
): FieldMismatch[] {
  const missing: FieldMismatch[] = [];
  for (const field of fields) {
    const mine = ours.get(field)?.length ?? 0;
    const expected = theirs.get(field) ?? [];
    for (let i = mine; i < expected.length; i++) {
      missing.push({ field, occurrence: i, ours: '(absent)', theirs: expected[i] });
    }
  }
  return missing;
}

/**
 * The bytes after the upper layer, owned by the Ethernet header or the tag before it: tshark shows
 * them whenever the layer after the Ethernet header or tag ends early, which a dissector knows
 * once that layer is its own. For `missingFields` in packets whose layers are all ours.
 */
export const LINK_TRAILER_FIELDS = [
  'eth.padding',
  'eth.trailer',
  'eth.fcs',
  'eth.fcs.status',
  'vlan.trailer',
  'ieee8021ah.trailer',
] as const;

/**
 * TCP fields whose tshark value rests on earlier packets of the connection, so a dissector of one
 * packet cannot know it: SACK edges (shown relative to the initial sequence number) and, after an
 * AccECN handshake, the three bits tshark then shows as one ACE counter (`tcp.flags.ace`).
 */
export function statefulTcpFields(theirs: FieldValues): (field: string) => boolean {
  const accEcn = theirs.has('tcp.flags.ace');
  return (field) =>
    field === 'tcp.options.sack_le' ||
    field === 'tcp.options.sack_re' ||
    (accEcn &&
      (field === 'tcp.flags.ae' ||
        field === 'tcp.flags.cwr' ||
        field === 'tcp.flags.ece' ||
        field === 'tcp.flags.str'));
}

/**
 * tshark fields in our layers that we do not emit by design, because they are views of other
 * fields (`udp.payload` is the next layer's bytes, `eth.addr.oui`; `eth.addr`, `ip.addr` and `ipv6.addr` we emit, hidden, for filters), name
 * resolution (`*_host`, `*_resolved`), conversation state (streams, relative sequence numbers,
 * TCP analysis, request/response links and times, reassembly), tshark's guesses (`icmp.data_time`:
 * the echo payload read as a timestamp) or expert notes about values we do show
 * (`tcp.connection.syn`, `ip.ttl.too_small`, `udp.possible_traceroute` for a port in traceroute's range).
 */
export const TSHARK_DERIVED =
  /(_host|^(?!(eth|ip|ipv6)\.addr$).*\.addr|\.stream|\.time_relative|\.time_delta|\.completeness|\.payload|_resolved|^eth\.addr\.oui|^ip\.host|^ipv6\.host|^tcp\.(seq|ack|nxtseq|window_size|window_size_scalefactor|segment_data|connection\..*|analysis.*)$|^(icmp|icmpv6)\.(resp_to|resptime|resp_not_found|no_resp|data_time|data_time_relative)$|^ip\.ttl\.too_small$|^udp\.possible_traceroute$|^(ip|ipv6)\.(reassembled_in|reassembled\..*|fragment|fragments|fragment\..*)$|^(eth|tcp|udp|icmp|icmpv6|ip|ipv6)\.(checksum_calculated|checksum\.bad|.*\.expert|.*slaac_mac))$/;
