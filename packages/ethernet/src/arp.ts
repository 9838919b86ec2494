import {
  checkUint,
  DecodeError,
  type DissectionNode,
  formatIpv4,
  formatMac,
  hex,
  ipv4Number,
  ipv6Bytes,
  type LayerDissection,
  type LayerDissector,
  fieldNode as leaf,
  type MacInput,
  macBytes,
  readU16,
  readU32,
  requireBytes,
  writeU16,
} from '@cnikit/wire';

const EMPTY = new Uint8Array(0);
const LAYER = 'arp';
const FIXED_LENGTH = 8;

export const ArpOpcode = { Request: 1, Reply: 2, RarpRequest: 3, RarpReply: 4 } as const;
export const ArpHardwareType = { Ethernet: 1, Ieee802: 6 } as const;

/**
 * An ARP packet (RFC 826). Addresses are raw bytes whatever the hardware/protocol types, so
 * Ethernet/IPv4 (6-byte MACs, 4-byte IPv4) and every other combination decode the same way,
 * as in Wireshark; hardware and protocol sizes are the address lengths.
 */
export interface ArpHeader {
  hardwareType: number;
  protocolType: number;
  opcode: number;
  senderHardware: Uint8Array;
  senderProtocol: Uint8Array;
  targetHardware: Uint8Array;
  targetProtocol: Uint8Array;
}

/** Zero-copy, rebindable ARP view; `end` is the end of the target protocol address (padding trimmed). */
export class ArpPacket {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): ArpPacket {
    return new ArpPacket().bind(buf, start, end);
  }

  /** Checks the fixed part and that all four addresses (sized by hlen/plen) are present. */
  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    requireBytes(LAYER, start, FIXED_LENGTH, end);
    const length = FIXED_LENGTH + 2 * buf[start + 4] + 2 * buf[start + 5];
    requireBytes(LAYER, start, length, end);
    this.buf = buf;
    this.start = start;
    this.end = start + length;
    return this;
  }

  get hardwareType(): number {
    return readU16(this.buf, this.start);
  }
  get protocolType(): number {
    return readU16(this.buf, this.start + 2);
  }
  get hardwareSize(): number {
    return this.buf[this.start + 4];
  }
  get protocolSize(): number {
    return this.buf[this.start + 5];
  }
  get opcode(): number {
    return readU16(this.buf, this.start + 6);
  }
  /** Hardware type Ethernet (or IEEE 802) with 6-byte addresses: Wireshark shows them as MACs. */
  get hasMacAddresses(): boolean {
    const h = this.hardwareType;
    return (h === 1 || h === 6) && this.hardwareSize === 6;
  }
  /** Protocol type IPv4 with 4-byte addresses. */
  get hasIpv4Addresses(): boolean {
    return this.protocolType === 0x0800 && this.protocolSize === 4;
  }
  get senderHardwareOffset(): number {
    return this.start + FIXED_LENGTH;
  }
  get senderProtocolOffset(): number {
    return this.start + FIXED_LENGTH + this.hardwareSize;
  }
  get targetHardwareOffset(): number {
    return this.start + FIXED_LENGTH + this.hardwareSize + this.protocolSize;
  }
  get targetProtocolOffset(): number {
    return this.start + FIXED_LENGTH + 2 * this.hardwareSize + this.protocolSize;
  }
  get senderHardware(): Uint8Array {
    const o = this.senderHardwareOffset;
    return this.buf.subarray(o, o + this.hardwareSize);
  }
  get senderProtocol(): Uint8Array {
    const o = this.senderProtocolOffset;
    return this.buf.subarray(o, o + this.protocolSize);
  }
  get targetHardware(): Uint8Array {
    const o = this.targetHardwareOffset;
    return this.buf.subarray(o, o + this.hardwareSize);
  }
  get targetProtocol(): Uint8Array {
    const o = this.targetProtocolOffset;
    return this.buf.subarray(o, o + this.protocolSize);
  }
  /** Sender IPv4 address as uint32 when the protocol size is 4, else 0. */
  get senderIp(): number {
    return this.protocolSize === 4 ? readU32(this.buf, this.senderProtocolOffset) : 0;
  }
  /** Target IPv4 address as uint32 when the protocol size is 4, else 0. */
  get targetIp(): number {
    return this.protocolSize === 4 ? readU32(this.buf, this.targetProtocolOffset) : 0;
  }

  toJSON(): ArpHeader {
    return {
      hardwareType: this.hardwareType,
      protocolType: this.protocolType,
      opcode: this.opcode,
      senderHardware: this.senderHardware,
      senderProtocol: this.senderProtocol,
      targetHardware: this.targetHardware,
      targetProtocol: this.targetProtocol,
    };
  }
}

