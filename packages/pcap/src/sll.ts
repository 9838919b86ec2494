import {
  type DissectionNode,
  formatBytes,
  formatIpv4,
  formatMac,
  hex,
  type LayerDissector,
  readU16,
  readU32,
  requireBytes,
  writeU16,
} from '@cnikit/wire';
import { LinkType } from './link-types.js';

/** Linux cooked-capture (SLL, LINKTYPE_LINUX_SLL = 113) header: 16 bytes, all big-endian. */
export interface SllHeader {
  /** 0 to-us, 1 broadcast, 2 multicast, 3 other-host, 4 outgoing. */
  readonly packetType: number;
  /** ARPHRD_* of the device (1 Ethernet, 772 loopback, 778 IP-GRE, 824 netlink). */
  readonly addressType: number;
  /** Link-layer address length as sent; only the first 8 bytes fit. Absent → address length. */
  readonly addressLength?: number;
  readonly address: Uint8Array;
  /** EtherType, or a LINUX_SLL_P_* value (< 0x0600) such as 4 for 802.2 LLC. */
  readonly protocol: number;
}

export const SLL_HEADER_LENGTH = 16;
export const ARPHRD_IPGRE = 778;
export const ARPHRD_NETLINK = 824;
const EMPTY = new Uint8Array(0);
const LAYER = 'sll';

/** View over an SLL header; `payload` is what follows it. */
export class SllPacket {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): SllPacket {
    return new SllPacket().bind(buf, start, end);
  }

  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    requireBytes(LAYER, start, SLL_HEADER_LENGTH, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  get packetType(): number {
    return readU16(this.buf, this.start);
  }
  get addressType(): number {
    return readU16(this.buf, this.start + 2);
  }
  get addressLength(): number {
    return readU16(this.buf, this.start + 4);
  }
  /** The address bytes present (at most 8). */
  get address(): Uint8Array {
    return this.buf.subarray(this.start + 6, this.start + 6 + Math.min(8, this.addressLength));
  }
  get protocol(): number {
    return readU16(this.buf, this.start + 14);
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + SLL_HEADER_LENGTH, this.end);
  }

  toJSON(): SllHeader {
    return {
      packetType: this.packetType,
      addressType: this.addressType,
      addressLength: this.addressLength,
      address: this.address,
      protocol: this.protocol,
    };
  }
}

function u16Field(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`sll ${name} ${v} is not a uint16`);
}

/** Writes a 16-byte SLL header at `offset`; returns 16. */
export function writeSll(h: SllHeader, out: Uint8Array, offset = 0): number {
  u16Field('packetType', h.packetType);
  u16Field('addressType', h.addressType);
  u16Field('protocol', h.protocol);
  const addressLength = h.addressLength ?? h.address.length;
  u16Field('addressLength', addressLength);
  if (h.address.length > 8) throw new RangeError(`sll address of ${h.address.length} bytes exceeds 8`);
  if (out.length - offset < SLL_HEADER_LENGTH) throw new RangeError('sll: output buffer too small');
  writeU16(out, offset, h.packetType);
  writeU16(out, offset + 2, h.addressType);
  writeU16(out, offset + 4, addressLength);
  out.fill(0, offset + 6, offset + 14);
  out.set(h.address, offset + 6);
  writeU16(out, offset + 14, h.protocol);
  return SLL_HEADER_LENGTH;
}

export function encodeSll(h: SllHeader): Uint8Array {
  const out = new Uint8Array(SLL_HEADER_LENGTH);
  writeSll(h, out);
  return out;
}

export function leaf(
  field: string,
  name: string,
  offset: number,
  length: number,
  value: number | string | Uint8Array,
  display?: string,
): DissectionNode {
  return display === undefined
    ? { field, name, offset, length, value }
    : { field, name, offset, length, value, display };
}

/**
 * Address and "unused" nodes for SLL/SLL2's 8-byte address slot, named as Wireshark does:
 * `sll.src.eth` for 6 bytes, `sll.src.ipv4` for 4, `sll.src.other` otherwise.
 */
export function sllAddressNodes(buf: Uint8Array, at: number, addressLength: number): DissectionNode[] {
  const nodes: DissectionNode[] = [];
  const n = Math.min(8, addressLength);
  if (n === 6) nodes.push(leaf('sll.src.eth', 'Source', at, 6, formatMac(buf, at)));
  else if (n === 4) nodes.push(leaf('sll.src.ipv4', 'Source', at, 4, formatIpv4(readU32(buf, at))));
  else if (n > 0) nodes.push(leaf('sll.src.other', 'Source', at, n, buf.subarray(at, at + n)));
  if (n < 8) {
    const unused = buf.subarray(at + n, at + 8);
    nodes.push(leaf('sll.unused', 'Unused', at + n, 8 - n, unused, `Unused: ${formatBytes(unused, '')}`));
  }
  return nodes;
}

/** Protocol node and next-layer table for SLL/SLL2's protocol field, by the device type. */
export function sllProtocol(
  addressType: number,
  protocol: number,
  at: number,
): { node: DissectionNode; table: string } {
  const shown = hex(protocol, 4);
  if (addressType === ARPHRD_IPGRE) {
    return {
      node: leaf('sll.gretype', 'Protocol', at, 2, protocol, `Protocol: ${shown}`),
      table: 'gre.proto',
    };
  }
  if (addressType === ARPHRD_NETLINK) {
    return {
      node: leaf('sll.ltype', 'Protocol', at, 2, protocol, `Protocol: ${shown}`),
      table: 'netlink.family',
    };
  }
  if (protocol < 0x0600) {
    return { node: leaf('sll.ltype', 'Protocol', at, 2, protocol, `Protocol: ${shown}`), table: 'sll.ltype' };
  }
  return { node: leaf('sll.etype', 'Protocol', at, 2, protocol, `Protocol: ${shown}`), table: 'ethertype' };
}

/** Dissects an SLL header and hands over to `ethertype` (or `sll.ltype`, `gre.proto`). */
export const dissectSll: LayerDissector = (buf, start, end) => {
  const p = new SllPacket().bind(buf, start, end);
  const proto = sllProtocol(p.addressType, p.protocol, start + 14);
  const children: DissectionNode[] = [
    leaf('sll.pkttype', 'Packet type', start, 2, p.packetType),
    leaf('sll.hatype', 'Link-layer address type', start + 2, 2, p.addressType),
    leaf('sll.halen', 'Link-layer address length', start + 4, 2, p.addressLength),
    ...sllAddressNodes(buf, start + 6, p.addressLength),
    proto.node,
  ];
  return {
    node: {
      field: 'sll',
      name: 'Linux cooked capture v1',
      offset: start,
      length: SLL_HEADER_LENGTH,
      children,
    },
    next: { table: proto.table, keys: [p.protocol], start: start + SLL_HEADER_LENGTH, end },
  };
};

export const sllBindings = [{ table: 'link', key: LinkType.LINUX_SLL, layer: 'sll' }] as const;
