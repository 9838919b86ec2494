import { DecodeError, type DissectionNode, fieldNode, formatBytes, hex } from '@cnikit/wire';
import {
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
} from '../netlink-constants.js';

/*
 * Captures hold netlink in the byte order of the host that made them; nlmon runs on little-endian
 * machines nearly everywhere, so the dissector reads little-endian (Wireshark guesses per capture).
 */
export function le16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}
export function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
export function le64(b: Uint8Array, o: number): bigint {
  return (BigInt(le32(b, o + 4)) << 32n) | BigInt(le32(b, o));
}

export type Node = DissectionNode;

const UTF8 = new TextDecoder();

/** Bits of nlmsg_flags every message has, then those of GET and of NEW requests (linux/netlink.h). */
const STANDARD_FLAGS: readonly (readonly [string, string, number])[] = [
  ['netlink.hdr_flags.request', 'Request', 0x01],
  ['netlink.hdr_flags.multi', 'Multipart message', 0x02],
  ['netlink.hdr_flags.ack', 'Ack', 0x04],
  ['netlink.hdr_flags.echo', 'Echo', 0x08],
  ['netlink.hdr_flags.dump_intr', 'Dump inconsistent', 0x10],
  ['netlink.hdr_flags.dump_filtered', 'Dump filtered', 0x20],
];
const GET_FLAGS: readonly (readonly [string, string, number])[] = [
  ['netlink.hdr_flags.root', 'Specify tree root', 0x100],
  ['netlink.hdr_flags.match', 'Return all matching', 0x200],
  ['netlink.hdr_flags.atomic', 'Atomic', 0x400],
];
const NEW_FLAGS: readonly (readonly [string, string, number])[] = [
  ['netlink.hdr_flags.replace', 'Replace', 0x100],
  ['netlink.hdr_flags.excl', 'Excl', 0x200],
  ['netlink.hdr_flags.create', 'Create', 0x400],
  ['netlink.hdr_flags.append', 'Append', 0x800],
];

function flagsNode(flags: number, at: number, extra: readonly (readonly [string, string, number])[]): Node {
  return {
    field: 'netlink.hdr_flags',
    name: 'Flags',
    offset: at,
    length: 2,
    value: flags,
    display: `Flags: ${hex(flags, 4)}`,
    children: [...STANDARD_FLAGS, ...extra].map(([field, name, bit]) => ({
      field,
      name,
      offset: at,
      length: 2,
      value: (flags & bit) !== 0,
    })),
  };
}

/** What the type word of a header is, for its field name: a control message, or a family's type. */
export interface TypeField {
  readonly field: string;
  readonly name: string;
}

export const CONTROL_TYPE: TypeField = { field: 'netlink.hdr_type', name: 'Message type' };

const CONTROL_NAMES: Readonly<Record<number, string>> = {
  1: 'Nothing',
  2: 'Error',
  3: 'End of a dump',
  4: 'Data lost',
};

/**
 * The 16-byte nlmsghdr as a subtree, as Wireshark shows it: a request's flags twice (once read as a
 * GET request's, once as a NEW request's, since the header alone does not say which it is).
 */
export function headerNode(buf: Uint8Array, at: number, type: TypeField, typeName: string | undefined): Node {
  const t = le16(buf, at + 4);
  const flags = le16(buf, at + 6);
  const shown = typeName ?? (type === CONTROL_TYPE ? CONTROL_NAMES[t] : undefined) ?? hex(t, 4);
  const children: Node[] = [
    fieldNode('netlink.hdr_len', 'Length', at, 4, le32(buf, at)),
    fieldNode(type.field, type.name, at + 4, 2, t),
  ];
  // Wireshark 4.0 adds the request-type bits only when a request sets some of them.
  if (flags & NLM_F_REQUEST && flags & 0xff00)
    children.push(flagsNode(flags, at + 6, GET_FLAGS), flagsNode(flags, at + 6, NEW_FLAGS));
  else children.push(flagsNode(flags, at + 6, []));
  children.push(
    fieldNode('netlink.hdr_seq', 'Sequence', at + 8, 4, le32(buf, at + 8)),
    fieldNode('netlink.hdr_pid', 'Port ID', at + 12, 4, le32(buf, at + 12)),
  );
  return {
    field: 'netlink.hdr',
    name: 'Netlink message header',
    offset: at,
    length: NLMSG_HDRLEN,
    display: `Netlink message header (type: ${shown})`,
    children,
  };
}

