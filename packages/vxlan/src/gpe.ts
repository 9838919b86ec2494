import { checkUint, readU16, readU24, requireBytes, writeU16, writeU24 } from '@cnikit/wire';
import { MAX_VNI, VXLAN_HEADER_LENGTH } from './constants.js';
import { checkSpace } from './vxlan-header.js';

/**
 * VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe), UDP port 4790:
 *
 * ```
 *  |R|R|Ver|I|P|B|O|       Reserved                |Next Protocol  |
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 * ```
 */
export const GpeNextProtocol = {
  IPv4: 1,
  IPv6: 2,
  Ethernet: 3,
  NSH: 4,
} as const;

/** Bits of the GPE flags octet. */
export const GpeFlag = {
  /** I: VNI valid. */
  Instance: 0x08,
  /** P: the Next Protocol field is present. */
  NextProtocol: 0x04,
  /** B: a BUM (broadcast, unknown unicast, multicast) frame, ingress-replicated. */
  Bum: 0x02,
  /** O: an OAM packet. */
  Oam: 0x01,
} as const;

/** The two top bits of the flags octet, reserved. */
export const GPE_RESERVED_FLAGS = 0xc0;

export interface VxlanGpeHeader {
  vni: number;
  nextProtocol: number;
  /** 0 (the only version defined). */
  version?: number;
  /** Absent → I and P set, B and O clear. */
  flags?: number;
  /** Bytes 1–2. Absent → 0. */
  reserved16?: number;
  reserved8?: number;
}

const EMPTY = new Uint8Array(0);

/** Zero-copy view of a VXLAN-GPE header and what follows it. */
export class VxlanGpePacket {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): VxlanGpePacket {
    return new VxlanGpePacket().bind(buf, start, end);
  }

  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    requireBytes('vxlan', start, VXLAN_HEADER_LENGTH, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  /** The whole flags octet, version bits included (Wireshark's `vxlan.flags`). */
  get flags(): number {
    return this.buf[this.start];
  }
  get version(): number {
    return (this.buf[this.start] >> 4) & 3;
  }
  get hasVni(): boolean {
    return (this.buf[this.start] & GpeFlag.Instance) !== 0;
  }
  get hasNextProtocol(): boolean {
    return (this.buf[this.start] & GpeFlag.NextProtocol) !== 0;
  }
  get bum(): boolean {
    return (this.buf[this.start] & GpeFlag.Bum) !== 0;
  }
  get oam(): boolean {
    return (this.buf[this.start] & GpeFlag.Oam) !== 0;
  }
  get reserved16(): number {
    return readU16(this.buf, this.start + 1);
  }
  get nextProtocol(): number {
    return this.buf[this.start + 3];
  }
  get vni(): number {
    return readU24(this.buf, this.start + 4);
  }
  get reserved8(): number {
    return this.buf[this.start + 7];
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + VXLAN_HEADER_LENGTH, this.end);
  }

  /** `flags` here excludes the version bits, which `version` carries. */
  toJSON(): Required<VxlanGpeHeader> {
    return {
      vni: this.vni,
      nextProtocol: this.nextProtocol,
      version: this.version,
      flags: this.flags & 0xcf,
      reserved16: this.reserved16,
      reserved8: this.reserved8,
    };
  }
}

export function writeVxlanGpe(h: VxlanGpeHeader, out: Uint8Array, offset = 0): number {
  const vni = checkUint('vni', h.vni, MAX_VNI, 'vxlan-gpe');
  const nextProtocol = checkUint('nextProtocol', h.nextProtocol, 0xff, 'vxlan-gpe');
  const version = checkUint('version', h.version ?? 0, 3, 'vxlan-gpe');
  const flags = checkUint('flags', h.flags ?? GpeFlag.Instance | GpeFlag.NextProtocol, 0xff, 'vxlan-gpe');
  if (flags & 0x30)
    throw new RangeError('vxlan-gpe: flags must not carry the version bits (0x30); use version');
  const reserved16 = checkUint('reserved16', h.reserved16 ?? 0, 0xffff, 'vxlan-gpe');
  const reserved8 = checkUint('reserved8', h.reserved8 ?? 0, 0xff, 'vxlan-gpe');
  checkSpace(out, offset, VXLAN_HEADER_LENGTH);
  out[offset] = flags | (version << 4);
  writeU16(out, offset + 1, reserved16);
  out[offset + 3] = nextProtocol;
  writeU24(out, offset + 4, vni);
  out[offset + 7] = reserved8;
  return VXLAN_HEADER_LENGTH;
}

export function encodeVxlanGpe(h: VxlanGpeHeader): Uint8Array {
  const out = new Uint8Array(VXLAN_HEADER_LENGTH);
  writeVxlanGpe(h, out, 0);
  return out;
}
