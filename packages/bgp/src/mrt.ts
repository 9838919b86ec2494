import { DecodeError, type Prefix, readU16, readU32, writeU16, writeU32 } from '@cnikit/wire';
import { ATTRIBUTE_FLAGS, decodeAttributeValue, type PathAttribute } from './attributes.js';
import { AttrType } from './constants.js';
import { AttributeCursor } from './update.js';

/** MRT types and subtypes (RFC 6396 §4, RFC 8050). */
export const MrtType = { TableDumpV2: 13, Bgp4mp: 16, Bgp4mpEt: 17 } as const;
export const TableDumpV2Subtype = {
  PeerIndexTable: 1,
  RibIpv4Unicast: 2,
  RibIpv4Multicast: 3,
  RibIpv6Unicast: 4,
  RibIpv6Multicast: 5,
  RibGeneric: 6,
  RibIpv4UnicastAddPath: 8,
  RibIpv4MulticastAddPath: 9,
  RibIpv6UnicastAddPath: 10,
  RibIpv6MulticastAddPath: 11,
} as const;
export const Bgp4mpSubtype = {
  StateChange: 0,
  Message: 1,
  MessageAs4: 4,
  StateChangeAs4: 5,
  MessageLocal: 6,
  MessageAs4Local: 7,
  MessageAddPath: 8,
  MessageAs4AddPath: 9,
  MessageLocalAddPath: 10,
  MessageAs4LocalAddPath: 11,
} as const;

export interface MrtPeer {
  readonly bgpId: number;
  /** 4 or 16 bytes. */
  readonly address: Uint8Array;
  readonly asn: number;
  /** The peer's AS is written in 4 octets (peer type bit 1). */
  readonly asn4: boolean;
}

/** One RIB entry: the path attributes stay raw (4-octet AS, RFC 6396 §4.3.4 MP_REACH form). */
export interface MrtRibEntry {
  readonly peerIndex: number;
  readonly originatedTime: number;
  /** RFC 8050 ADD-PATH subtypes only. */
  readonly pathId?: number;
  readonly attributes: Uint8Array;
}

interface MrtHeader {
  readonly timestamp: number;
  /** BGP4MP_ET: the microsecond part of the time. */
  readonly microseconds?: number;
}

export type MrtRecord = MrtHeader &
  (
    | {
        readonly kind: 'peer-index-table';
        readonly collectorId: number;
        readonly viewName: string;
        readonly peers: readonly MrtPeer[];
      }
    | {
        readonly kind: 'rib';
        /** 2–5 or 8–11: IPv4/IPv6 unicast/multicast, with or without path identifiers. */
        readonly subtype: number;
        readonly sequence: number;
        readonly prefix: Prefix;
        readonly entries: readonly MrtRibEntry[];
      }
    | {
        readonly kind: 'bgp4mp-message';
        /** 1, 4, 6–11: AS width, local, ADD-PATH as the subtype says. */
        readonly subtype: number;
        readonly peerAs: number;
        readonly localAs: number;
        readonly ifIndex: number;
        readonly afi: number;
        readonly peerIp: Uint8Array;
        readonly localIp: Uint8Array;
        /** The whole BGP message, header included (decode it with the session the subtype implies). */
        readonly message: Uint8Array;
      }
    | {
        readonly kind: 'bgp4mp-state-change';
        readonly subtype: number;
        readonly peerAs: number;
        readonly localAs: number;
        readonly ifIndex: number;
        readonly afi: number;
        readonly peerIp: Uint8Array;
        readonly localIp: Uint8Array;
        readonly oldState: number;
        readonly newState: number;
      }
    | { readonly kind: 'unknown'; readonly type: number; readonly subtype: number; readonly body: Uint8Array }
  );

export const MRT_HEADER_LENGTH = 12;

function bad(at: number, reason: string): DecodeError {
  return new DecodeError('bad-length', 'mrt', at, reason);
}

function need(at: number, n: number, end: number): void {
  if (at + n > end)
    throw new DecodeError('truncated', 'mrt', at, `needs ${n} bytes, only ${Math.max(0, end - at)} left`);
}

const RIB_ADDPATH = new Set([8, 9, 10, 11]);
const RIB_IPV6 = new Set([4, 5, 10, 11]);
const AS4_SUBTYPES = new Set([4, 5, 7, 9, 11]);
const utf8 = /* @__PURE__ */ new TextDecoder();

/** Length of the record at `start` (header + body) once its 12-byte header is there. */
export function mrtRecordLength(buf: Uint8Array, start: number): number {
  return MRT_HEADER_LENGTH + readU32(buf, start + 8);
}

