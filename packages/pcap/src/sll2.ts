import {
  type DissectionNode,
  type LayerDissector,
  readU16,
  readU32,
  requireBytes,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { LinkType } from './link-types.js';
import { leaf, sllAddressNodes, sllProtocol } from './sll.js';

/** Linux cooked-capture v2 (SLL2, LINKTYPE_LINUX_SLL2 = 276) header: 20 bytes, big-endian. */
export interface Sll2Header {
  readonly protocol: number;
  /** Reserved, 0 on the wire. Absent → 0. */
  readonly reserved?: number;
  readonly interfaceIndex: number;
  readonly addressType: number;
  readonly packetType: number;
  /** Absent → address length. */
  readonly addressLength?: number;
  readonly address: Uint8Array;
}

export const SLL2_HEADER_LENGTH = 20;
const EMPTY = new Uint8Array(0);

export class Sll2Packet {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): Sll2Packet {
    return new Sll2Packet().bind(buf, start, end);
  }

  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    requireBytes('sll', start, SLL2_HEADER_LENGTH, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  get protocol(): number {
    return readU16(this.buf, this.start);
  }
  get reserved(): number {
    return readU16(this.buf, this.start + 2);
  }
  get interfaceIndex(): number {
    return readU32(this.buf, this.start + 4);
  }
  get addressType(): number {
    return readU16(this.buf, this.start + 8);
  }
  get packetType(): number {
    return this.buf[this.start + 10];
  }
  get addressLength(): number {
    return this.buf[this.start + 11];
  }
  get address(): Uint8Array {
    return this.buf.subarray(this.start + 12, this.start + 12 + Math.min(8, this.addressLength));
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + SLL2_HEADER_LENGTH, this.end);
  }

  toJSON(): Sll2Header {
    return {
      protocol: this.protocol,
      reserved: this.reserved,
      interfaceIndex: this.interfaceIndex,
      addressType: this.addressType,
      packetType: this.packetType,
      addressLength: this.addressLength,
      address: this.address,
    };
  }
}

function check(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`sll2 ${name} ${v} is out of range`);
}

/** Writes a 20-byte SLL2 header at `offset`; returns 20. */
export function writeSll2(h: Sll2Header, out: Uint8Array, offset = 0): number {
  const addressLength = h.addressLength ?? h.address.length;
  check('protocol', h.protocol, 0xffff);
  check('reserved', h.reserved ?? 0, 0xffff);
  check('interfaceIndex', h.interfaceIndex, 0xffffffff);
  check('addressType', h.addressType, 0xffff);
  check('packetType', h.packetType, 0xff);
  check('addressLength', addressLength, 0xff);
  if (h.address.length > 8) throw new RangeError(`sll2 address of ${h.address.length} bytes exceeds 8`);
  if (out.length - offset < SLL2_HEADER_LENGTH) throw new RangeError('sll2: output buffer too small');
  writeU16(out, offset, h.protocol);
  writeU16(out, offset + 2, h.reserved ?? 0);
  writeU32(out, offset + 4, h.interfaceIndex);
  writeU16(out, offset + 8, h.addressType);
  out[offset + 10] = h.packetType;
  out[offset + 11] = addressLength;
  out.fill(0, offset + 12, offset + 20);
  out.set(h.address, offset + 12);
  return SLL2_HEADER_LENGTH;
}

export function encodeSll2(h: Sll2Header): Uint8Array {
  const out = new Uint8Array(SLL2_HEADER_LENGTH);
  writeSll2(h, out);
  return out;
}

/** Dissects an SLL2 header (Wireshark shows it as `sll` with `sll.ifindex`). */
export const dissectSll2: LayerDissector = (buf, start, end) => {
  const p = new Sll2Packet().bind(buf, start, end);
  const proto = sllProtocol(p.addressType, p.protocol, start);
  const children: DissectionNode[] = [
    proto.node,
    leaf('sll.ifindex', 'Interface index', start + 4, 4, p.interfaceIndex),
    leaf('sll.hatype', 'Link-layer address type', start + 8, 2, p.addressType),
    leaf('sll.pkttype', 'Packet type', start + 10, 1, p.packetType),
    leaf('sll.halen', 'Link-layer address length', start + 11, 1, p.addressLength),
    ...sllAddressNodes(buf, start + 12, p.addressLength),
  ];
  return {
    node: {
      field: 'sll',
      name: 'Linux cooked capture v2',
      offset: start,
      length: SLL2_HEADER_LENGTH,
      children,
    },
    next: { table: proto.table, keys: [p.protocol], start: start + SLL2_HEADER_LENGTH, end },
  };
};

export const sll2Bindings = [{ table: 'link', key: LinkType.LINUX_SLL2, layer: 'sll2' }] as const;
