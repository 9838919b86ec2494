import {
  checkOptionalUint,
  checkUint,
  DecodeError,
  type DissectionNode,
  dataNode,
  foldSum,
  formatIpv4,
  hex,
  type IpContext,
  internetChecksum,
  type LayerDissector,
  fieldNode as leaf,
  readU16,
  readU24,
  readU32,
  requireBytes,
  sumWords,
  writeU16,
  writeU32,
} from '@cnikit/wire';
import { IGMP_RECORD_TYPE_NAMES, IGMP_TYPE_NAMES } from './field-descriptions.js';

const EMPTY = new Uint8Array(0);
const LAYER = 'igmp';
export const IGMP_HEADER_LENGTH = 8;
/** A Membership Query this long or longer is an IGMPv3 one (RFC 3376 §7.1). */
export const IGMPV3_QUERY_MIN_LENGTH = 12;
/** Bytes of an IGMPv3 group record before its sources (RFC 3376 §4.2.4). */
export const IGMPV3_GROUP_RECORD_HEADER_LENGTH = 8;

/** IGMP message types (RFC 1112, RFC 2236, RFC 3376) this module lays out. */
export const IgmpType = {
  MembershipQuery: 0x11,
  V1MembershipReport: 0x12,
  V2MembershipReport: 0x16,
  LeaveGroup: 0x17,
  V3MembershipReport: 0x22,
} as const;

/** IGMPv3 group record types (RFC 3376 §4.2.12). */
export const IgmpRecordType = {
  ModeIsInclude: 1,
  ModeIsExclude: 2,
  ChangeToInclude: 3,
  ChangeToExclude: 4,
  AllowNewSources: 5,
  BlockOldSources: 6,
} as const;

/** One IGMPv3 group record as a plain object. */
export interface IgmpGroupRecord {
  recordType: number;
  /** Multicast address, uint32. */
  group: number;
  /** Source addresses, uint32 each. */
  sources: number[];
  /** Auxiliary data: a multiple of 4 bytes, up to 1020 (its length is written in 32-bit words). */
  auxData: Uint8Array;
}

/**
 * An IGMP message as a plain object: what `toJSON()` returns and `writeIgmp` takes. The layout
 * follows `type` (and, for a query, whether IGMPv3 fields are given):
 * - Membership Report v3 (0x22): `reserved` (bytes 4–5) and `records`;
 * - Membership Query (0x11) with any of `suppress`, `qrv`, `qqic`, `sources`, `reservedFlags`:
 *   IGMPv3 query (12 bytes + sources);
 * - anything else: the 8-byte v1/v2 layout, bytes 4–7 as `group`.
 * `payload` is whatever follows (kept and written back unchanged).
 */
export interface IgmpHeader {
  type: number;
  /** Byte 1: Max Resp Time (v2, 1/10 s), Max Resp Code (v3 query), else reserved. Absent → 0. */
  maxResponse?: number;
  /** Absent → computed (over the bytes Wireshark checks: 8 for v1/v2, 20 for v0, else all). */
  checksum?: number;
  /** Bytes 4–7: the group address (uint32); not in a v3 report. Absent → 0. */
  group?: number;
  /** v3 query: the S flag (suppress router-side processing). */
  suppress?: boolean;
  /** v3 query: Querier's Robustness Variable, 0–7. */
  qrv?: number;
  /** v3 query: Querier's Query Interval Code, raw. */
  qqic?: number;
  /** v3 query: the four reserved bits before S. Absent → 0. */
  reservedFlags?: number;
  /** v3 query: source addresses, uint32 each. */
  sources?: number[];
  /** v3 report: bytes 4–5. Absent → 0. */
  reserved?: number;
  /** v3 report: the group records. */
  records?: IgmpGroupRecord[];
  /** Bytes after the layout of the type. */
  payload?: Uint8Array;
}

/** How the bytes after the checksum are laid out. */
export type IgmpLayout = 'basic' | 'v3-query' | 'v3-report';