/** Decodes the record at buf[start, end). Throws DecodeError. */
export function decodeMrtRecord(buf: Uint8Array, start = 0, end = buf.length): MrtRecord {
  need(start, MRT_HEADER_LENGTH, end);
  const timestamp = readU32(buf, start);
  const type = readU16(buf, start + 4);
  const subtype = readU16(buf, start + 6);
  const stop = start + MRT_HEADER_LENGTH + readU32(buf, start + 8);
  if (stop > end) throw new DecodeError('truncated', 'mrt', start + 8, 'record length past the end');
  let at = start + MRT_HEADER_LENGTH;
  let head: MrtHeader = { timestamp };
  if (type === MrtType.Bgp4mpEt) {
    need(at, 4, stop);
    head = { timestamp, microseconds: readU32(buf, at) };
    at += 4;
  }
  if (type === MrtType.TableDumpV2 && subtype === TableDumpV2Subtype.PeerIndexTable) {
    need(at, 8, stop);
    const collectorId = readU32(buf, at);
    const nameLength = readU16(buf, at + 4);
    need(at + 6, nameLength + 2, stop);
    const viewName = utf8.decode(buf.subarray(at + 6, at + 6 + nameLength));
    at += 6 + nameLength;
    const count = readU16(buf, at);
    at += 2;
    const peers: MrtPeer[] = [];
    for (let i = 0; i < count; i++) {
      need(at, 1, stop);
      const peerType = buf[at];
      const ipLen = peerType & 1 ? 16 : 4;
      const asLen = peerType & 2 ? 4 : 2;
      need(at + 1, 4 + ipLen + asLen, stop);
      peers.push({
        bgpId: readU32(buf, at + 1),
        address: buf.subarray(at + 5, at + 5 + ipLen),
        asn: asLen === 4 ? readU32(buf, at + 5 + ipLen) : readU16(buf, at + 5 + ipLen),
        asn4: asLen === 4,
      });
      at += 5 + ipLen + asLen;
    }
    if (at !== stop) throw bad(at, 'PEER_INDEX_TABLE longer than its peers');
    return { ...head, kind: 'peer-index-table', collectorId, viewName, peers };
  }
  if (type === MrtType.TableDumpV2 && ((subtype >= 2 && subtype <= 5) || RIB_ADDPATH.has(subtype))) {
    need(at, 5, stop);
    const sequence = readU32(buf, at);
    const bits = buf[at + 4];
    const v6 = RIB_IPV6.has(subtype);
    if (bits > (v6 ? 128 : 32)) throw bad(at + 4, `prefix length ${bits}`);
    const bytes = (bits + 7) >> 3;
    need(at + 5, bytes + 2, stop);
    const p = at + 5;
    let prefix: Prefix;
    if (v6) {
      const a = new Uint8Array(16);
      a.set(buf.subarray(p, p + bytes));
      prefix = { family: 6, address: a, length: bits };
    } else {
      let a = 0;
      for (let i = 0; i < bytes; i++) a |= buf[p + i] << (24 - 8 * i);
      prefix = { family: 4, address: a >>> 0, length: bits };
    }
    at = p + bytes;
    const count = readU16(buf, at);
    at += 2;
    const addPath = RIB_ADDPATH.has(subtype);
    const entries: MrtRibEntry[] = [];
    for (let i = 0; i < count; i++) {
      const fixed = addPath ? 12 : 8;
      need(at, fixed, stop);
      const attrLength = readU16(buf, at + fixed - 2);
      need(at + fixed, attrLength, stop);
      const attributes = buf.subarray(at + fixed, at + fixed + attrLength);
      entries.push(
        addPath
          ? {
              peerIndex: readU16(buf, at),
              originatedTime: readU32(buf, at + 2),
              pathId: readU32(buf, at + 6),
              attributes,
            }
          : { peerIndex: readU16(buf, at), originatedTime: readU32(buf, at + 2), attributes },
      );
      at += fixed + attrLength;
    }
    if (at !== stop) throw bad(at, 'RIB record longer than its entries');
    return { ...head, kind: 'rib', subtype, sequence, prefix, entries };
  }
  if (
    (type === MrtType.Bgp4mp || type === MrtType.Bgp4mpEt) &&
    (subtype <= 1 || (subtype >= 4 && subtype <= 11))
  ) {
    const asLen = AS4_SUBTYPES.has(subtype) ? 4 : 2;
    need(at, 2 * asLen + 4, stop);
    const peerAs = asLen === 4 ? readU32(buf, at) : readU16(buf, at);
    const localAs = asLen === 4 ? readU32(buf, at + asLen) : readU16(buf, at + asLen);
    at += 2 * asLen;
    const ifIndex = readU16(buf, at);
    const afi = readU16(buf, at + 2);
    at += 4;
    if (afi !== 1 && afi !== 2) throw bad(at - 2, `address family ${afi}`);
    const ipLen = afi === 2 ? 16 : 4;
    need(at, 2 * ipLen, stop);
    const peerIp = buf.subarray(at, at + ipLen);
    const localIp = buf.subarray(at + ipLen, at + 2 * ipLen);
    at += 2 * ipLen;
    const common = { subtype, peerAs, localAs, ifIndex, afi, peerIp, localIp };
    if (subtype === 0 || subtype === 5) {
      need(at, 4, stop);
      if (at + 4 !== stop) throw bad(at, 'STATE_CHANGE longer than its states');
      return {
        ...head,
        kind: 'bgp4mp-state-change',
        ...common,
        oldState: readU16(buf, at),
        newState: readU16(buf, at + 2),
      };
    }
    return { ...head, kind: 'bgp4mp-message', ...common, message: buf.subarray(at, stop) };
  }
  return { ...head, kind: 'unknown', type, subtype, body: buf.subarray(at, stop) };
}