/**
 * What `writeArp`/`encodeArp` take: Ethernet/IPv4 unless said otherwise (hardware type 1,
 * protocol type 0x0800), an all-zero target hardware address when left out (a request), and
 * addresses as bytes or text (a MAC for hardware addresses, IPv4 or IPv6 for protocol ones).
 */
export interface ArpHeaderInit {
  hardwareType?: number;
  protocolType?: number;
  opcode: number;
  senderHardware: MacInput;
  senderProtocol: Uint8Array | string;
  targetHardware?: MacInput;
  targetProtocol: Uint8Array | string;
}

function protocolBytes(value: Uint8Array | string, field: string): Uint8Array {
  if (typeof value !== 'string') return value;
  if (value.includes(':')) return ipv6Bytes(value, field);
  const n = ipv4Number(value, field);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** The header with text parsed and defaults filled in. */
function arpHeaderOf(h: ArpHeaderInit): ArpHeader {
  const senderHardware = macBytes(h.senderHardware, 'senderHardware');
  return {
    hardwareType: h.hardwareType ?? ArpHardwareType.Ethernet,
    protocolType: h.protocolType ?? 0x0800,
    opcode: h.opcode,
    senderHardware,
    senderProtocol: protocolBytes(h.senderProtocol, 'senderProtocol'),
    targetHardware:
      h.targetHardware === undefined
        ? new Uint8Array(senderHardware.length)
        : macBytes(h.targetHardware, 'targetHardware'),
    targetProtocol: protocolBytes(h.targetProtocol, 'targetProtocol'),
  };
}

export function arpLength(h: ArpHeaderInit): number {
  const a = arpHeaderOf(h);
  return FIXED_LENGTH + 2 * a.senderHardware.length + 2 * a.senderProtocol.length;
}

/** Writes an ARP packet at `offset`; returns bytes written. RangeError before writing on bad input. */
export function writeArp(init: ArpHeaderInit, out: Uint8Array, offset = 0): number {
  const h = arpHeaderOf(init);
  checkUint('hardwareType', h.hardwareType, 0xffff);
  checkUint('protocolType', h.protocolType, 0xffff);
  checkUint('opcode', h.opcode, 0xffff);
  const hlen = h.senderHardware.length;
  const plen = h.senderProtocol.length;
  if (hlen > 255) throw new RangeError(`senderHardware must be at most 255 bytes, got ${hlen}`);
  if (plen > 255) throw new RangeError(`senderProtocol must be at most 255 bytes, got ${plen}`);
  if (h.targetHardware.length !== hlen) {
    throw new RangeError(
      `targetHardware must be ${hlen} bytes like senderHardware, got ${h.targetHardware.length}`,
    );
  }
  if (h.targetProtocol.length !== plen) {
    throw new RangeError(
      `targetProtocol must be ${plen} bytes like senderProtocol, got ${h.targetProtocol.length}`,
    );
  }
  const total = arpLength(h);
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RangeError(`out has no room for ${total} bytes at offset ${offset}`);
  }
  writeU16(out, offset, h.hardwareType);
  writeU16(out, offset + 2, h.protocolType);
  out[offset + 4] = hlen;
  out[offset + 5] = plen;
  writeU16(out, offset + 6, h.opcode);
  let o = offset + FIXED_LENGTH;
  out.set(h.senderHardware, o);
  out.set(h.senderProtocol, (o += hlen));
  out.set(h.targetHardware, (o += plen));
  out.set(h.targetProtocol, o + hlen);
  return total;
}

