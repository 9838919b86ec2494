import {
  DecodeError,
  type DissectionNode,
  formatIpv4,
  formatIpv6,
  hex,
  fieldNode as leaf,
  readU16,
  readU32,
} from '@cnikit/wire';
import { dnsNameEnd, dnsNameText } from './dns-name.js';

/**
 * ICMPv6 Node Information Queries (RFC 4620): Query 139 and Reply 140. The ICMPv6 view keeps
 * their bodies as raw bytes (kind `other`), so they round-trip unchanged; this module dissects them.
 */
export const NodeInformationType = { Query: 139, Reply: 140 } as const;

/** Qtypes (RFC 4620 §4). */
export const NodeInformationQtype = { Noop: 0, NodeName: 2, NodeAddresses: 3, Ipv4Addresses: 4 } as const;

/** Query codes: what the Data field names (RFC 4620 §4). */
export const NodeInformationSubject = { Ipv6Address: 0, Name: 1, Ipv4Address: 2 } as const;

/** True for the ICMPv6 types this module dissects. */
export function isNodeInformationType(type: number): boolean {
  return type === NodeInformationType.Query || type === NodeInformationType.Reply;
}

const FLAG_BITS: readonly [string, string, number][] = [
  ['icmpv6.ni.flag.g', 'Global-scope addresses', 0x20],
  ['icmpv6.ni.flag.s', 'Site-local addresses', 0x10],
  ['icmpv6.ni.flag.l', 'Link-local addresses', 0x08],
  ['icmpv6.ni.flag.c', 'Compression', 0x04],
  ['icmpv6.ni.flag.a', 'Unicast Addresses', 0x02],
  ['icmpv6.ni.flag.t', 'Truncated', 0x01],
];

/**
 * The fields of a Node Information message after the ICMPv6 type, code and checksum (`start` is
 * the message's first byte), in Wireshark's order and names: qtype, flags, nonce, then a query's
 * subject (by code: IPv6 address, DNS name, IPv4 address) or a reply's data (by qtype: a TTL and
 * names; TTL + IPv6 address pairs; TTL + IPv4 address pairs). A field that does not fit is a
 * `truncated` DecodeError, as tshark flags it malformed; in a quoted message (`partial`) the
 * fields that fit are shown instead.
 */
export function dissectNodeInformation(
  buf: Uint8Array,
  start: number,
  end: number,
  partial = false,
): DissectionNode[] {
  const type = buf[start];
  const code = buf[start + 1];
  const nodes: DissectionNode[] = [];
  let o = start + 4;
  /** Where the name at `o` ends; -1 in a quoted message whose name cannot be read (cut or bad). */
  const nameEnd = (): number => {
    try {
      return dnsNameEnd(buf, o, end, 'icmpv6');
    } catch (e) {
      if (partial) return -1;
      throw e;
    }
  };
  const fits = (n: number): boolean => {
    if (o + n <= end) return true;
    if (partial) return false;
    throw new DecodeError(
      'truncated',
      'icmpv6',
      o,
      `node information field needs ${n} bytes, only ${end - o} left`,
    );
  };
  if (!fits(2)) return nodes;
  const qtype = readU16(buf, o);
  nodes.push(leaf('icmpv6.ni.qtype', 'Qtype', o, 2, qtype));
  o += 2;
  if (!fits(2)) return nodes;
  const flags = readU16(buf, o);
  nodes.push({
    field: 'icmpv6.ni.flag',
    name: 'Flags',
    offset: o,
    length: 2,
    value: flags,
    display: `Flags: ${hex(flags, 4)}`,
    children: [
      ...FLAG_BITS.map(([field, name, bit]) => leaf(field, name, o, 2, (flags & bit) !== 0)),
      leaf('icmpv6.ni.flag.rsv', 'Reserved', o, 2, flags >>> 6, `Reserved: ${hex(flags >>> 6, 3)}`),
    ],
  });
  o += 2;
  if (!fits(8)) return nodes;
  const nonce = (BigInt(readU32(buf, o)) << 32n) | BigInt(readU32(buf, o + 4));
  nodes.push(
    leaf('icmpv6.ni.nonce', 'Nonce', o, 8, nonce, `Nonce: 0x${nonce.toString(16).padStart(16, '0')}`),
  );
  o += 8;
  if (o >= end) return nodes;
  if (type === NodeInformationType.Query) {
    if (code === NodeInformationSubject.Ipv6Address && fits(16)) {
      nodes.push(leaf('icmpv6.ni.query.subject_ipv6', 'IPv6 subject address', o, 16, formatIpv6(buf, o)));
    } else if (code === NodeInformationSubject.Ipv4Address && fits(4)) {
      nodes.push(
        leaf('icmpv6.ni.query.subject_ipv4', 'IPv4 subject address', o, 4, formatIpv4(readU32(buf, o))),
      );
    } else if (code === NodeInformationSubject.Name) {
      const next = nameEnd();
      if (next < 0) return nodes;
      nodes.push(leaf('icmpv6.ni.query.subject_fqdn', 'FQDN subject', o, next - o, dnsNameText(buf, o)));
    }
    return nodes;
  }
  const ttl = () => leaf('icmpv6.ni.reply.node_ttl', 'TTL', o, 4, readU32(buf, o));
  switch (qtype) {
    case NodeInformationQtype.NodeName:
      if (!fits(4)) return nodes;
      nodes.push(ttl());
      o += 4;
      // Names until the data ends or a zero octet starts the padding.
      while (o < end && buf[o] !== 0) {
        const next = nameEnd();
        if (next < 0) break;
        nodes.push(leaf('icmpv6.ni.reply.node_name', 'Name Node', o, next - o, dnsNameText(buf, o)));
        o = next;
      }
      break;
    case NodeInformationQtype.NodeAddresses:
    case NodeInformationQtype.Ipv4Addresses: {
      const v6 = qtype === NodeInformationQtype.NodeAddresses;
      while (o < end) {
        if (!fits(4)) break;
        nodes.push(ttl());
        o += 4;
        if (!fits(v6 ? 16 : 4)) break;
        nodes.push(
          v6
            ? leaf('icmpv6.ni.reply.node_address', 'IPv6 Node address', o, 16, formatIpv6(buf, o))
            : leaf('icmpv6.ni.reply.ipv4_address', 'IPv4 Node address', o, 4, formatIpv4(readU32(buf, o))),
        );
        o += v6 ? 16 : 4;
      }
      break;
    }
  }
  return nodes;
}
