import { DecodeError, type DissectionNode, hex, fieldNode as leaf, readU16 } from '@cnikit/wire';

/**
 * ICMPv6 Extended Echo Request 160 and Reply 161 (RFC 8335 §2–3, PROBE). The ICMPv6 view keeps
 * their bodies as raw bytes (kind `other`), so they round-trip unchanged; this module dissects the
 * fixed part. The request's ICMP extension structure (RFC 4884, the Interface Identification
 * Object) Wireshark shows as `icmp.ext.*` fields; it is not dissected here.
 */
export const ExtendedEchoType = { Request: 160, Reply: 161 } as const;

/** True for the ICMPv6 types this module dissects. */
export function isExtendedEchoType(type: number): boolean {
  return type === ExtendedEchoType.Request || type === ExtendedEchoType.Reply;
}

/**
 * The fields after the ICMPv6 type, code and checksum (`start` is the message's first byte), with
 * Wireshark's names: identifier, the 8-bit sequence number, then the request's reserved bits and
 * L bit or the reply's state, reserved bits and A/4/6 bits. A message shorter than 8 bytes is a
 * `truncated` DecodeError (tshark flags it malformed); quoted (`partial`), it shows what fits.
 */
export function dissectExtendedEcho(
  buf: Uint8Array,
  start: number,
  end: number,
  partial = false,
): DissectionNode[] {
  const o = start + 4;
  const nodes: DissectionNode[] = [];
  if (o + 2 <= end) {
    const id = readU16(buf, o);
    nodes.push(leaf('icmpv6.echo.identifier', 'Identifier', o, 2, id, `Identifier: ${hex(id, 4)}`));
  }
  if (o + 3 <= end) nodes.push(leaf('icmpv6.ext.echo.seq', 'Sequence number', o + 2, 1, buf[o + 2]));
  if (o + 4 > end) {
    if (partial) return nodes;
    throw new DecodeError(
      'truncated',
      'icmpv6',
      Math.min(end, o + 3),
      `extended echo needs 8 bytes, has ${end - start}`,
    );
  }
  const b = buf[o + 3];
  const at = o + 3;
  if (buf[start] === ExtendedEchoType.Request) {
    nodes.push(
      leaf('icmpv6.ext.echo.req.res', 'Reserved', at, 1, b >>> 1, `Reserved: ${hex(b >>> 1, 2)}`),
      leaf('icmpv6.ext.echo.req.local', 'Local bit', at, 1, (b & 1) !== 0),
    );
  } else {
    nodes.push(
      leaf('icmpv6.ext.echo.rsp.state', 'State', at, 1, b >>> 5),
      leaf('icmpv6.ext.echo.rsp.res', 'Reserved', at, 1, (b >>> 3) & 3, `Reserved: ${hex((b >>> 3) & 3, 1)}`),
      leaf('icmpv6.ext.echo.rsp.active', 'Active bit', at, 1, (b & 4) !== 0),
      leaf('icmpv6.ext.echo.rsp.ipv4', 'IPv4 bit', at, 1, (b & 2) !== 0),
      leaf('icmpv6.ext.echo.rsp.ipv6', 'IPv6 bit', at, 1, (b & 1) !== 0),
    );
  }
  return nodes;
}
