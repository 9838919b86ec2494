import {
  checkUint,
  type DissectionNode,
  type FieldValue,
  formatIpv4,
  formatIpv6,
  hex,
  fieldNode as leaf,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from '@cnikit/wire';

/** TCP option kind of Multipath TCP (RFC 8684 §3, RFC 6824 §3). */
export const MPTCP_OPTION_KIND = 30;

/** MPTCP option subtypes (RFC 8684 §7.4; MP_TCPRST is §3.6). */
export const MptcpSubtype = {
  MpCapable: 0,
  MpJoin: 1,
  Dss: 2,
  AddAddr: 3,
  RemoveAddr: 4,
  MpPrio: 5,
  MpFail: 6,
  MpFastclose: 7,
  MpTcprst: 8,
} as const;

/** DSS flag bits (RFC 8684 §3.3, the fourth byte of the option). */
export const MptcpDssFlags = {
  /** A: a Data ACK follows. */
  DataAck: 0x01,
  /** a: the Data ACK is 8 bytes (else 4). */
  DataAck8: 0x02,
  /** M: a mapping (DSN, subflow sequence number, data-level length, checksum) follows. */
  Mapping: 0x04,
  /** m: the DSN is 8 bytes (else 4). */
  Dsn8: 0x08,
  /** F: DATA_FIN. */
  DataFin: 0x10,
} as const;

/**
 * One MPTCP option (kind 30) with the layout RFC 8684 (v1) or RFC 6824 (v0) gives its subtype.
 * Every bit is kept: `flags`/`reserved` hold the bits beside the subtype as sent, 64-bit values
 * are bigints. An option whose length fits no layout of its subtype (or an unknown subtype) is a
 * TCP option of kind `unknown`, code 30, kept raw.
 */
export type MptcpOption =
  | {
      /** Length 4 (v1 SYN), 12 (sender key), 20 (+ receiver key), 22 (+ data-level length), 24 (+ checksum). */
      subtype: 'mp-capable';
      version: number;
      /** A (0x80 checksum required), B (0x40 extensibility), C (0x20, v1), H (0x01 HMAC-SHA1/SHA256). */
      flags: number;
      senderKey?: bigint;
      receiverKey?: bigint;
      dataLevelLength?: number;
      checksum?: number;
    }
  /** MP_JOIN in a SYN (length 12). `flags`: the low 4 bits of byte 2 (bit 0 = B, backup). */
  | { subtype: 'mp-join-syn'; flags: number; addressId: number; receiverToken: number; senderRandom: number }
  /** MP_JOIN in a SYN/ACK (length 16). */
  | {
      subtype: 'mp-join-syn-ack';
      flags: number;
      addressId: number;
      senderTruncatedHmac: bigint;
      senderRandom: number;
    }
  /** MP_JOIN in the third ACK (length 24): 12 reserved bits, then the 20-byte HMAC. */
  | { subtype: 'mp-join-ack'; reserved: number; senderHmac: Uint8Array }
  | {
      /** Data Sequence Signal: which fields are present follows `flags` (MptcpDssFlags). */
      subtype: 'dss';
      /** The low 4 bits of byte 2. */
      reserved: number;
      /** The whole fourth byte: MptcpDssFlags plus three reserved bits. */
      flags: number;
      dataAck?: bigint;
      dataSequenceNumber?: bigint;
      subflowSequenceNumber?: number;
      dataLevelLength?: number;
      /** Present when the mapping carries one (option 2 bytes longer). */
      checksum?: number;
    }
  | {
      /** ADD_ADDR: `flags` is the low nibble (v1: bit 0 = E, echo; v0: the IP version). */
      subtype: 'add-addr';
      flags: number;
      addressId: number;
      /** IPv4 as a uint32, IPv6 as 16 bytes. */
      address: number | Uint8Array;
      port?: number;
      truncatedHmac?: bigint;
    }
  | { subtype: 'remove-addr'; reserved: number; addressIds: number[] }
  /** MP_PRIO (length 3, or 4 with the v0 address ID); `flags` bit 0 = B. */
  | { subtype: 'mp-prio'; flags: number; addressId?: number }
  | { subtype: 'mp-fail'; reserved: number; dataSequenceNumber: bigint }
  | { subtype: 'mp-fastclose'; reserved: number; receiverKey: bigint }
  /** MP_TCPRST (RFC 8684 §3.6): `flags` U V W T in the low nibble, then the reason code. */
  | { subtype: 'mp-tcprst'; flags: number; reason: number };

function readU64(b: Uint8Array, o: number): bigint {
  return (BigInt(readU32(b, o)) << 32n) | BigInt(readU32(b, o + 4));
}

function writeU64(b: Uint8Array, o: number, v: bigint): void {
  writeU32(b, o, Number(v >> 32n));
  writeU32(b, o + 4, Number(v & 0xffffffffn));
}

/** DSS option length for `flags`, without the checksum. */
function dssLength(flags: number): number {
  let n = 4;
  if (flags & MptcpDssFlags.DataAck) n += flags & MptcpDssFlags.DataAck8 ? 8 : 4;
  if (flags & MptcpDssFlags.Mapping) n += (flags & MptcpDssFlags.Dsn8 ? 8 : 4) + 6;
  return n;
}

/**
 * Decodes the MPTCP option at buf[i, i + len) (kind byte at `i`, len ≥ 3), or undefined when its
 * length fits no layout of its subtype.
 */
export function decodeMptcpOption(buf: Uint8Array, i: number, len: number): MptcpOption | undefined {
  const b2 = buf[i + 2];
  const low = b2 & 0x0f;
  switch (b2 >>> 4) {
    case MptcpSubtype.MpCapable: {
      if (len !== 4 && len !== 12 && len !== 20 && len !== 22 && len !== 24) return undefined;
      const o: MptcpOption = { subtype: 'mp-capable', version: low, flags: buf[i + 3] };
      if (len >= 12) o.senderKey = readU64(buf, i + 4);
      if (len >= 20) o.receiverKey = readU64(buf, i + 12);
      if (len >= 22) o.dataLevelLength = readU16(buf, i + 20);
      if (len === 24) o.checksum = readU16(buf, i + 22);
      return o;
    }
    case MptcpSubtype.MpJoin:
      if (len === 12) {
        return {
          subtype: 'mp-join-syn',
          flags: low,
          addressId: buf[i + 3],
          receiverToken: readU32(buf, i + 4),
          senderRandom: readU32(buf, i + 8),
        };
      }
      if (len === 16) {
        return {
          subtype: 'mp-join-syn-ack',
          flags: low,
          addressId: buf[i + 3],
          senderTruncatedHmac: readU64(buf, i + 4),
          senderRandom: readU32(buf, i + 12),
        };
      }
      if (len === 24) {
        return {
          subtype: 'mp-join-ack',
          reserved: readU16(buf, i + 2) & 0xfff,
          senderHmac: buf.subarray(i + 4, i + 24),
        };
      }
      return undefined;
    case MptcpSubtype.Dss: {
      if (len < 4) return undefined;
      const flags = buf[i + 3];
      const base = dssLength(flags);
      const withChecksum = (flags & MptcpDssFlags.Mapping) !== 0 && len === base + 2;
      if (len !== base && !withChecksum) return undefined;
      const o: MptcpOption = { subtype: 'dss', reserved: low, flags };
      let p = i + 4;
      if (flags & MptcpDssFlags.DataAck) {
        const wide = (flags & MptcpDssFlags.DataAck8) !== 0;
        o.dataAck = wide ? readU64(buf, p) : BigInt(readU32(buf, p));
        p += wide ? 8 : 4;
      }
      if (flags & MptcpDssFlags.Mapping) {
        const wide = (flags & MptcpDssFlags.Dsn8) !== 0;
        o.dataSequenceNumber = wide ? readU64(buf, p) : BigInt(readU32(buf, p));
        p += wide ? 8 : 4;
        o.subflowSequenceNumber = readU32(buf, p);
        o.dataLevelLength = readU16(buf, p + 4);
        if (withChecksum) o.checksum = readU16(buf, p + 6);
      }
      return o;
    }
    case MptcpSubtype.AddAddr: {
      const v6 = len >= 20;
      const body = len - 4 - (v6 ? 16 : 4);
      if (len > 30 || (body !== 0 && body !== 2 && body !== 8 && body !== 10)) return undefined;
      const o: MptcpOption = {
        subtype: 'add-addr',
        flags: low,
        addressId: buf[i + 3],
        address: v6 ? buf.subarray(i + 4, i + 20) : readU32(buf, i + 4),
      };
      let p = i + (v6 ? 20 : 8);
      if (body === 2 || body === 10) {
        o.port = readU16(buf, p);
        p += 2;
      }
      if (body >= 8) o.truncatedHmac = readU64(buf, p);
      return o;
    }
    case MptcpSubtype.RemoveAddr: {
      if (len < 4) return undefined;
      return { subtype: 'remove-addr', reserved: low, addressIds: Array.from(buf.subarray(i + 3, i + len)) };
    }
    case MptcpSubtype.MpPrio:
      if (len === 3) return { subtype: 'mp-prio', flags: low };
      if (len === 4) return { subtype: 'mp-prio', flags: low, addressId: buf[i + 3] };
      return undefined;
    case MptcpSubtype.MpFail:
      if (len !== 12) return undefined;
      return {
        subtype: 'mp-fail',
        reserved: readU16(buf, i + 2) & 0xfff,
        dataSequenceNumber: readU64(buf, i + 4),
      };
    case MptcpSubtype.MpFastclose:
      if (len !== 12) return undefined;
      return {
        subtype: 'mp-fastclose',
        reserved: readU16(buf, i + 2) & 0xfff,
        receiverKey: readU64(buf, i + 4),
      };
    case MptcpSubtype.MpTcprst:
      if (len !== 4) return undefined;
      return { subtype: 'mp-tcprst', flags: low, reason: buf[i + 3] };
    default:
      return undefined;
  }
}

const U64_MAX = 0xffffffffffffffffn;

function checkU64(field: string, value: bigint | undefined, max = U64_MAX): void {
  if (typeof value !== 'bigint' || value < 0n || value > max) {
    throw new RangeError(`tcp option mptcp ${field} must be a bigint in 0..${max}, got ${String(value)}`);
  }
}

function check(field: string, value: number | undefined, max: number): void {
  checkUint(`mptcp ${field}`, value as number, max, 'tcp option');
}

function requires(o: { subtype: string }, field: string, present: boolean, why: string): void {
  if (!present) throw new RangeError(`tcp option mptcp ${o.subtype} ${field}: ${why}`);
}

/** Encoded size of an MPTCP option (kind and length bytes included); throws RangeError when invalid. */
export function mptcpOptionLength(o: MptcpOption): number {
  switch (o.subtype) {
    case 'mp-capable': {
      check('version', o.version, 15);
      check('flags', o.flags, 0xff);
      let n = 4;
      if (o.senderKey !== undefined) {
        checkU64('senderKey', o.senderKey);
        n = 12;
      }
      if (o.receiverKey !== undefined) {
        requires(o, 'receiverKey', n === 12, 'needs senderKey');
        checkU64('receiverKey', o.receiverKey);
        n = 20;
      }
      if (o.dataLevelLength !== undefined) {
        requires(o, 'dataLevelLength', n === 20, 'needs receiverKey');
        check('dataLevelLength', o.dataLevelLength, 0xffff);
        n = 22;
      }
      if (o.checksum !== undefined) {
        requires(o, 'checksum', n === 22, 'needs dataLevelLength');
        check('checksum', o.checksum, 0xffff);
        n = 24;
      }
      return n;
    }
    case 'mp-join-syn':
      check('flags', o.flags, 15);
      check('addressId', o.addressId, 0xff);
      check('receiverToken', o.receiverToken, 0xffffffff);
      check('senderRandom', o.senderRandom, 0xffffffff);
      return 12;
    case 'mp-join-syn-ack':
      check('flags', o.flags, 15);
      check('addressId', o.addressId, 0xff);
      checkU64('senderTruncatedHmac', o.senderTruncatedHmac);
      check('senderRandom', o.senderRandom, 0xffffffff);
      return 16;
    case 'mp-join-ack':
      check('reserved', o.reserved, 0xfff);
      requires(o, 'senderHmac', o.senderHmac?.length === 20, `must be 20 bytes, got ${o.senderHmac?.length}`);
      return 24;
    case 'dss': {
      check('reserved', o.reserved, 15);
      check('flags', o.flags, 0xff);
      const ack = (o.flags & MptcpDssFlags.DataAck) !== 0;
      const map = (o.flags & MptcpDssFlags.Mapping) !== 0;
      requires(o, 'dataAck', ack === (o.dataAck !== undefined), 'present exactly when flags has A (0x01)');
      if (ack) checkU64('dataAck', o.dataAck, o.flags & MptcpDssFlags.DataAck8 ? U64_MAX : 0xffffffffn);
      for (const [field, value] of [
        ['dataSequenceNumber', o.dataSequenceNumber],
        ['subflowSequenceNumber', o.subflowSequenceNumber],
        ['dataLevelLength', o.dataLevelLength],
      ] as const) {
        requires(o, field, map === (value !== undefined), 'present exactly when flags has M (0x04)');
      }
      requires(o, 'checksum', map || o.checksum === undefined, 'only with a mapping (M, 0x04)');
      if (map) {
        checkU64(
          'dataSequenceNumber',
          o.dataSequenceNumber,
          o.flags & MptcpDssFlags.Dsn8 ? U64_MAX : 0xffffffffn,
        );
        check('subflowSequenceNumber', o.subflowSequenceNumber, 0xffffffff);
        check('dataLevelLength', o.dataLevelLength, 0xffff);
        if (o.checksum !== undefined) check('checksum', o.checksum, 0xffff);
      }
      return dssLength(o.flags) + (o.checksum === undefined ? 0 : 2);
    }
    case 'add-addr': {
      check('flags', o.flags, 15);
      check('addressId', o.addressId, 0xff);
      let n: number;
      if (typeof o.address === 'number') {
        check('address', o.address, 0xffffffff);
        n = 8;
      } else {
        requires(o, 'address', o.address?.length === 16, 'a uint32 (IPv4) or 16 bytes (IPv6)');
        n = 20;
      }
      if (o.port !== undefined) {
        check('port', o.port, 0xffff);
        n += 2;
      }
      if (o.truncatedHmac !== undefined) {
        checkU64('truncatedHmac', o.truncatedHmac);
        n += 8;
      }
      return n;
    }
    case 'remove-addr':
      check('reserved', o.reserved, 15);
      if (o.addressIds.length < 1 || o.addressIds.length > 37) {
        throw new RangeError(
          `tcp option mptcp remove-addr needs 1..37 addressIds, got ${o.addressIds.length}`,
        );
      }
      for (const id of o.addressIds) check('addressId', id, 0xff);
      return 3 + o.addressIds.length;
    case 'mp-prio':
      check('flags', o.flags, 15);
      if (o.addressId === undefined) return 3;
      check('addressId', o.addressId, 0xff);
      return 4;
    case 'mp-fail':
      check('reserved', o.reserved, 0xfff);
      checkU64('dataSequenceNumber', o.dataSequenceNumber);
      return 12;
    case 'mp-fastclose':
      check('reserved', o.reserved, 0xfff);
      checkU64('receiverKey', o.receiverKey);
      return 12;
    case 'mp-tcprst':
      check('flags', o.flags, 15);
      check('reason', o.reason, 0xff);
      return 4;
  }
}

const SUBTYPE_CODES: Record<MptcpOption['subtype'], number> = {
  'mp-capable': MptcpSubtype.MpCapable,
  'mp-join-syn': MptcpSubtype.MpJoin,
  'mp-join-syn-ack': MptcpSubtype.MpJoin,
  'mp-join-ack': MptcpSubtype.MpJoin,
  dss: MptcpSubtype.Dss,
  'add-addr': MptcpSubtype.AddAddr,
  'remove-addr': MptcpSubtype.RemoveAddr,
  'mp-prio': MptcpSubtype.MpPrio,
  'mp-fail': MptcpSubtype.MpFail,
  'mp-fastclose': MptcpSubtype.MpFastclose,
  'mp-tcprst': MptcpSubtype.MpTcprst,
};

/**
 * Writes an MPTCP option (validated by `mptcpOptionLength`) at out[i], kind and length included;
 * returns its length.
 */
export function writeMptcpOption(o: MptcpOption, out: Uint8Array, i: number): number {
  const len = mptcpOptionLength(o);
  out[i] = MPTCP_OPTION_KIND;
  out[i + 1] = len;
  const sub = SUBTYPE_CODES[o.subtype] << 4;
  switch (o.subtype) {
    case 'mp-capable':
      out[i + 2] = sub | o.version;
      out[i + 3] = o.flags;
      if (o.senderKey !== undefined) writeU64(out, i + 4, o.senderKey);
      if (o.receiverKey !== undefined) writeU64(out, i + 12, o.receiverKey);
      if (o.dataLevelLength !== undefined) writeU16(out, i + 20, o.dataLevelLength);
      if (o.checksum !== undefined) writeU16(out, i + 22, o.checksum);
      break;
    case 'mp-join-syn':
      out[i + 2] = sub | o.flags;
      out[i + 3] = o.addressId;
      writeU32(out, i + 4, o.receiverToken);
      writeU32(out, i + 8, o.senderRandom);
      break;
    case 'mp-join-syn-ack':
      out[i + 2] = sub | o.flags;
      out[i + 3] = o.addressId;
      writeU64(out, i + 4, o.senderTruncatedHmac);
      writeU32(out, i + 12, o.senderRandom);
      break;
    case 'mp-join-ack':
      writeU16(out, i + 2, (sub << 8) | o.reserved);
      out.set(o.senderHmac, i + 4);
      break;
    case 'dss': {
      out[i + 2] = sub | o.reserved;
      out[i + 3] = o.flags;
      let p = i + 4;
      if (o.dataAck !== undefined) {
        if (o.flags & MptcpDssFlags.DataAck8) writeU64(out, p, o.dataAck);
        else writeU32(out, p, Number(o.dataAck));
        p += o.flags & MptcpDssFlags.DataAck8 ? 8 : 4;
      }
      if (o.dataSequenceNumber !== undefined) {
        if (o.flags & MptcpDssFlags.Dsn8) writeU64(out, p, o.dataSequenceNumber);
        else writeU32(out, p, Number(o.dataSequenceNumber));
        p += o.flags & MptcpDssFlags.Dsn8 ? 8 : 4;
        writeU32(out, p, o.subflowSequenceNumber as number);
        writeU16(out, p + 4, o.dataLevelLength as number);
        if (o.checksum !== undefined) writeU16(out, p + 6, o.checksum);
      }
      break;
    }
    case 'add-addr': {
      out[i + 2] = sub | o.flags;
      out[i + 3] = o.addressId;
      let p = i + 4;
      if (typeof o.address === 'number') {
        writeU32(out, p, o.address);
        p += 4;
      } else {
        out.set(o.address, p);
        p += 16;
      }
      if (o.port !== undefined) {
        writeU16(out, p, o.port);
        p += 2;
      }
      if (o.truncatedHmac !== undefined) writeU64(out, p, o.truncatedHmac);
      break;
    }
    case 'remove-addr':
      out[i + 2] = sub | o.reserved;
      out.set(o.addressIds, i + 3);
      break;
    case 'mp-prio':
      out[i + 2] = sub | o.flags;
      if (o.addressId !== undefined) out[i + 3] = o.addressId;
      break;
    case 'mp-fail':
      writeU16(out, i + 2, (sub << 8) | o.reserved);
      writeU64(out, i + 4, o.dataSequenceNumber);
      break;
    case 'mp-fastclose':
      writeU16(out, i + 2, (sub << 8) | o.reserved);
      writeU64(out, i + 4, o.receiverKey);
      break;
    case 'mp-tcprst':
      out[i + 2] = sub | o.flags;
      out[i + 3] = o.reason;
      break;
  }
  return len;
}

// ---- dissection ----------------------------------------------------------------------------------

const SUBTYPE_NAMES = [
  'Multipath Capable',
  'Join Connection',
  'Data Sequence Signal',
  'Add Address',
  'Remove Address',
  'Change Subflow Priority',
  'TCP Fallback',
  'Fast Close',
  'TCP Reset',
];

/** The name tshark gives the MPTCP node of the option whose subtype byte is `b2`. */
export function mptcpSubtypeName(b2: number): string {
  return SUBTYPE_NAMES[b2 >>> 4] ?? `Unknown (${b2 >>> 4})`;
}

function bit(field: string, name: string, at: number, value: number): DissectionNode {
  return leaf(field, name, at, 1, value);
}

/**
 * The fields of the MPTCP option at buf[i, i + len) after its kind and length, as tshark 4.0
 * shows them, in its order. Which fields appear follows the option length as Wireshark reads it
 * (MP_CAPABLE keys only at lengths 12/20/22/24, MP_JOIN by length 12/16/24, ADD_ADDR's address,
 * port and HMAC by length; a DSS checksum only when the option has 2 bytes beyond it — Wireshark's
 * rule, stricter than RFC 8684's). `complete` is false when a field runs past the option: tshark
 * then stops with an exception (the packet is flagged malformed), so the caller stops there too.
 * Leaves out what tshark derives from the connection (expected token/IDSN, relative DSN and ACK).
 */
export function mptcpOptionNodes(
  buf: Uint8Array,
  i: number,
  len: number,
): { nodes: DissectionNode[]; complete: boolean } {
  const nodes: DissectionNode[] = [];
  const end = i + len;
  let p = i + 2;
  const fits = (n: number) => p + n <= end;
  const push = (field: string, name: string, n: number, value: FieldValue): void => {
    nodes.push(leaf(field, name, p, n, value));
    p += n;
  };
  const u64 = (field: string, name: string) => push(field, name, 8, readU64(buf, p));
  if (!fits(1)) return { nodes, complete: false };
  const b2 = buf[p];
  const subtype = b2 >>> 4;
  nodes.push(leaf('tcp.options.mptcp.subtype', 'Multipath TCP subtype', p, 1, subtype));
  switch (subtype) {
    case MptcpSubtype.MpCapable: {
      const version = b2 & 0x0f;
      nodes.push(leaf('tcp.options.mptcp.version', 'Multipath TCP version', p, 1, version));
      p++;
      if (!fits(1)) return { nodes, complete: false };
      const f = buf[p];
      const v1 = version === 1;
      nodes.push({
        ...leaf('tcp.options.mptcp.flags', 'Multipath TCP flags', p, 1, f),
        display: `Multipath TCP flags: ${hex(f, 2)}`,
        children: [
          bit('tcp.options.mptcp.checksumreq.flags', 'Checksum required', p, f >>> 7),
          bit('tcp.options.mptcp.extensibility.flag', 'Extensibility', p, (f >>> 6) & 1),
          ...(v1
            ? [
                bit(
                  'tcp.options.mptcp.nomoresubflows.flag',
                  'Do not attempt to establish new subflows to this address and port',
                  p,
                  (f >>> 5) & 1,
                ),
                bit('tcp.options.mptcp.sha256.flag', 'Use HMAC-SHA256', p, f & 1),
              ]
            : [bit('tcp.options.mptcp.sha1.flag', 'Use HMAC-SHA1', p, f & 1)]),
          bit('tcp.options.mptcp.reserved.flag', 'Reserved', p, (f & (v1 ? 0x1e : 0x3e)) >>> 1),
        ],
      });
      p++;
      if (len !== 12 && len !== 20 && len !== 22 && len !== 24) break;
      u64('tcp.options.mptcp.sendkey', "Sender's Key");
      if (len === 12) break;
      u64('tcp.options.mptcp.recvkey', "Receiver's Key");
      if (len === 20) break;
      push('tcp.options.mptcp.datalvllen', 'Data-level Length', 2, readU16(buf, p));
      if (len === 24) push('tcp.options.mptcp.checksum', 'Checksum', 2, readU16(buf, p));
      break;
    }
    case MptcpSubtype.MpJoin:
      if (len === 12 || len === 16) {
        nodes.push(joinFlags(p, b2));
        p++;
        push('tcp.options.mptcp.addrid', 'Address ID', 1, buf[p]);
        if (len === 12) push('tcp.options.mptcp.recvtok', "Receiver's Token", 4, readU32(buf, p));
        else u64('tcp.options.mptcp.sendtrunchmac', "Sender's Truncated HMAC");
        push('tcp.options.mptcp.sendrand', "Sender's Random Number", 4, readU32(buf, p));
      } else if (len === 24) {
        push('tcp.options.mptcp.reserved', 'Reserved', 2, readU16(buf, p) & 0xfff);
        push('tcp.options.mptcp.sendhmac', "Sender's HMAC", 20, buf.subarray(p, p + 20));
      }
      break;
    case MptcpSubtype.Dss: {
      p++;
      if (!fits(1)) return { nodes, complete: false };
      const f = buf[p];
      nodes.push({
        ...leaf('tcp.options.mptcp.flags', 'Multipath TCP flags', p, 1, f),
        display: `Multipath TCP flags: ${hex(f, 2)}`,
        children: [
          bit('tcp.options.mptcp.datafin.flag', 'DATA_FIN', p, (f >>> 4) & 1),
          bit('tcp.options.mptcp.dseqn8.flag', 'Data Sequence Number is 8 octets', p, (f >>> 3) & 1),
          bit(
            'tcp.options.mptcp.dseqnpresent.flag',
            'Data Sequence Number, Subflow Sequence Number, Data-level Length, Checksum present',
            p,
            (f >>> 2) & 1,
          ),
          bit('tcp.options.mptcp.dataack8.flag', 'Data ACK is 8 octets', p, (f >>> 1) & 1),
          bit('tcp.options.mptcp.dataackpresent.flag', 'Data ACK is present', p, f & 1),
        ],
      });
      p++;
      if (f & MptcpDssFlags.DataAck) {
        const n = f & MptcpDssFlags.DataAck8 ? 8 : 4;
        if (!fits(n)) return { nodes, complete: false };
        push(
          'tcp.options.mptcp.rawdataack',
          'Original MPTCP Data ACK',
          n,
          n === 8 ? readU64(buf, p) : readU32(buf, p),
        );
      }
      if (f & MptcpDssFlags.Mapping) {
        const n = f & MptcpDssFlags.Dsn8 ? 8 : 4;
        if (!fits(n)) return { nodes, complete: false };
        push(
          'tcp.options.mptcp.rawdataseqno',
          'Data Sequence Number',
          n,
          n === 8 ? readU64(buf, p) : readU32(buf, p),
        );
        if (!fits(4)) return { nodes, complete: false };
        push('tcp.options.mptcp.subflowseqno', 'Subflow Sequence Number', 4, readU32(buf, p));
        if (!fits(2)) return { nodes, complete: false };
        push('tcp.options.mptcp.datalvllen', 'Data-level Length', 2, readU16(buf, p));
        if (fits(4)) push('tcp.options.mptcp.checksum', 'Checksum', 2, readU16(buf, p));
      }
      break;
    }
    case MptcpSubtype.AddAddr: {
      const low = b2 & 0x0f;
      nodes.push(
        low === 4 || low === 6
          ? leaf('tcp.options.mptcp.ipver', 'IP version', p, 1, low)
          : leaf('tcp.options.mptcp.echo', 'Echo', p, 1, low & 1),
      );
      p++;
      if (!fits(1)) return { nodes, complete: false };
      push('tcp.options.mptcp.addrid', 'Address ID', 1, buf[p]);
      if (len === 8 || len === 10 || len === 16 || len === 18) {
        push('tcp.options.mptcp.ipv4', 'Advertised IPv4 Address', 4, formatIpv4(readU32(buf, p)));
      } else if (len === 20 || len === 22 || len === 28 || len === 30) {
        push('tcp.options.mptcp.ipv6', 'Advertised IPv6 Address', 16, formatIpv6(buf, p));
      } else {
        break;
      }
      if (len % 4 === 2) push('tcp.options.mptcp.port', 'Advertised port', 2, readU16(buf, p));
      if (len === 16 || len === 18 || len === 28 || len === 30)
        u64('tcp.options.mptcp.addaddrtrunchmac', 'Truncated HMAC');
      break;
    }
    case MptcpSubtype.RemoveAddr:
      nodes.push(leaf('mptcp.rm_addr.count', 'Number of removed addresses', p, 1, len - 3));
      p++;
      while (p < end) push('tcp.options.mptcp.addrid', 'Address ID', 1, buf[p]);
      break;
    case MptcpSubtype.MpPrio:
      nodes.push(joinFlags(p, b2));
      p++;
      if (len === 4) push('tcp.options.mptcp.addrid', 'Address ID', 1, buf[p]);
      break;
    case MptcpSubtype.MpFail:
    case MptcpSubtype.MpFastclose:
      if (!fits(2)) return { nodes, complete: false };
      push('tcp.options.mptcp.reserved', 'Reserved', 2, readU16(buf, p) & 0xfff);
      if (!fits(8)) return { nodes, complete: false };
      if (subtype === MptcpSubtype.MpFail) u64('tcp.options.mptcp.rawdataseqno', 'Data Sequence Number');
      else u64('tcp.options.mptcp.recvkey', "Receiver's Key");
      break;
    case MptcpSubtype.MpTcprst: {
      const flagNames = [
        ['tcp.options.mptcp.flag_U.flag', 'Flag U'],
        ['tcp.options.mptcp.flag_V.flag', 'Flag V'],
        ['tcp.options.mptcp.flag_W.flag', 'Flag W'],
        ['tcp.options.mptcp.flag_T.flag', 'Transient'],
      ] as const;
      nodes.push({
        ...leaf('tcp.options.mptcp.flags', 'Multipath TCP flags', p, 1, b2),
        display: `Multipath TCP flags: ${hex(b2, 2)}`,
        children: flagNames.map(([field, name], k) => bit(field, name, p, (b2 >>> (3 - k)) & 1)),
      });
      p++;
      if (!fits(1)) return { nodes, complete: false };
      const reason = buf[p];
      nodes.push({
        ...leaf('tcp.options.mptcp.rst_reason', 'TCPRST Reason', p, 1, reason),
        display: `TCPRST Reason: ${hex(reason, 2)}`,
      });
      break;
    }
    default:
      break;
  }
  return { nodes, complete: true };
}

/** MP_JOIN / MP_PRIO flags: tshark shows the whole subtype byte, with the B bit under it. */
function joinFlags(p: number, b2: number): DissectionNode {
  return {
    ...leaf('tcp.options.mptcp.flags', 'Multipath TCP flags', p, 1, b2),
    display: `Multipath TCP flags: ${hex(b2, 2)}`,
    children: [bit('tcp.options.mptcp.backup.flag', 'Backup flag', p, b2 & 1)],
  };
}