function layoutOf(type: number, length: number): IgmpLayout {
  if (type === IgmpType.V3MembershipReport) return 'v3-report';
  if (type === IgmpType.MembershipQuery && length >= IGMPV3_QUERY_MIN_LENGTH) return 'v3-query';
  return 'basic';
}

/**
 * The IGMP version as Wireshark decides it, from the type and the message's length: a query of
 * 12 bytes or more is v3, a shorter one v2 if its Max Resp Time is not zero, else v1; types 0–15
 * are RFC 988's v0. Undefined for types Wireshark gives no version (mtrace, unknown).
 */
export function igmpVersion(type: number, length: number, maxResponse: number): number | undefined {
  if (type < 16) return 0;
  switch (type) {
    case IgmpType.MembershipQuery:
      return length >= IGMPV3_QUERY_MIN_LENGTH ? 3 : maxResponse !== 0 ? 2 : 1;
    case IgmpType.V1MembershipReport:
      return 1;
    case IgmpType.V2MembershipReport:
    case IgmpType.LeaveGroup:
      return 2;
    case IgmpType.V3MembershipReport:
      return 3;
    default:
      return undefined;
  }
}

/** The bytes the checksum covers, as Wireshark checks it: 20 for v0, 8 for v1/v2, else the whole message. */
export function igmpChecksumLength(type: number, length: number): number {
  if (type < 16) return 20;
  if (
    type === IgmpType.V1MembershipReport ||
    type === IgmpType.V2MembershipReport ||
    type === IgmpType.LeaveGroup
  )
    return IGMP_HEADER_LENGTH;
  if (type === IgmpType.MembershipQuery && length < IGMPV3_QUERY_MIN_LENGTH) return IGMP_HEADER_LENGTH;
  return length;
}

/** RFC 3376 §4.1.1/§4.1.7 floating-point code (Max Resp Code, QQIC) → its value. */
export function igmpV3CodeValue(code: number): number {
  return code < 0x80 ? code : ((code & 0x0f) | 0x10) << (((code >>> 4) & 7) + 3);
}

/** Zero-copy, rebindable view of an IGMP message (RFC 1112, 2236, 3376); it runs to `end`. */
export class IgmpMessage {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** Where the type's layout ends (8, 12 + sources, or after the last group record); `payload` follows. */
  bodyEnd = 0;
  layout: IgmpLayout = 'basic';

  static parse(buf: Uint8Array, start = 0, end = buf.length): IgmpMessage {
    return new IgmpMessage().bind(buf, start, end);
  }