function uint(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`mrt ${field} must be an integer in 0..${max}, got ${v}`);
}

const utf8Encoder = /* @__PURE__ */ new TextEncoder();

function bodyLength(r: MrtRecord): number {
  switch (r.kind) {
    case 'peer-index-table': {
      let n = 8 + utf8Encoder.encode(r.viewName).length;
      for (const p of r.peers) {
        if (p.address.length !== 4 && p.address.length !== 16)
          throw new RangeError('mrt peer address must be 4 or 16 bytes');
        uint('peer asn', p.asn, p.asn4 ? 0xffffffff : 0xffff);
        n += 5 + p.address.length + (p.asn4 ? 4 : 2);
      }
      return n;
    }
    case 'rib': {
      let n = 4 + 1 + ((r.prefix.length + 7) >> 3) + 2;
      const addPath = RIB_ADDPATH.has(r.subtype);
      for (const e of r.entries) n += (addPath ? 12 : 8) + e.attributes.length;
      return n;
    }
    case 'bgp4mp-message':
    case 'bgp4mp-state-change': {
      const asLen = AS4_SUBTYPES.has(r.subtype) ? 4 : 2;
      const fixed = 2 * asLen + 4 + r.peerIp.length + r.localIp.length;
      return fixed + (r.kind === 'bgp4mp-message' ? r.message.length : 4);
    }
    case 'unknown':
      return r.body.length;
  }
}

function mrtType(r: MrtRecord): [number, number] {
  const et = r.microseconds !== undefined;
  switch (r.kind) {
    case 'peer-index-table':
      return [MrtType.TableDumpV2, TableDumpV2Subtype.PeerIndexTable];
    case 'rib':
      return [MrtType.TableDumpV2, r.subtype];
    case 'bgp4mp-message':
    case 'bgp4mp-state-change':
      return [et ? MrtType.Bgp4mpEt : MrtType.Bgp4mp, r.subtype];
    case 'unknown':
      return [r.type, r.subtype];
  }
}

/** Bytes `writeMrtRecord` writes. */
export function mrtLength(r: MrtRecord): number {
  return MRT_HEADER_LENGTH + (r.microseconds !== undefined ? 4 : 0) + bodyLength(r);
}

