import { checkUint, DecodeError, readU16, readU24, writeU16, writeU24 } from '@cnikit/wire';
import { MAX_VNI, VXLAN_HEADER_LENGTH } from './constants.js';

/**
 * Bits of the first 16-bit word of the header, numbered as Wireshark's `vxlan.flags` shows them.
 * RFC 7348 §5 defines only I; G, D and A are the Group Based Policy extension's (see gbp.ts).
 */
export const VxlanFlag = {
  /** G: a Group Policy ID is present (GBP). */
  GroupPolicy: 0x8000,
  /** I: the VNI is valid; must be set (RFC 7348 §5). */
  Instance: 0x0800,
  /** D: don't learn the inner source MAC (GBP). */
  DontLearn: 0x0040,
  /** A: the group policy has already been applied (GBP). */
  PolicyApplied: 0x0008,
} as const;

/** Flag bits no VXLAN or VXLAN-GBP document assigns (Wireshark's `vxlan.flags_reserved`). */
export const VXLAN_RESERVED_FLAGS = 0x77b7;

/**
 * RFC 7348 §5 header, with the 16 bits after the flags octet read as the GBP Group Policy ID:
 *
 * ```
 *  |R|R|R|R|I|R|R|R|            Reserved                           |
 *  |                VXLAN Network Identifier (VNI) |   Reserved    |
 * ```
 */
export interface VxlanHeader {
  vni: number;
  /** Bytes 0–1 as one word. Absent → I, plus G when `groupPolicyId` is given. */
  flags?: number;
  /** Bytes 2–3: reserved (zero) in RFC 7348, the Group Policy ID with GBP. Absent → 0. */
  groupPolicyId?: number;
  /** Byte 7, reserved. Absent → 0. */
  reserved8?: number;
}

const EMPTY = new Uint8Array(0);

/** Zero-copy view of a VXLAN (or VXLAN-GBP) header and the inner frame after it. */
export class VxlanPacket {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  static parse(buf: Uint8Array, start = 0, end = buf.length): VxlanPacket {
    return new VxlanPacket().bind(buf, start, end);
  }

  /**
   * Points the view at buf[start, end) after checking the 8 header bytes are there. Reserved
   * bits are reported, never refused (RFC 7348 §5: "ignored on receipt"); whether the I flag is
   * set is the caller's decision (`hasVni`), as `decapsulate` makes it.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    if (end - start < VXLAN_HEADER_LENGTH) failTruncated(start, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  /** Bytes 0–1 (Wireshark's `vxlan.flags`). */
  get flags(): number {
    return readU16(this.buf, this.start);
  }
  /** I flag: the VNI field is valid. */
  get hasVni(): boolean {
    return (this.buf[this.start] & 0x08) !== 0;
  }
  get hasGroupPolicy(): boolean {
    return (this.buf[this.start] & 0x80) !== 0;
  }
  get dontLearn(): boolean {
    return (this.buf[this.start + 1] & 0x40) !== 0;
  }
  get policyApplied(): boolean {
    return (this.buf[this.start + 1] & 0x08) !== 0;
  }
  /** Flag bits set that no specification assigns (sent as zero, ignored on receipt). */
  get reservedFlags(): number {
    return readU16(this.buf, this.start) & VXLAN_RESERVED_FLAGS;
  }
  /** Bytes 2–3: the GBP Group Policy ID, reserved without G. */
  get groupPolicyId(): number {
    return readU16(this.buf, this.start + 2);
  }
  get vni(): number {
    return readU24(this.buf, this.start + 4);
  }
  get reserved8(): number {
    return this.buf[this.start + 7];
  }
  get headerLength(): number {
    return VXLAN_HEADER_LENGTH;
  }
  /** The encapsulated Ethernet frame. */
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + VXLAN_HEADER_LENGTH, this.end);
  }

  toJSON(): Required<VxlanHeader> {
    return { flags: this.flags, groupPolicyId: this.groupPolicyId, vni: this.vni, reserved8: this.reserved8 };
  }
}

/** Out of line, so that `bind` stays small enough for V8 to inline. */
function failTruncated(start: number, end: number): never {
  throw new DecodeError(
    'truncated',
    'vxlan',
    start,
    `needs ${VXLAN_HEADER_LENGTH} bytes, only ${Math.max(0, end - start)} left`,
  );
}

/** Writes the 8-byte header; RangeError (nothing written) for out-of-range fields or space. */
export function writeVxlan(h: VxlanHeader, out: Uint8Array, offset = 0): number {
  const vni = checkUint('vni', h.vni, MAX_VNI, 'vxlan');
  const groupPolicyId = checkUint('groupPolicyId', h.groupPolicyId ?? 0, 0xffff, 'vxlan');
  const flags = checkUint(
    'flags',
    h.flags ??
      (h.groupPolicyId === undefined ? VxlanFlag.Instance : VxlanFlag.Instance | VxlanFlag.GroupPolicy),
    0xffff,
    'vxlan',
  );
  const reserved8 = checkUint('reserved8', h.reserved8 ?? 0, 0xff, 'vxlan');
  checkSpace(out, offset, VXLAN_HEADER_LENGTH);
  writeU16(out, offset, flags);
  writeU16(out, offset + 2, groupPolicyId);
  writeU24(out, offset + 4, vni);
  out[offset + 7] = reserved8;
  return VXLAN_HEADER_LENGTH;
}

export function encodeVxlan(h: VxlanHeader): Uint8Array {
  const out = new Uint8Array(VXLAN_HEADER_LENGTH);
  writeVxlan(h, out, 0);
  return out;
}

/** RangeError unless out[offset, offset + length) exists. */
export function checkSpace(out: Uint8Array, offset: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + length > out.length) {
    throw new RangeError(`vxlan: needs ${length} bytes at offset ${offset}, buffer has ${out.length}`);
  }
}