  /**
   * Checks the 8-byte header, a v3 query's sources and a v3 report's group records against `end`,
   * and points this view at buf[start, end). Throws DecodeError.
   */
  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    requireBytes(LAYER, start, IGMP_HEADER_LENGTH, end);
    const layout = layoutOf(buf[start], end - start);
    let bodyEnd = start + IGMP_HEADER_LENGTH;
    if (layout === 'v3-query') {
      const count = readU16(buf, start + 10);
      bodyEnd = start + IGMPV3_QUERY_MIN_LENGTH + 4 * count;
      if (bodyEnd > end) {
        throw new DecodeError(
          'bad-length',
          LAYER,
          start + 10,
          `query says ${count} sources (${4 * count} bytes), only ${end - start - 12} left`,
        );
      }
    } else if (layout === 'v3-report') {
      let count = readU16(buf, start + 6);
      while (count-- > 0) {
        if (bodyEnd + IGMPV3_GROUP_RECORD_HEADER_LENGTH > end) {
          throw new DecodeError('truncated', LAYER, bodyEnd, 'group record header runs past the message');
        }
        const next =
          bodyEnd + IGMPV3_GROUP_RECORD_HEADER_LENGTH + 4 * readU16(buf, bodyEnd + 2) + 4 * buf[bodyEnd + 1];
        if (next > end) {
          throw new DecodeError(
            'bad-length',
            LAYER,
            bodyEnd,
            `group record of ${next - bodyEnd} bytes runs past the message (${end - bodyEnd} left)`,
          );
        }
        bodyEnd = next;
      }
    }
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.bodyEnd = bodyEnd;
    this.layout = layout;
    return this;
  }

  get type(): number {
    return this.buf[this.start];
  }
  /** Byte 1: Max Resp Time (v2), Max Resp Code (v3 query), else reserved. */
  get maxResponse(): number {
    return this.buf[this.start + 1];
  }
  /** Max Resp Code of a v3 query decoded (1/10 s); for v2 the byte itself. */
  get maxResponseTime(): number {
    const code = this.buf[this.start + 1];
    return this.layout === 'v3-query' ? igmpV3CodeValue(code) : code;
  }
  get checksum(): number {
    return readU16(this.buf, this.start + 2);
  }
  /** Bytes 4–7 as an IPv4 address (uint32): the group (meaningless in a v3 report). */
  get group(): number {
    return readU32(this.buf, this.start + 4);
  }
  /** IGMP version as Wireshark decides it (see `igmpVersion`). */
  get version(): number | undefined {
    return igmpVersion(this.type, this.end - this.start, this.maxResponse);
  }
  /** v3 query: S flag. */
  get suppress(): boolean {
    return (this.buf[this.start + 8] & 0x08) !== 0;
  }
  /** v3 query: QRV. */
  get qrv(): number {
    return this.buf[this.start + 8] & 0x07;
  }
  /** v3 query: the reserved high nibble of byte 8. */
  get reservedFlags(): number {
    return this.buf[this.start + 8] >>> 4;
  }
  /** v3 query: QQIC, raw. */
  get qqic(): number {
    return this.buf[this.start + 9];
  }
  /** v3 query: number of sources. */
  get sourceCount(): number {
    return readU16(this.buf, this.start + 10);
  }
  /** v3 query: source `i` (uint32); `i` below `sourceCount`. */
  source(i: number): number {
    return readU32(this.buf, this.start + 12 + 4 * i);
  }
  /** v3 report: bytes 4–5. */
  get reserved(): number {
    return readU16(this.buf, this.start + 4);
  }
  /** v3 report: number of group records. */
  get recordCount(): number {
    return readU16(this.buf, this.start + 6);
  }
  /** Bytes after the type's layout. */
  get payload(): Uint8Array {
    return this.buf.subarray(this.bodyEnd, this.end);
  }

  /** The bytes the checksum covers (see `igmpChecksumLength`), at most the message. */
  get checksumLength(): number {
    return Math.min(igmpChecksumLength(this.type, this.end - this.start), this.end - this.start);
  }
  /** True when the checksum verifies over `checksumLength` bytes. */
  checksumValid(): boolean {
    return this.computeChecksum() === this.checksum;
  }
  /** The checksum this message should carry. */
  computeChecksum(): number {
    const s = this.start;
    return ~foldSum(sumWords(this.buf, s, s + this.checksumLength) - readU16(this.buf, s + 2)) & 0xffff;
  }

  toJSON(): IgmpHeader {
    const { type, maxResponse, checksum } = this;
    if (this.layout === 'v3-report') {
      const records: IgmpGroupRecord[] = [];
      const c = new IgmpGroupRecordCursor().reset(this);
      while (c.next()) {
        const sources: number[] = [];
        for (let i = 0; i < c.sourceCount; i++) sources.push(c.source(i));
        records.push({ recordType: c.recordType, group: c.group, sources, auxData: c.auxData });
      }
      return { type, maxResponse, checksum, reserved: this.reserved, records, payload: this.payload };
    }
    if (this.layout === 'v3-query') {
      const sources: number[] = [];
      for (let i = 0; i < this.sourceCount; i++) sources.push(this.source(i));
      return {
        type,
        maxResponse,
        checksum,
        group: this.group,
        reservedFlags: this.reservedFlags,
        suppress: this.suppress,
        qrv: this.qrv,
        qqic: this.qqic,
        sources,
        payload: this.payload,
      };
    }
    return { type, maxResponse, checksum, group: this.group, payload: this.payload };
  }
}

/**
 * Allocation-free walk over the group records of a bound IGMPv3 report (bounds checked by `bind`):
 * `for (cursor.reset(message); cursor.next(); ) use(cursor.recordType, cursor.group)`.
 */