/** Writes one record at `offset`; returns the bytes written. */
export function writeMrtRecord(r: MrtRecord, out: Uint8Array, offset = 0): number {
  const total = mrtLength(r);
  uint('timestamp', r.timestamp, 0xffffffff);
  if (offset + total > out.length) throw new RangeError('mrt record does not fit the output buffer');
  const [type, subtype] = mrtType(r);
  writeU32(out, offset, r.timestamp);
  writeU16(out, offset + 4, type);
  writeU16(out, offset + 6, subtype);
  writeU32(out, offset + 8, total - MRT_HEADER_LENGTH);
  let at = offset + MRT_HEADER_LENGTH;
  if (r.microseconds !== undefined) {
    writeU32(out, at, r.microseconds);
    at += 4;
  }
  switch (r.kind) {
    case 'peer-index-table': {
      writeU32(out, at, r.collectorId);
      const name = utf8Encoder.encode(r.viewName);
      writeU16(out, at + 4, name.length);
      out.set(name, at + 6);
      at += 6 + name.length;
      writeU16(out, at, r.peers.length);
      at += 2;
      for (const p of r.peers) {
        out[at] = (p.address.length === 16 ? 1 : 0) | (p.asn4 ? 2 : 0);
        writeU32(out, at + 1, p.bgpId);
        out.set(p.address, at + 5);
        at += 5 + p.address.length;
        if (p.asn4) writeU32(out, at, p.asn);
        else writeU16(out, at, p.asn);
        at += p.asn4 ? 4 : 2;
      }
      break;
    }
    case 'rib': {
      writeU32(out, at, r.sequence);
      out[at + 4] = r.prefix.length;
      const bytes = (r.prefix.length + 7) >> 3;
      if (r.prefix.family === 4)
        for (let i = 0; i < bytes; i++) out[at + 5 + i] = r.prefix.address >>> (24 - 8 * i);
      else out.set(r.prefix.address.subarray(0, bytes), at + 5);
      at += 5 + bytes;
      writeU16(out, at, r.entries.length);
      at += 2;
      const addPath = RIB_ADDPATH.has(r.subtype);
      for (const e of r.entries) {
        writeU16(out, at, e.peerIndex);
        writeU32(out, at + 2, e.originatedTime);
        if (addPath) writeU32(out, at + 6, e.pathId ?? 0);
        const f = addPath ? 10 : 6;
        writeU16(out, at + f, e.attributes.length);
        out.set(e.attributes, at + f + 2);
        at += f + 2 + e.attributes.length;
      }
      break;
    }
    case 'bgp4mp-message':
    case 'bgp4mp-state-change': {
      const four = AS4_SUBTYPES.has(r.subtype);
      if (four) {
        writeU32(out, at, r.peerAs);
        writeU32(out, at + 4, r.localAs);
      } else {
        writeU16(out, at, r.peerAs);
        writeU16(out, at + 2, r.localAs);
      }
      at += four ? 8 : 4;
      writeU16(out, at, r.ifIndex);
      writeU16(out, at + 2, r.afi);
      out.set(r.peerIp, at + 4);
      out.set(r.localIp, at + 4 + r.peerIp.length);
      at += 4 + r.peerIp.length + r.localIp.length;
      if (r.kind === 'bgp4mp-message') out.set(r.message, at);
      else {
        writeU16(out, at, r.oldState);
        writeU16(out, at + 2, r.newState);
      }
      break;
    }
    case 'unknown':
      out.set(r.body, at);
      break;
  }
  return total;
}

/** Allocating convenience around `writeMrtRecord`. */
export function encodeMrtRecord(r: MrtRecord): Uint8Array {
  const out = new Uint8Array(mrtLength(r));
  writeMrtRecord(r, out, 0);
  return out;
}

/**
 * Streams the records of an MRT byte stream (chunks of any size) in bounded memory: one record
 * at a time is held, and a record over `maxRecordLength` (16 MiB by default) is a DecodeError.
 */
export async function* readMrt(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxRecordLength = 16 << 20,
): AsyncGenerator<MrtRecord> {
  let pending: Uint8Array = new Uint8Array(0);
  let offset = 0;
  for await (const input of chunks) {
    // A Node Buffer becomes a plain Uint8Array view, so records hold the same type whatever the source.
    const chunk = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (pending.length - offset > 0) {
      const joined = new Uint8Array(pending.length - offset + chunk.length);
      joined.set(pending.subarray(offset));
      joined.set(chunk, pending.length - offset);
      pending = joined;
    } else pending = chunk;
    offset = 0;
    while (pending.length - offset >= MRT_HEADER_LENGTH) {
      const length = mrtRecordLength(pending, offset);
      if (length > maxRecordLength)
        throw bad(offset + 8, `record of ${length} bytes over ${maxRecordLength}`);
      if (pending.length - offset < length) break;
      yield decodeMrtRecord(pending, offset, offset + length);
      offset += length;
    }
  }
  if (pending.length - offset > 0)
    throw new DecodeError('truncated', 'mrt', offset, 'file ends inside a record');
}

/**
 * The path attributes of a TABLE_DUMP_V2 RIB entry (4-octet AS always). MP_REACH_NLRI may be in
 * RFC 6396 §4.3.4's form (next hop length and address only; it comes back with `afi`/`safi`
 * 0 and no NLRI) or the full RFC 4760 form (GoBGP writes that). Flags are not checked (BIRD 2
 * writes 0) but kept as sent. Throws BgpDecodeError for malformed values.
 */
export function decodeRibAttributes(bytes: Uint8Array): PathAttribute[] {
  const out: PathAttribute[] = [];
  const c = new AttributeCursor().reset(bytes, 0, bytes.length);
  const session = { fourOctetAs: true };
  while (c.next()) {
    const v = c.valueStart;
    if (c.type === AttrType.MpReachNlri && c.valueEnd - v >= 1 && bytes[v] === c.valueEnd - v - 1) {
      out.push({
        flags: c.flags,
        kind: 'mp-reach',
        afi: 0,
        safi: 0,
        nextHop: bytes.subarray(v + 1, c.valueEnd),
        nlri: [],
      });
      continue;
    }
    const expected = ATTRIBUTE_FLAGS[c.type];
    const flags = expected === undefined ? c.flags : expected | (c.flags & 0x3f);
    const a = decodeAttributeValue(bytes, flags, c.type, v, c.valueEnd, c.at, session);
    out.push({ ...a, flags: c.flags } as PathAttribute);
  }
  return out;
}
