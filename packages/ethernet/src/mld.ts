import { type DissectionNode, formatIpv6, hex, fieldNode as leaf, readU16 } from '@cnikit/wire';

/**
 * Multicast Listener Discovery, the ICMPv6 messages a host sends for every multicast group it
 * joins (its solicited-node addresses included): MLDv1 (RFC 2710) Query 130, Report 131, Done 132;
 * MLDv2 (RFC 3810) Query 130 of 28 bytes or more, Report 143. The ICMPv6 view keeps their bodies
 * as raw bytes (kind `other`), so they round-trip unchanged; this module only dissects them.
 */
export const MldType = { Query: 130, Report: 131, Done: 132, Report2: 143 } as const;

/** The length from which a Query is an MLDv2 one (RFC 3810 §8.1). */
export const MLDV2_QUERY_MIN_LENGTH = 28;

/** True for the ICMPv6 types this module dissects. */
export function isMldType(type: number): boolean {
  return (type >= MldType.Query && type <= MldType.Done) || type === MldType.Report2;
}

/**
 * RFC 3810 §5.1.3/§5.1.9 floating-point codes (Maximum Response Code, QQIC): values from
 * `threshold` up are a 3-bit exponent and a mantissa of `mantissaBits` bits.
 */
function mldCode(code: number, threshold: number, mantissaBits: number): number {
  if (code < threshold) return code;
  const mantissa = code & ((1 << mantissaBits) - 1);
  const exponent = (code >>> mantissaBits) & 7;
  return (mantissa | (1 << mantissaBits)) * 2 ** (exponent + 3);
}

/**
 * The fields of an MLD message after the ICMPv6 type, code and checksum (`start` is the message's
 * first byte), with Wireshark's names. A message cut short shows the fields that fit, in order
 * (tshark also flags it malformed); a Report's records are read until the message ends, as
 * Wireshark does, whatever its record count says.
 */
export function dissectMld(buf: Uint8Array, start: number, end: number): DissectionNode[] {
  const type = buf[start];
  const nodes: DissectionNode[] = [];
  let o = start + 4;
  const fits = (n: number) => o + n <= end;
  const reserved = () => leaf('icmpv6.reserved', 'Reserved', o, 2, buf.subarray(o, o + 2));
  const address = (field: string, name: string, at: number) => leaf(field, name, at, 16, formatIpv6(buf, at));
  if (type === MldType.Report2) {
    if (!fits(2)) return nodes;
    nodes.push(reserved());
    o += 2;
    if (!fits(2)) return nodes;
    nodes.push(
      leaf('icmpv6.mldr.nb_mcast_records', 'Number of Multicast Address Records', o, 2, readU16(buf, o)),
    );
    o += 2;
    while (o < end) {
      const record = dissectRecord(buf, o, end);
      nodes.push(record);
      o += record.length;
    }
    return nodes;
  }
  const v2 = type === MldType.Query && end - start >= MLDV2_QUERY_MIN_LENGTH;
  if (!fits(2)) return nodes;
  const delay = readU16(buf, o);
  nodes.push(
    v2
      ? leaf('icmpv6.mld.maximum_response_code', 'Maximum Response Code', o, 2, mldCode(delay, 0x8000, 12))
      : leaf('icmpv6.mld.maximum_response_delay', 'Maximum Response Delay [ms]', o, 2, delay),
  );
  o += 2;
  if (!fits(2)) return nodes;
  nodes.push(reserved());
  o += 2;
  if (!fits(16)) return nodes;
  nodes.push(address('icmpv6.mld.multicast_address', 'Multicast Address', o));
  o += 16;
  if (!v2) return nodes;
  // v2: 28 bytes or more, so the flags, QQIC and source count are all there.
  const flags = buf[o];
  nodes.push(
    {
      field: 'icmpv6.mld.flag',
      name: 'Flags',
      offset: o,
      length: 1,
      value: flags,
      display: `Flags: ${hex(flags, 2)}`,
      children: [
        leaf('icmpv6.mld.flag.s', 'Suppress Router-Side Processing', o, 1, (flags & 0x08) !== 0),
        leaf('icmpv6.mld.flag.qrv', "QRV (Querier's Robustness Variable)", o, 1, flags & 0x07),
        leaf('icmpv6.mld.flag.reserved', 'Reserved', o, 1, flags >>> 4),
      ],
    },
    leaf('icmpv6.mld.qqi', "QQIC (Querier's Query Interval Code)", o + 1, 1, mldCode(buf[o + 1], 0x80, 4)),
    leaf('icmpv6.mld.nb_sources', 'Number of Sources', o + 2, 2, readU16(buf, o + 2)),
  );
  const sources = readU16(buf, o + 2);
  o += 4;
  for (let i = 0; i < sources && fits(16); i++, o += 16) {
    nodes.push(address('icmpv6.mld.source_address', 'Source Address', o));
  }
  return nodes;
}

const RECORD_TYPES: Record<number, string> = {
  1: 'Include',
  2: 'Exclude',
  3: 'Changed to include',
  4: 'Changed to exclude',
  5: 'Allow new sources',
  6: 'Block old sources',
};

/** One Multicast Address Record (RFC 3810 §5.2.4), as far as it fits before `end`. */
function dissectRecord(buf: Uint8Array, start: number, end: number): DissectionNode {
  const children: DissectionNode[] = [];
  const recordType = buf[start];
  const auxLength = start + 1 < end ? buf[start + 1] * 4 : 0;
  const sources = start + 4 <= end ? readU16(buf, start + 2) : 0;
  const length = 20 + 16 * sources + auxLength;
  let name = 'Multicast Address Record';
  children.push(leaf('icmpv6.mldr.mar.record_type', 'Record Type', start, 1, recordType));
  if (start + 2 <= end)
    children.push(leaf('icmpv6.mldr.mar.aux_data_len', 'Aux Data Len', start + 1, 1, buf[start + 1]));
  if (start + 4 <= end)
    children.push(leaf('icmpv6.mldr.mar.nb_sources', 'Number of Sources', start + 2, 2, sources));
  if (start + 20 <= end) {
    const group = formatIpv6(buf, start + 4);
    name = `Multicast Address Record ${RECORD_TYPES[recordType] ?? `Unknown Record Type (${recordType})`}: ${group}`;
    children.push(leaf('icmpv6.mldr.mar.multicast_address', 'Multicast Address', start + 4, 16, group));
    let o = start + 20;
    for (let i = 0; i < sources && o + 16 <= end; i++, o += 16) {
      children.push(leaf('icmpv6.mldr.mar.source_address', 'Source Address', o, 16, formatIpv6(buf, o)));
    }
    if (auxLength > 0 && o === start + 20 + 16 * sources && o + auxLength <= end) {
      children.push(
        leaf(
          'icmpv6.mldr.mar.auxiliary_data',
          'Auxiliary Data',
          o,
          auxLength,
          buf.subarray(o, o + auxLength),
        ),
      );
    }
  }
  return {
    field: 'icmpv6.mldr.mar',
    name,
    offset: start,
    length: Math.min(length, end - start),
    display: name,
    children,
  };
}