export class IgmpGroupRecordCursor {
  buf: Uint8Array = EMPTY;
  /** The current record is buf[start, end). */
  start = 0;
  end = 0;
  private left = 0;

  /** Points the cursor before the first record of `message` (none unless it is a v3 report). */
  reset(message: IgmpMessage): this {
    this.buf = message.buf;
    this.left = message.layout === 'v3-report' ? message.recordCount : 0;
    this.start = message.start + IGMP_HEADER_LENGTH;
    this.end = this.start;
    return this;
  }

  /** Steps to the next record; false after the last. */
  next(): boolean {
    if (this.left === 0) return false;
    this.left--;
    const at = this.end;
    this.start = at;
    this.end = at + IGMPV3_GROUP_RECORD_HEADER_LENGTH + 4 * readU16(this.buf, at + 2) + 4 * this.buf[at + 1];
    return true;
  }

  get recordType(): number {
    return this.buf[this.start];
  }
  /** Aux Data Len, in 32-bit words. */
  get auxDataLength(): number {
    return this.buf[this.start + 1];
  }
  get sourceCount(): number {
    return readU16(this.buf, this.start + 2);
  }
  /** Multicast address (uint32). */
  get group(): number {
    return readU32(this.buf, this.start + 4);
  }
  /** Source `i` (uint32); `i` below `sourceCount`. */
  source(i: number): number {
    return readU32(this.buf, this.start + 8 + 4 * i);
  }
  /** Where the auxiliary data starts. */
  get auxDataOffset(): number {
    return this.start + 8 + 4 * this.sourceCount;
  }
  get auxData(): Uint8Array {
    return this.buf.subarray(this.auxDataOffset, this.end);
  }
}

function isV3Query(h: IgmpHeader): boolean {
  return (
    h.type === IgmpType.MembershipQuery &&
    (h.sources !== undefined ||
      h.qrv !== undefined ||
      h.qqic !== undefined ||
      h.suppress !== undefined ||
      h.reservedFlags !== undefined)
  );
}

/** Bytes `writeIgmp` writes for `h`. */
export function igmpLength(h: IgmpHeader): number {
  const payload = h.payload?.length ?? 0;
  if (h.type === IgmpType.V3MembershipReport) {
    let n = IGMP_HEADER_LENGTH + payload;
    for (const r of h.records ?? [])
      n += IGMPV3_GROUP_RECORD_HEADER_LENGTH + 4 * r.sources.length + r.auxData.length;
    return n;
  }
  if (isV3Query(h)) return IGMPV3_QUERY_MIN_LENGTH + 4 * (h.sources?.length ?? 0) + payload;
  return IGMP_HEADER_LENGTH + payload;
}

function checkHeader(h: IgmpHeader): void {
  checkUint('type', h.type, 0xff, LAYER);
  checkOptionalUint('maxResponse', h.maxResponse, 0xff, LAYER);
  checkOptionalUint('checksum', h.checksum, 0xffff, LAYER);
  checkOptionalUint('group', h.group, 0xffffffff, LAYER);
  checkOptionalUint('qrv', h.qrv, 7, LAYER);
  checkOptionalUint('qqic', h.qqic, 0xff, LAYER);
  checkOptionalUint('reservedFlags', h.reservedFlags, 0x0f, LAYER);
  checkOptionalUint('reserved', h.reserved, 0xffff, LAYER);
  const sources = h.sources ?? [];
  checkUint('sources.length', sources.length, 0xffff, LAYER);
  for (const s of sources) checkUint('sources[]', s, 0xffffffff, LAYER);
  const records = h.records ?? [];
  checkUint('records.length', records.length, 0xffff, LAYER);
  for (const r of records) {
    checkUint('records[].recordType', r.recordType, 0xff, LAYER);
    checkUint('records[].group', r.group, 0xffffffff, LAYER);
    checkUint('records[].sources.length', r.sources.length, 0xffff, LAYER);
    for (const s of r.sources) checkUint('records[].sources[]', s, 0xffffffff, LAYER);
    if (r.auxData.length % 4 !== 0 || r.auxData.length > 4 * 0xff) {
      throw new RangeError(
        `igmp records[].auxData must be a multiple of 4 bytes up to 1020, got ${r.auxData.length}`,
      );
    }
  }
  if (h.type === IgmpType.V3MembershipReport) {
    if (h.group !== undefined || sources.length > 0) {
      throw new RangeError('igmp group/sources: a v3 report (0x22) carries them in its records');
    }
  } else if (h.records !== undefined || h.reserved !== undefined) {
    throw new RangeError(`igmp records/reserved: only a v3 report (0x22) has them, type is ${h.type}`);
  }
  if (!isV3Query(h) && h.type === IgmpType.MembershipQuery && (h.payload?.length ?? 0) >= 4) {
    throw new RangeError(
      'igmp payload: a query of 12 bytes or more is IGMPv3; give suppress/qrv/qqic/sources for one',
    );
  }
}