/** Checks the message at `at`: a whole header and a length that fits; returns where it ends. */
export function messageEnd(buf: Uint8Array, at: number, end: number, layer: string): number {
  if (end - at < NLMSG_HDRLEN) {
    throw new DecodeError('truncated', layer, at, `needs a 16-byte nlmsghdr, only ${end - at} left`);
  }
  const len = le32(buf, at);
  if (len < NLMSG_HDRLEN) throw new DecodeError('bad-length', layer, at, `nlmsg_len ${len} < 16`);
  if (len > end - at)
    throw new DecodeError('truncated', layer, at, `nlmsg_len ${len} but ${end - at} bytes left`);
  return at + len;
}

/**
 * A control message (type < 16: NOOP, ERROR, DONE, OVERRUN) as Wireshark's `Netlink message`: the
 * header, and for NLMSG_ERROR the error code and the header of the request it answers.
 */
export function controlMessageNode(buf: Uint8Array, at: number, end: number, layer: string): Node {
  const children: Node[] = [headerNode(buf, at, CONTROL_TYPE, undefined)];
  const type = le16(buf, at + 4);
  if (type === 2) {
    const p = at + NLMSG_HDRLEN;
    if (end - p < 4) throw new DecodeError('truncated', layer, p, 'NLMSG_ERROR without its error code');
    const error = le32(buf, p) | 0;
    children.push(fieldNode('netlink.error', 'Error code', p, 4, error));
    if (end - (p + 4) >= NLMSG_HDRLEN) children.push(headerNode(buf, p + 4, CONTROL_TYPE, undefined));
  }
  return {
    field: 'netlink.msg',
    name: 'Netlink message',
    offset: at,
    length: end - at,
    children,
  };
}

/** One attribute's header: where its value lies, its type without flag bits, its nodes so far. */
export interface AttributeHead {
  readonly start: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly type: number;
  readonly node: { children: Node[] } & Node;
}

/**
 * The attributes in buf[at, end) (struct nlattr, 4-byte aligned). For each, `decode` appends the
 * value's nodes to the children after the length and type (whose type-number field, the family's
 * `typeField`, it also names); fewer than 4 bytes left are padding.
 */
export function attributeNodes(
  buf: Uint8Array,
  at: number,
  end: number,
  layer: string,
  typeField: string,
  names: Readonly<Record<number, string>>,
  decode: (head: AttributeHead, out: Node[]) => void,
): Node[] {
  const out: Node[] = [];
  let p = at;
  while (end - p >= NLA_HDRLEN) {
    const len = le16(buf, p);
    if (len < NLA_HDRLEN) throw new DecodeError('bad-length', layer, p, `nla_len ${len} < 4`);
    if (len > end - p)
      throw new DecodeError('truncated', layer, p, `nla_len ${len} but ${end - p} bytes left`);
    const raw = le16(buf, p + 2);
    const type = raw & ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;
    const name = names[type];
    const children: Node[] = [
      fieldNode('netlink.attr_len', 'Len', p, 2, len),
      {
        field: 'netlink.attr_type',
        name: 'Type',
        offset: p + 2,
        length: 2,
        value: raw,
        display: `Type: ${hex(raw, 4)}${name ? `, ${name} (${type})` : ''}`,
        children: [
          fieldNode('netlink.attr_type.nested', 'Nested', p + 2, 2, (raw & NLA_F_NESTED) !== 0),
          fieldNode(
            'netlink.attr_type.net_byteorder',
            'Network byte order',
            p + 2,
            2,
            (raw & NLA_F_NET_BYTEORDER) !== 0,
          ),
          fieldNode(typeField, 'Attribute type', p + 2, 2, type),
        ],
      },
    ];
    const node = {
      field: 'netlink.attr',
      name: 'Attribute',
      offset: p,
      length: len,
      display: name ? `Attribute: ${name}` : 'Attribute',
      children,
    };
    decode({ start: p, valueStart: p + NLA_HDRLEN, valueEnd: p + len, type, node }, children);
    out.push(node);
    p += (len + 3) & ~3;
  }
  return out;
}

/** The raw value of an attribute this dissector (like Wireshark) does not decode. */
export function attrData(buf: Uint8Array, head: AttributeHead, out: Node[]): void {
  const bytes = buf.subarray(head.valueStart, head.valueEnd);
  out.push(
    fieldNode(
      'netlink.attr_data',
      'Data',
      head.valueStart,
      bytes.length,
      bytes,
      `Data: ${formatBytes(bytes, '')}`,
    ),
  );
}

/** A NUL-terminated string value, without its NUL. */
export function attrString(buf: Uint8Array, head: AttributeHead): string {
  let e = head.valueStart;
  while (e < head.valueEnd && buf[e] !== 0) e++;
  return UTF8.decode(buf.subarray(head.valueStart, e));
}