export function encodeArp(init: ArpHeaderInit): Uint8Array {
  const h = arpHeaderOf(init);
  const out = new Uint8Array(arpLength(h));
  writeArp(h, out, 0);
  return out;
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * ARP as Wireshark shows it: MACs as `arp.*.hw_mac` for Ethernet/6-byte hardware addresses, else
 * raw `arp.*.hw`; IPv4 as `arp.*.proto_ipv4` for 0x0800/4-byte, else raw `arp.*.proto`. Requests
 * and replies whose sender and target protocol addresses match are flagged gratuitous; a
 * gratuitous request with an all-zero target hardware address is an announcement, and a request
 * from 0.0.0.0 with a zero target hardware address a probe (RFC 5227).
 */
export const dissectArp: LayerDissector = (buf, start, end) => {
  const length = arpClaimedLength(buf, start, end);
  if (length > end - start) return dissectCutArp(buf, start, end, length);
  const p = new ArpPacket().bind(buf, start, end);
  const mac = p.hasMacAddresses;
  const ipv4 = p.hasIpv4Addresses;
  const op = p.opcode;
  const children: DissectionNode[] = [
    leaf('arp.hw.type', 'Hardware type', start, 2, p.hardwareType),
    leaf(
      'arp.proto.type',
      'Protocol type',
      start + 2,
      2,
      p.protocolType,
      `Protocol type: ${hex(p.protocolType, 4)}`,
    ),
    leaf('arp.hw.size', 'Hardware size', start + 4, 1, p.hardwareSize),
    leaf('arp.proto.size', 'Protocol size', start + 5, 1, p.protocolSize),
    leaf('arp.opcode', 'Opcode', start + 6, 2, op),
  ];
  if ((op === 1 || op === 2) && ipv4) {
    const targetHwZero = isZero(p.targetHardware);
    const gratuitous = sameBytes(p.senderProtocol, p.targetProtocol);
    if (gratuitous) children.push(leaf('arp.isgratuitous', 'Is gratuitous', start, 0, true));
    if (op === 1 && targetHwZero && p.senderIp === 0)
      children.push(leaf('arp.isprobe', 'Is probe', start, 0, true));
    if (op === 1 && targetHwZero && gratuitous) {
      children.push(leaf('arp.isannouncement', 'Is announcement', start, 0, true));
    }
  }
  const address = (who: 'src' | 'dst', hwAt: number, protoAt: number) => {
    const label = who === 'src' ? 'Sender' : 'Target';
    const hs = p.hardwareSize;
    const ps = p.protocolSize;
    // Wireshark leaves out zero-length addresses.
    if (hs > 0) {
      children.push(
        mac
          ? leaf(`arp.${who}.hw_mac`, `${label} MAC address`, hwAt, hs, formatMac(buf, hwAt))
          : leaf(`arp.${who}.hw`, `${label} hardware address`, hwAt, hs, buf.subarray(hwAt, hwAt + hs)),
      );
    }
    if (ps > 0) {
      children.push(
        ipv4
          ? leaf(
              `arp.${who}.proto_ipv4`,
              `${label} IP address`,
              protoAt,
              ps,
              formatIpv4(readU32(buf, protoAt)),
            )
          : leaf(
              `arp.${who}.proto`,
              `${label} protocol address`,
              protoAt,
              ps,
              buf.subarray(protoAt, protoAt + ps),
            ),
      );
    }
  };
  address('src', p.senderHardwareOffset, p.senderProtocolOffset);
  address('dst', p.targetHardwareOffset, p.targetProtocolOffset);
  const node: DissectionNode = {
    field: 'arp',
    name: 'Address Resolution Protocol',
    offset: start,
    length: p.end - start,
    display: `Address Resolution Protocol (${op === 1 ? 'request' : op === 2 ? 'reply' : `opcode ${op}`})`,
    children,
  };
  // Bytes past the four addresses are the link layer's (Ethernet padding/trailer).
  return { node, end: p.end };
};

/** 8 + the four addresses' sizes when the size octets are there, else the 8 fixed octets. */
function arpClaimedLength(buf: Uint8Array, start: number, end: number): number {
  return end - start < 6 ? FIXED_LENGTH : FIXED_LENGTH + 2 * buf[start + 4] + 2 * buf[start + 5];
}

/** The error `ArpPacket.bind` throws for an ARP packet of `length` bytes cut at `end`. */
function cutArpError(start: number, end: number, length: number): DecodeError {
  const need = end - start < FIXED_LENGTH ? FIXED_LENGTH : length;
  return new DecodeError(
    'truncated',
    LAYER,
    start,
    `needs ${need} bytes, only ${Math.max(0, end - start)} left`,
  );
}

/**
 * An ARP packet whose addresses do not all fit: as tshark 4.0.17 shows it, the fixed fields that
 * fit (each whole) and no address, then malformed.
 */
function dissectCutArp(buf: Uint8Array, start: number, end: number, length: number): LayerDissection {
  const have = end - start;
  const children: DissectionNode[] = [];
  if (have >= 2) children.push(leaf('arp.hw.type', 'Hardware type', start, 2, readU16(buf, start)));
  if (have >= 4) {
    const type = readU16(buf, start + 2);
    children.push(
      leaf('arp.proto.type', 'Protocol type', start + 2, 2, type, `Protocol type: ${hex(type, 4)}`),
    );
  }
  if (have >= 5) children.push(leaf('arp.hw.size', 'Hardware size', start + 4, 1, buf[start + 4]));
  if (have >= 6) children.push(leaf('arp.proto.size', 'Protocol size', start + 5, 1, buf[start + 5]));
  if (have >= 8) children.push(leaf('arp.opcode', 'Opcode', start + 6, 2, readU16(buf, start + 6)));
  const node: DissectionNode = {
    field: 'arp',
    name: 'Address Resolution Protocol',
    offset: start,
    length: have,
    children,
  };
  return { node, malformed: cutArpError(start, end, length) };
}

export const arpBindings = [{ table: 'ethertype', key: 0x0806, layer: 'arp' }] as const;