/**
 * Writes an IGMP message at `out[offset]` and returns the bytes written (`igmpLength(h)`). The
 * checksum is computed (over the bytes Wireshark checks) unless `h.checksum` is given. Throws
 * RangeError naming the field before writing anything.
 */
export function writeIgmp(h: IgmpHeader, out: Uint8Array, offset = 0): number {
  checkHeader(h);
  const total = igmpLength(h);
  if (!Number.isInteger(offset) || offset < 0 || offset + total > out.length) {
    throw new RangeError(`igmp out: needs ${total} bytes at offset ${offset}, buffer has ${out.length}`);
  }
  out[offset] = h.type;
  out[offset + 1] = h.maxResponse ?? 0;
  writeU16(out, offset + 2, 0);
  let o = offset + IGMP_HEADER_LENGTH;
  if (h.type === IgmpType.V3MembershipReport) {
    const records = h.records ?? [];
    writeU16(out, offset + 4, h.reserved ?? 0);
    writeU16(out, offset + 6, records.length);
    for (const r of records) {
      out[o] = r.recordType;
      out[o + 1] = r.auxData.length / 4;
      writeU16(out, o + 2, r.sources.length);
      writeU32(out, o + 4, r.group);
      o += IGMPV3_GROUP_RECORD_HEADER_LENGTH;
      for (const s of r.sources) {
        writeU32(out, o, s);
        o += 4;
      }
      out.set(r.auxData, o);
      o += r.auxData.length;
    }
  } else {
    writeU32(out, offset + 4, h.group ?? 0);
    if (isV3Query(h)) {
      const sources = h.sources ?? [];
      out[o] = ((h.reservedFlags ?? 0) << 4) | (h.suppress ? 0x08 : 0) | (h.qrv ?? 0);
      out[o + 1] = h.qqic ?? 0;
      writeU16(out, o + 2, sources.length);
      o += 4;
      for (const s of sources) {
        writeU32(out, o, s);
        o += 4;
      }
    }
  }
  if (h.payload) out.set(h.payload, o);
  const covered = Math.min(igmpChecksumLength(h.type, total), total);
  writeU16(out, offset + 2, h.checksum ?? internetChecksum(out, offset, offset + covered));
  return total;
}

/** Allocating convenience around `writeIgmp`. */
export function encodeIgmp(h: IgmpHeader): Uint8Array {
  checkHeader(h);
  const out = new Uint8Array(igmpLength(h));
  writeIgmp(h, out, 0);
  return out;
}

// ---- dissection ---------------------------------------------------------------------------------

/**
 * Whether Wireshark hands this message to another protocol's dissector (DVMRP 0x13, PIMv1 0x14,
 * IGAP 0x40–0x42 always; MSNIP 0x23–0x25 sent to 224.0.0.22, MRDISC 0x26 to 224.0.0.2, RGMP
 * 0xfc–0xff to 224.0.0.25): cnikit dissects none of them, so their bytes become a `data` layer
 * rather than an IGMP layer tshark does not show. `dst` is the IPv4 destination (uint32).
 */
export function igmpTypeIsOtherProtocol(type: number, dst?: number): boolean {
  if (type === 0x13 || type === 0x14 || (type >= 0x40 && type <= 0x42)) return true;
  if (type >= 0x23 && type <= 0x25) return dst === 0xe0000016;
  if (type === 0x26) return dst === 0xe0000002;
  return type >= 0xfc && dst === 0xe0000019;
}

/** The IPv4 destination a layer was handed, if any. */
function ipv4Destination(ip: IpContext | undefined): number | undefined {
  return ip?.family === 4 ? ip.dst : undefined;
}

function ipv4Leaf(field: string, name: string, buf: Uint8Array, at: number): DissectionNode {
  return leaf(field, name, at, 4, formatIpv4(readU32(buf, at)));
}

function typeNode(type: number, at: number, shown?: string): DissectionNode {
  return leaf(
    'igmp.type',
    'Type',
    at,
    1,
    type,
    `Type: ${shown ?? IGMP_TYPE_NAMES[type] ?? `Unknown Type:${hex(type, 2)}`} (${hex(type, 2)})`,
  );
}

/** Checksum and status nodes: status 1 good, 0 bad, 2 unverified (the covered bytes are not all there). */
function checksumNodes(buf: Uint8Array, start: number, covered: number, available: number): DissectionNode[] {
  const checksum = readU16(buf, start + 2);
  let status = 2;
  if (available >= covered) {
    status = internetChecksum(buf, start, start + covered) === 0 ? 1 : 0;
  }
  return [
    leaf(
      'igmp.checksum',
      'Checksum',
      start + 2,
      2,
      checksum,
      `Checksum: ${hex(checksum, 4)} ${['[incorrect]', '[correct]', '[unverified]'][status]}`,
    ),
    leaf('igmp.checksum.status', 'Checksum Status', start + 2, 0, status),
  ];
}

function maxRespNode(buf: Uint8Array, at: number, v3: boolean): DissectionNode {
  const bits = buf[at];
  const value = v3 ? igmpV3CodeValue(bits) : bits;
  const display = `Max Resp Time: ${(value / 10).toFixed(1)} sec (${hex(bits, 2)})`;
  const node = leaf('igmp.max_resp', 'Max Resp Time', at, 1, value, display);
  if (!v3 || bits < 0x80) return node;
  return {
    ...node,
    children: [
      leaf('igmp.max_resp.exp', 'Exponent', at, 1, (bits & 0x70) >>> 4),
      leaf('igmp.max_resp.mant', 'Mantissa', at, 1, bits & 0x0f),
    ],
  };
}

function v3ReportNodes(m: IgmpMessage, nodes: DissectionNode[]): void {
  const { buf, start } = m;
  nodes.push(leaf('igmp.num_grp_recs', 'Num Group Records', start + 6, 2, m.recordCount));
  const c = new IgmpGroupRecordCursor().reset(m);
  while (c.next()) {
    const at = c.start;
    const group = formatIpv4(c.group);
    const name = `Group Record : ${group}  ${IGMP_RECORD_TYPE_NAMES[c.recordType] ?? ''}`;
    const children: DissectionNode[] = [
      leaf('igmp.record_type', 'Record Type', at, 1, c.recordType),
      leaf('igmp.aux_data_len', 'Aux Data Len', at + 1, 1, c.auxDataLength),
      leaf('igmp.num_src', 'Num Src', at + 2, 2, c.sourceCount),
      leaf('igmp.maddr', 'Multicast Address', at + 4, 4, group),
    ];
    for (let i = 0; i < c.sourceCount; i++) {
      children.push(ipv4Leaf('igmp.saddr', 'Source Address', buf, at + 8 + 4 * i));
    }
    if (c.auxDataLength > 0) {
      children.push(leaf('igmp.aux_data', 'Aux Data', c.auxDataOffset, c.end - c.auxDataOffset, c.auxData));
    }
    nodes.push({ field: 'igmp.group_record', name, offset: at, length: c.end - at, display: name, children });
  }
}

function v0Nodes(buf: Uint8Array, start: number, end: number, nodes: DissectionNode[]): void {
  requireBytes(LAYER, start, 20, end);
  const type = buf[start];
  const code = buf[start + 1];
  if (type === 1) nodes.push(leaf('igmp.group_type', 'Type Of Group', start + 1, 1, code));
  else if ((type & 1) === 0) {
    nodes.push(
      code < 5
        ? leaf('igmp.reply', 'Reply', start + 1, 1, code)
        : leaf('igmp.reply.pending', 'Reply Pending', start + 1, 1, code),
    );
  }
  nodes.push(...checksumNodes(buf, start, 20, end - start));
  nodes.push(leaf('igmp.identifier', 'Identifier', start + 4, 4, readU32(buf, start + 4)));
  nodes.push(ipv4Leaf('igmp.maddr', 'Multicast Address', buf, start + 8));
  nodes.push(leaf('igmp.access_key', 'Access Key', start + 12, 8, buf.subarray(start + 12, start + 20)));
}

const MTRACE_HEADER_LENGTH = 24;
const MTRACE_BLOCK_LENGTH = 32;

/** Multicast traceroute (draft-ietf-idmr-traceroute-ipm), types 0x1e and 0x1f. */
function mtraceNodes(buf: Uint8Array, start: number, end: number, nodes: DissectionNode[]): void {
  requireBytes(LAYER, start, MTRACE_HEADER_LENGTH, end);
  const type = buf[start];
  const shown =
    type === 0x1e
      ? 'Traceroute Response'
      : end - start === MTRACE_HEADER_LENGTH
        ? 'Traceroute Query'
        : 'Traceroute Request';
  nodes.push(
    typeNode(type, start, shown),
    leaf('igmp.mtrace.max_hops', '# hops', start + 1, 1, buf[start + 1]),
    ...checksumNodes(buf, start, end - start, end - start),
    ipv4Leaf('igmp.maddr', 'Multicast Address', buf, start + 4),
    ipv4Leaf('igmp.mtrace.saddr', 'Source Address', buf, start + 8),
    ipv4Leaf('igmp.mtrace.raddr', 'Receiver Address', buf, start + 12),
    ipv4Leaf('igmp.mtrace.rspaddr', 'Response Address', buf, start + 16),
    leaf('igmp.mtrace.resp_ttl', 'Response TTL', start + 20, 1, buf[start + 20]),
    leaf('igmp.mtrace.q_id', 'Query ID', start + 21, 3, readU24(buf, start + 21)),
  );
  for (let o = start + MTRACE_HEADER_LENGTH; o + MTRACE_BLOCK_LENGTH <= end; o += MTRACE_BLOCK_LENGTH) {
    const bits = buf[o + 30];
    const name = `Response data block: ${formatIpv4(readU32(buf, o + 4))} -> ${formatIpv4(readU32(buf, o + 8))}`;
    nodes.push({
      field: 'igmp.mtrace.block',
      name,
      offset: o,
      length: MTRACE_BLOCK_LENGTH,
      display: name,
      children: [
        leaf('igmp.mtrace.q_arrival', 'Query Arrival', o, 4, readU32(buf, o)),
        ipv4Leaf('igmp.mtrace.q_inaddr', 'In itf addr', buf, o + 4),
        ipv4Leaf('igmp.mtrace.q_outaddr', 'Out itf addr', buf, o + 8),
        ipv4Leaf('igmp.mtrace.q_prevrtr', 'Previous rtr addr', buf, o + 12),
        leaf('igmp.mtrace.q_inpkt', 'In pkts', o + 16, 4, readU32(buf, o + 16)),
        leaf('igmp.mtrace.q_outpkt', 'Out pkts', o + 20, 4, readU32(buf, o + 20)),
        leaf('igmp.mtrace.q_total', 'S,G pkt count', o + 24, 4, readU32(buf, o + 24)),
        leaf('igmp.mtrace.q_rtg_proto', 'Rtg Protocol', o + 28, 1, buf[o + 28]),
        leaf('igmp.mtrace.q_fwd_ttl', 'FwdTTL', o + 29, 1, buf[o + 29]),
        leaf('igmp.mtrace.q_mbz', 'MBZ', o + 30, 1, bits >>> 7),
        leaf('igmp.mtrace.q_s', 'S', o + 30, 1, (bits >>> 6) & 1),
        leaf('igmp.mtrace.q_src_mask', 'Src Mask', o + 30, 1, bits & 0x3f),
        leaf('igmp.mtrace.q_fwd_code', 'Forwarding Code', o + 31, 1, buf[o + 31]),
      ],
    });
  }
}

/**
 * IGMP dissector → layer 'igmp', with Wireshark's fields in its order: `igmp.version` (decided
 * from type and length, as Wireshark does), type, max resp / reserved, checksum (verified over the
 * bytes Wireshark checks), group; IGMPv3 query S, QRV, QQIC, sources; IGMPv3 report group records.
 * RFC 988 (v0) messages and multicast traceroute are shown too; types Wireshark gives to other
 * protocols (`igmpTypeIsOtherProtocol`) become a `data` layer; other types show `igmp.data`.
 */
export const dissectIgmp: LayerDissector = (buf, start, end, context) => {
  requireBytes(LAYER, start, 1, end);
  const type = buf[start];
  if (igmpTypeIsOtherProtocol(type, ipv4Destination(context.ip))) return { node: dataNode(buf, start, end) };
  const nodes: DissectionNode[] = [];
  // Wireshark decides the version and checksum span from the length IP claims.
  const claimed = (context.claimedEnd ?? end) - start;
  const available = end - start;
  const version = igmpVersion(type, claimed, start + 1 < end ? buf[start + 1] : 0);
  const display = `Internet Group Management Protocol`;
  if (type === 0x1e || type === 0x1f) {
    mtraceNodes(buf, start, end, nodes);
  } else if (version === undefined) {
    nodes.push(typeNode(type, start));
    if (start + 1 < end)
      nodes.push(leaf('igmp.data', 'Data', start + 1, end - start - 1, buf.subarray(start + 1, end)));
  } else {
    nodes.push(leaf('igmp.version', 'IGMP Version', start, 0, version), typeNode(type, start));
    if (version === 0) v0Nodes(buf, start, end, nodes);
    else {
      const m = new IgmpMessage().bind(buf, start, end);
      const covered = igmpChecksumLength(type, claimed);
      if (version === 1 || m.layout === 'v3-report') {
        nodes.push(leaf('igmp.reserved', 'Reserved', start + 1, 1, buf.subarray(start + 1, start + 2)));
      } else nodes.push(maxRespNode(buf, start + 1, version === 3));
      // In a first fragment the rest of the message is elsewhere: unverified, as tshark.
      nodes.push(...checksumNodes(buf, start, covered, context.fragment ? 0 : available));
      if (m.layout === 'v3-report') {
        nodes.push(leaf('igmp.reserved', 'Reserved', start + 4, 2, buf.subarray(start + 4, start + 6)));
        v3ReportNodes(m, nodes);
      } else {
        nodes.push(ipv4Leaf('igmp.maddr', 'Multicast Address', buf, start + 4));
        if (m.layout === 'v3-query') {
          const flags = buf[start + 8];
          nodes.push(
            leaf('igmp.s', 'S', start + 8, 1, (flags & 0x08) !== 0),
            leaf('igmp.qrv', 'QRV', start + 8, 1, flags & 0x07),
            leaf('igmp.qqic', 'QQIC', start + 9, 1, buf[start + 9]),
            leaf('igmp.num_src', 'Num Src', start + 10, 2, m.sourceCount),
          );
          for (let i = 0; i < m.sourceCount; i++) {
            nodes.push(ipv4Leaf('igmp.saddr', 'Source Address', buf, start + 12 + 4 * i));
          }
        }
      }
    }
  }
  return {
    node: { field: LAYER, name: display, offset: start, length: end - start, display, children: nodes },
  };
};

export const igmpBindings = [{ table: 'ip.proto', key: 2, layer: 'igmp' }] as const;
