import { readU16, readU32, writeU16, writeU32 } from '@cnikit/wire';
import { type AsPathSegment, asPathProblem, decodeAsPath } from './as-path.js';
import { AttrFlag, AttrType, WELL_KNOWN_COMMUNITIES } from './constants.js';
import { type BgpDecodeError, bgpError, type ErrorAction } from './errors.js';
import {
  checkExtendedCommunity,
  decodeExtendedCommunity,
  type ExtendedCommunity,
  writeExtendedCommunity,
} from './extended-community.js';
import { decodeNlri, type Nlri, nlriLength, writeNlri } from './nlri.js';
import { type BgpSession, fourOctetAs, hasAddPath } from './session.js';

export interface LargeCommunity {
  readonly global: number;
  readonly local1: number;
  readonly local2: number;
}

export interface Tlv {
  readonly type: number;
  readonly value: Uint8Array;
}

/** One RFC 9012 tunnel TLV with its sub-TLVs (values raw). */
export interface TunnelTlv {
  readonly tunnelType: number;
  readonly subTlvs: readonly Tlv[];
}

/**
 * A path attribute. `flags` is the flags octet as sent; when left out the writer uses the
 * attribute's usual flags and sets Extended Length only when the value needs it.
 */
export type PathAttribute = { readonly flags?: number } & (
  | { readonly kind: 'origin'; readonly origin: number }
  | { readonly kind: 'as-path'; readonly segments: readonly AsPathSegment[] }
  | { readonly kind: 'next-hop'; readonly nextHop: number }
  | { readonly kind: 'med'; readonly med: number }
  | { readonly kind: 'local-pref'; readonly localPref: number }
  | { readonly kind: 'atomic-aggregate' }
  | { readonly kind: 'aggregator'; readonly asn: number; readonly address: number }
  | { readonly kind: 'communities'; readonly communities: readonly number[] }
  | { readonly kind: 'originator-id'; readonly originatorId: number }
  | { readonly kind: 'cluster-list'; readonly clusterIds: readonly number[] }
  | {
      readonly kind: 'mp-reach';
      readonly afi: number;
      readonly safi: number;
      /** As sent: 4 (IPv4), 16 (IPv6 global), 32 (global + link-local), 12/24 with a route distinguisher… */
      readonly nextHop: Uint8Array;
      /** The reserved octet (RFC 4760 §3; SNPA count in RFC 2858). */
      readonly reserved?: number;
      readonly nlri: readonly Nlri[];
    }
  | {
      readonly kind: 'mp-unreach';
      readonly afi: number;
      readonly safi: number;
      readonly withdrawn: readonly Nlri[];
    }
  | { readonly kind: 'extended-communities'; readonly communities: readonly ExtendedCommunity[] }
  | { readonly kind: 'as4-path'; readonly segments: readonly AsPathSegment[] }
  | { readonly kind: 'as4-aggregator'; readonly asn: number; readonly address: number }
  | {
      readonly kind: 'pmsi-tunnel';
      readonly tunnelFlags: number;
      /** 6 = ingress replication. */
      readonly tunnelType: number;
      /** The 3-octet MPLS label field; with VXLAN (RFC 8365 §5.1.3) the VNI. */
      readonly label: number;
      readonly tunnelId: Uint8Array;
    }
  | { readonly kind: 'tunnel-encapsulation'; readonly tunnels: readonly TunnelTlv[] }
  | { readonly kind: 'aigp'; readonly tlvs: readonly Tlv[] }
  | { readonly kind: 'large-communities'; readonly communities: readonly LargeCommunity[] }
  | { readonly kind: 'otc'; readonly asn: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly flags: number; readonly value: Uint8Array }
);

export type PathAttributeKind = PathAttribute['kind'];

const TYPE_OF: Readonly<Record<Exclude<PathAttributeKind, 'unknown'>, number>> = {
  origin: AttrType.Origin,
  'as-path': AttrType.AsPath,
  'next-hop': AttrType.NextHop,
  med: AttrType.Med,
  'local-pref': AttrType.LocalPref,
  'atomic-aggregate': AttrType.AtomicAggregate,
  aggregator: AttrType.Aggregator,
  communities: AttrType.Communities,
  'originator-id': AttrType.OriginatorId,
  'cluster-list': AttrType.ClusterList,
  'mp-reach': AttrType.MpReachNlri,
  'mp-unreach': AttrType.MpUnreachNlri,
  'extended-communities': AttrType.ExtendedCommunities,
  'as4-path': AttrType.As4Path,
  'as4-aggregator': AttrType.As4Aggregator,
  'pmsi-tunnel': AttrType.PmsiTunnel,
  'tunnel-encapsulation': AttrType.TunnelEncapsulation,
  aigp: AttrType.Aigp,
  'large-communities': AttrType.LargeCommunity,
  otc: AttrType.Otc,
};

const O = AttrFlag.Optional;
const T = AttrFlag.Transitive;
/** The Optional and Transitive bits each known attribute must have (RFC 4271 §5 and each attribute's RFC). */
export const ATTRIBUTE_FLAGS: Readonly<Record<number, number>> = {
  1: T,
  2: T,
  3: T,
  4: O,
  5: T,
  6: T,
  7: O | T,
  8: O | T,
  9: O,
  10: O,
  14: O,
  15: O,
  16: O | T,
  17: O | T,
  18: O | T,
  22: O | T,
  23: O | T,
  26: O,
  32: O | T,
  35: O | T,
};

export function attributeType(a: PathAttribute): number {
  return a.kind === 'unknown' ? a.type : TYPE_OF[a.kind];
}

interface AttrContext {
  readonly session: BgpSession;
  readonly type: number;
  readonly flags: number;
  /** Offset of the attribute's flags octet. */
  readonly at: number;
  readonly buf: Uint8Array;
  readonly valueEnd: number;
}

/** RFC 4271 §6.3: the data of an attribute error is the whole attribute (flags, type, length, value). */
function fail(
  c: AttrContext,
  subcode: number,
  reason: string,
  action: ErrorAction,
  code: 'bad-length' | 'bad-value' = 'bad-length',
): BgpDecodeError {
  return bgpError(
    code,
    c.at,
    `attribute ${c.type}: ${reason}`,
    3,
    subcode,
    action,
    c.buf.subarray(c.at, c.valueEnd),
    c.type,
  );
}

const LENGTH_ERROR = 5;
const OPTIONAL_ERROR = 9;

/** Decodes one attribute's value buf[v, end) (flags and type already read); throws BgpDecodeError. */
export function decodeAttributeValue(
  buf: Uint8Array,
  flags: number,
  type: number,
  v: number,
  end: number,
  at: number,
  session: BgpSession,
): PathAttribute {
  const c: AttrContext = { session, type, flags, at, buf, valueEnd: end };
  const len = end - v;
  const ibgp = session.ibgp === true;
  const expected = ATTRIBUTE_FLAGS[type];
  if (expected !== undefined && (flags & (O | T)) !== expected) {
    // RFC 7606 §3 c: flags in conflict make the attribute malformed; its own rule decides the action.
    throw fail(c, 4, `flags 0x${flags.toString(16)}`, actionFor(type, ibgp), 'bad-value');
  }
  switch (type) {
    case AttrType.Origin:
      if (len !== 1) throw fail(c, LENGTH_ERROR, `length ${len}`, 'treat-as-withdraw');
      if (buf[v] > 2) throw fail(c, 6, `ORIGIN ${buf[v]}`, 'treat-as-withdraw', 'bad-value');
      return { flags, kind: 'origin', origin: buf[v] };
    case AttrType.AsPath:
    case AttrType.As4Path: {
      const four = type === AttrType.As4Path || fourOctetAs(session);
      const problem = asPathProblem(buf, v, end, four ? 4 : 2, type === AttrType.AsPath);
      if (problem) {
        throw type === AttrType.AsPath
          ? fail(c, 11, problem, 'treat-as-withdraw')
          : fail(c, OPTIONAL_ERROR, problem, 'attribute-discard');
      }
      return {
        flags,
        kind: type === AttrType.AsPath ? 'as-path' : 'as4-path',
        segments: decodeAsPath(buf, v, end, four ? 4 : 2),
      };
    }
    case AttrType.NextHop:
      if (len !== 4) throw fail(c, LENGTH_ERROR, `length ${len}`, 'treat-as-withdraw');
      return { flags, kind: 'next-hop', nextHop: readU32(buf, v) };
    case AttrType.Med:
      if (len !== 4) throw fail(c, LENGTH_ERROR, `length ${len}`, 'treat-as-withdraw');
      return { flags, kind: 'med', med: readU32(buf, v) };
    case AttrType.LocalPref:
      if (len !== 4)
        throw fail(c, LENGTH_ERROR, `length ${len}`, ibgp ? 'treat-as-withdraw' : 'attribute-discard');
      return { flags, kind: 'local-pref', localPref: readU32(buf, v) };
    case AttrType.AtomicAggregate:
      if (len !== 0) throw fail(c, LENGTH_ERROR, `length ${len}`, 'attribute-discard');
      return { flags, kind: 'atomic-aggregate' };
    case AttrType.Aggregator: {
      const size = fourOctetAs(session) ? 8 : 6;
      if (len !== size) throw fail(c, LENGTH_ERROR, `length ${len}`, 'attribute-discard');
      return size === 8
        ? { flags, kind: 'aggregator', asn: readU32(buf, v), address: readU32(buf, v + 4) }
        : { flags, kind: 'aggregator', asn: readU16(buf, v), address: readU32(buf, v + 2) };
    }
    case AttrType.As4Aggregator:
      if (len !== 8) throw fail(c, LENGTH_ERROR, `length ${len}`, 'attribute-discard');
      return { flags, kind: 'as4-aggregator', asn: readU32(buf, v), address: readU32(buf, v + 4) };
    case AttrType.Communities: {
      if (len === 0 || len % 4 !== 0) throw fail(c, OPTIONAL_ERROR, `length ${len}`, 'treat-as-withdraw');
      const communities: number[] = new Array(len / 4);
      for (let i = 0; i < communities.length; i++) communities[i] = readU32(buf, v + 4 * i);
      return { flags, kind: 'communities', communities };
    }
    case AttrType.OriginatorId:
      if (len !== 4)
        throw fail(c, LENGTH_ERROR, `length ${len}`, ibgp ? 'treat-as-withdraw' : 'attribute-discard');
      return { flags, kind: 'originator-id', originatorId: readU32(buf, v) };
    case AttrType.ClusterList: {
      if (len === 0 || len % 4 !== 0)
        throw fail(c, LENGTH_ERROR, `length ${len}`, ibgp ? 'treat-as-withdraw' : 'attribute-discard');
      const clusterIds: number[] = new Array(len / 4);
      for (let i = 0; i < clusterIds.length; i++) clusterIds[i] = readU32(buf, v + 4 * i);
      return { flags, kind: 'cluster-list', clusterIds };
    }
    case AttrType.MpReachNlri: {
      // RFC 7606 §7.11: no AFI/SAFI to disable → session reset; otherwise AFI/SAFI disable.
      if (len < 5) throw fail(c, OPTIONAL_ERROR, `length ${len}`, 'session-reset');
      const afi = readU16(buf, v);
      const safi = buf[v + 2];
      const nhLen = buf[v + 3];
      if (v + 5 + nhLen > end)
        throw fail(c, OPTIONAL_ERROR, `next hop length ${nhLen} overruns`, 'afisafi-disable');
      const errors = {
        action: 'afisafi-disable' as const,
        subcode: OPTIONAL_ERROR,
        data: buf.subarray(at, end),
      };
      const nlriStart = v + 5 + nhLen;
      const reserved = buf[v + 4 + nhLen];
      return {
        flags,
        kind: 'mp-reach',
        afi,
        safi,
        nextHop: buf.subarray(v + 4, v + 4 + nhLen),
        ...(reserved ? { reserved } : {}),
        nlri: decodeNlri(buf, nlriStart, end, afi, safi, hasAddPath(session, afi, safi, true), errors),
      };
    }
    case AttrType.MpUnreachNlri: {
      if (len < 3) throw fail(c, OPTIONAL_ERROR, `length ${len}`, 'session-reset');
      const afi = readU16(buf, v);
      const safi = buf[v + 2];
      const errors = {
        action: 'afisafi-disable' as const,
        subcode: OPTIONAL_ERROR,
        data: buf.subarray(at, end),
      };
      return {
        flags,
        kind: 'mp-unreach',
        afi,
        safi,
        withdrawn: decodeNlri(buf, v + 3, end, afi, safi, hasAddPath(session, afi, safi, true), errors),
      };
    }
    case AttrType.ExtendedCommunities: {
      if (len === 0 || len % 8 !== 0) throw fail(c, OPTIONAL_ERROR, `length ${len}`, 'treat-as-withdraw');
      const communities: ExtendedCommunity[] = [];
      for (let p = v; p < end; p += 8) communities.push(decodeExtendedCommunity(buf, p));
      return { flags, kind: 'extended-communities', communities };
    }
    case AttrType.PmsiTunnel:
      if (len < 5) throw fail(c, OPTIONAL_ERROR, `length ${len}`, 'treat-as-withdraw');
      return {
        flags,
        kind: 'pmsi-tunnel',
        tunnelFlags: buf[v],
        tunnelType: buf[v + 1],
        label: (buf[v + 2] << 16) | (buf[v + 3] << 8) | buf[v + 4],
        tunnelId: buf.subarray(v + 5, end),
      };
    case AttrType.TunnelEncapsulation: {
      const tunnels: TunnelTlv[] = [];
      for (let p = v; p < end; ) {
        if (p + 4 > end) throw fail(c, OPTIONAL_ERROR, 'tunnel TLV cut short', 'attribute-discard');
        const tunnelType = readU16(buf, p);
        const tEnd = p + 4 + readU16(buf, p + 2);
        if (tEnd > end) throw fail(c, OPTIONAL_ERROR, 'tunnel TLV overruns', 'attribute-discard');
        const subTlvs: Tlv[] = [];
        // RFC 9012 §2: sub-TLV types 0–127 have a 1-octet length, 128–255 a 2-octet length.
        for (let q = p + 4; q < tEnd; ) {
          const st = buf[q];
          const wide = st >= 128;
          if (q + (wide ? 3 : 2) > tEnd)
            throw fail(c, OPTIONAL_ERROR, 'sub-TLV cut short', 'attribute-discard');
          const sl = wide ? readU16(buf, q + 1) : buf[q + 1];
          const sv = q + (wide ? 3 : 2);
          if (sv + sl > tEnd) throw fail(c, OPTIONAL_ERROR, 'sub-TLV overruns', 'attribute-discard');
          subTlvs.push({ type: st, value: buf.subarray(sv, sv + sl) });
          q = sv + sl;
        }
        tunnels.push({ tunnelType, subTlvs });
        p = tEnd;
      }
      return { flags, kind: 'tunnel-encapsulation', tunnels };
    }
    case AttrType.Aigp: {
      const tlvs: Tlv[] = [];
      for (let p = v; p < end; ) {
        if (p + 3 > end) throw fail(c, OPTIONAL_ERROR, 'TLV cut short', 'attribute-discard');
        const tl = readU16(buf, p + 1);
        // RFC 7311 §3: the length covers type and length; the AIGP TLV (type 1) is 11 bytes.
        if (tl < 3 || p + tl > end || (buf[p] === 1 && tl !== 11))
          throw fail(c, OPTIONAL_ERROR, `TLV length ${tl}`, 'attribute-discard');
        tlvs.push({ type: buf[p], value: buf.subarray(p + 3, p + tl) });
        p += tl;
      }
      return { flags, kind: 'aigp', tlvs };
    }
    case AttrType.LargeCommunity: {
      if (len === 0 || len % 12 !== 0) throw fail(c, OPTIONAL_ERROR, `length ${len}`, 'treat-as-withdraw');
      const communities: LargeCommunity[] = [];
      for (let p = v; p < end; p += 12) {
        communities.push({
          global: readU32(buf, p),
          local1: readU32(buf, p + 4),
          local2: readU32(buf, p + 8),
        });
      }
      return { flags, kind: 'large-communities', communities };
    }
    case AttrType.Otc:
      if (len !== 4) throw fail(c, LENGTH_ERROR, `length ${len}`, 'treat-as-withdraw');
      return { flags, kind: 'otc', asn: readU32(buf, v) };
    default:
      if ((flags & O) === 0) {
        // RFC 4271 §6.3: an unrecognized well-known attribute.
        throw bgpError(
          'unsupported',
          at,
          `unrecognized well-known attribute ${type}`,
          3,
          2,
          'session-reset',
          buf.subarray(at, end),
          type,
        );
      }
      return { kind: 'unknown', type, flags, value: buf.subarray(v, end) };
  }
}

/** The RFC 7606 action for a malformed attribute of this type. */
export function actionFor(type: number, ibgp: boolean): ErrorAction {
  switch (type) {
    case AttrType.LocalPref:
    case AttrType.OriginatorId:
    case AttrType.ClusterList:
      return ibgp ? 'treat-as-withdraw' : 'attribute-discard';
    case AttrType.AtomicAggregate:
    case AttrType.Aggregator:
    case AttrType.As4Path:
    case AttrType.As4Aggregator:
    case AttrType.TunnelEncapsulation:
    case AttrType.Aigp:
      return 'attribute-discard';
    case AttrType.MpReachNlri:
    case AttrType.MpUnreachNlri:
      return 'afisafi-disable';
    default:
      return 'treat-as-withdraw';
  }
}

// ---- writing ----

function uint(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`bgp attribute ${field} must be an integer in 0..${max}, got ${v}`);
}

/**
 * Whether `v` is a uint32, checked in line by the callers of the hot paths: a uint32 over 2^31 is a
 * double, and passing it to a call that is not inlined boxes it (16 bytes per value).
 */
const isU32 = (v: number): boolean => v >= 0 && v <= 0xffffffff && Math.floor(v) === v;

/** Writes uint32 `x` big-endian at `at` (a writer's own copy, so that it is inlined, see isU32). */
function put32(out: Uint8Array, at: number, x: number): void {
  out[at] = x >>> 24;
  out[at + 1] = x >>> 16;
  out[at + 2] = x >>> 8;
  out[at + 3] = x;
}

function segmentsLength(segments: readonly AsPathSegment[], asSize: number): number {
  let n = 0;
  for (const s of segments) {
    uint('segment type', s.type, 255);
    uint('segment length', s.asns.length, 255);
    for (const a of s.asns) uint('asn', a, asSize === 4 ? 0xffffffff : 0xffff);
    n += 2 + asSize * s.asns.length;
  }
  return n;
}

/** Length of the attribute's value; checks its fields (RangeError). */
export function attributeValueLength(a: PathAttribute, session: BgpSession): number {
  switch (a.kind) {
    case 'origin':
      uint('origin', a.origin, 255);
      return 1;
    case 'as-path':
      return segmentsLength(a.segments, fourOctetAs(session) ? 4 : 2);
    case 'as4-path':
      return segmentsLength(a.segments, 4);
    case 'next-hop':
      if (!isU32(a.nextHop)) uint('nextHop', a.nextHop, 0xffffffff);
      return 4;
    case 'med':
      if (!isU32(a.med)) uint('med', a.med, 0xffffffff);
      return 4;
    case 'local-pref':
      if (!isU32(a.localPref)) uint('localPref', a.localPref, 0xffffffff);
      return 4;
    case 'atomic-aggregate':
      return 0;
    case 'aggregator': {
      const four = fourOctetAs(session);
      uint('asn', a.asn, four ? 0xffffffff : 0xffff);
      uint('address', a.address, 0xffffffff);
      return four ? 8 : 6;
    }
    case 'as4-aggregator':
      uint('asn', a.asn, 0xffffffff);
      uint('address', a.address, 0xffffffff);
      return 8;
    case 'communities':
      for (let i = 0; i < a.communities.length; i++) {
        if (!isU32(a.communities[i])) uint('community', a.communities[i], 0xffffffff);
      }
      return 4 * a.communities.length;
    case 'originator-id':
      uint('originatorId', a.originatorId, 0xffffffff);
      return 4;
    case 'cluster-list':
      for (const x of a.clusterIds) uint('clusterId', x, 0xffffffff);
      return 4 * a.clusterIds.length;
    case 'mp-reach':
      uint('afi', a.afi, 0xffff);
      uint('safi', a.safi, 0xff);
      uint('nextHop length', a.nextHop.length, 0xff);
      uint('reserved', a.reserved ?? 0, 0xff);
      return (
        5 + a.nextHop.length + nlriLength(a.nlri, a.afi, a.safi, hasAddPath(session, a.afi, a.safi, false))
      );
    case 'mp-unreach':
      uint('afi', a.afi, 0xffff);
      uint('safi', a.safi, 0xff);
      return 3 + nlriLength(a.withdrawn, a.afi, a.safi, hasAddPath(session, a.afi, a.safi, false));
    case 'extended-communities':
      for (const x of a.communities) checkExtendedCommunity(x);
      return 8 * a.communities.length;
    case 'pmsi-tunnel':
      uint('tunnelFlags', a.tunnelFlags, 0xff);
      uint('tunnelType', a.tunnelType, 0xff);
      uint('label', a.label, 0xffffff);
      return 5 + a.tunnelId.length;
    case 'tunnel-encapsulation': {
      let n = 0;
      for (const t of a.tunnels) {
        uint('tunnelType', t.tunnelType, 0xffff);
        let m = 0;
        for (const s of t.subTlvs) {
          uint('sub-TLV type', s.type, 255);
          uint('sub-TLV length', s.value.length, s.type >= 128 ? 0xffff : 0xff);
          m += (s.type >= 128 ? 3 : 2) + s.value.length;
        }
        uint('tunnel TLV length', m, 0xffff);
        n += 4 + m;
      }
      return n;
    }
    case 'aigp': {
      let n = 0;
      for (const t of a.tlvs) {
        uint('TLV type', t.type, 255);
        uint('TLV length', t.value.length + 3, 0xffff);
        if (t.type === 1 && t.value.length !== 8)
          throw new RangeError('bgp AIGP TLV 1 value must be 8 bytes');
        n += 3 + t.value.length;
      }
      return n;
    }
    case 'large-communities':
      for (let i = 0; i < a.communities.length; i++) {
        const x = a.communities[i];
        if (!isU32(x.global)) uint('global', x.global, 0xffffffff);
        if (!isU32(x.local1)) uint('local1', x.local1, 0xffffffff);
        if (!isU32(x.local2)) uint('local2', x.local2, 0xffffffff);
      }
      return 12 * a.communities.length;
    case 'otc':
      uint('asn', a.asn, 0xffffffff);
      return 4;
    case 'unknown':
      uint('type', a.type, 255);
      return a.value.length;
  }
}

function defaultFlags(a: PathAttribute): number {
  return a.kind === 'unknown' ? a.flags : (ATTRIBUTE_FLAGS[TYPE_OF[a.kind]] ?? O);
}

/** Bytes `writeAttribute` writes (header + value). */
export function attributeLength(a: PathAttribute, session: BgpSession): number {
  const n = attributeValueLength(a, session);
  uint('length', n, 0xffff);
  const flags = a.flags ?? defaultFlags(a);
  uint('flags', flags, 0xff);
  return (n > 255 || flags & AttrFlag.ExtendedLength ? 4 : 3) + n;
}

/** Writes one attribute at `offset`; returns bytes written. Checks everything before writing. */
export function writeAttribute(a: PathAttribute, session: BgpSession, out: Uint8Array, offset = 0): number {
  const total = attributeLength(a, session);
  if (offset + total > out.length) throw new RangeError('bgp attribute does not fit the output buffer');
  const n = attributeValueLength(a, session);
  let flags = a.flags ?? defaultFlags(a);
  if (n > 255) flags |= AttrFlag.ExtendedLength;
  const ext = (flags & AttrFlag.ExtendedLength) !== 0;
  out[offset] = flags;
  out[offset + 1] = attributeType(a);
  if (ext) writeU16(out, offset + 2, n);
  else out[offset + 2] = n;
  const v = offset + (ext ? 4 : 3);
  writeAttributeValue(a, session, out, v);
  return total;
}

function writeSegments(
  segments: readonly AsPathSegment[],
  asSize: number,
  out: Uint8Array,
  at: number,
): void {
  for (const s of segments) {
    out[at] = s.type;
    out[at + 1] = s.asns.length;
    at += 2;
    for (const asn of s.asns) {
      if (asSize === 4) writeU32(out, at, asn);
      else writeU16(out, at, asn);
      at += asSize;
    }
  }
}

function writeAttributeValue(a: PathAttribute, session: BgpSession, out: Uint8Array, v: number): void {
  switch (a.kind) {
    case 'origin':
      out[v] = a.origin;
      return;
    case 'as-path':
      writeSegments(a.segments, fourOctetAs(session) ? 4 : 2, out, v);
      return;
    case 'as4-path':
      writeSegments(a.segments, 4, out, v);
      return;
    case 'next-hop':
      put32(out, v, a.nextHop);
      return;
    case 'med':
      put32(out, v, a.med);
      return;
    case 'local-pref':
      put32(out, v, a.localPref);
      return;
    case 'atomic-aggregate':
      return;
    case 'aggregator':
      if (fourOctetAs(session)) {
        writeU32(out, v, a.asn);
        writeU32(out, v + 4, a.address);
      } else {
        writeU16(out, v, a.asn);
        writeU32(out, v + 2, a.address);
      }
      return;
    case 'as4-aggregator':
      writeU32(out, v, a.asn);
      writeU32(out, v + 4, a.address);
      return;
    case 'communities':
      for (let i = 0; i < a.communities.length; i++) put32(out, v + 4 * i, a.communities[i]);
      return;
    case 'originator-id':
      writeU32(out, v, a.originatorId);
      return;
    case 'cluster-list':
      for (let i = 0; i < a.clusterIds.length; i++) {
        const x = a.clusterIds[i];
        writeU32(out, v + 4 * i, x);
      }
      return;
    case 'mp-reach': {
      writeU16(out, v, a.afi);
      out[v + 2] = a.safi;
      out[v + 3] = a.nextHop.length;
      out.set(a.nextHop, v + 4);
      out[v + 4 + a.nextHop.length] = a.reserved ?? 0;
      writeNlri(
        a.nlri,
        a.afi,
        a.safi,
        hasAddPath(session, a.afi, a.safi, false),
        out,
        v + 5 + a.nextHop.length,
      );
      return;
    }
    case 'mp-unreach':
      writeU16(out, v, a.afi);
      out[v + 2] = a.safi;
      writeNlri(a.withdrawn, a.afi, a.safi, hasAddPath(session, a.afi, a.safi, false), out, v + 3);
      return;
    case 'extended-communities':
      for (let i = 0; i < a.communities.length; i++) {
        const x = a.communities[i];
        writeExtendedCommunity(x, out, v + 8 * i);
      }
      return;
    case 'pmsi-tunnel':
      out[v] = a.tunnelFlags;
      out[v + 1] = a.tunnelType;
      out[v + 2] = a.label >>> 16;
      out[v + 3] = a.label >>> 8;
      out[v + 4] = a.label;
      out.set(a.tunnelId, v + 5);
      return;
    case 'tunnel-encapsulation': {
      let at = v;
      for (const t of a.tunnels) {
        writeU16(out, at, t.tunnelType);
        const lengthAt = at + 2;
        at += 4;
        for (const s of t.subTlvs) {
          out[at] = s.type;
          if (s.type >= 128) {
            writeU16(out, at + 1, s.value.length);
            at += 3;
          } else {
            out[at + 1] = s.value.length;
            at += 2;
          }
          out.set(s.value, at);
          at += s.value.length;
        }
        writeU16(out, lengthAt, at - lengthAt - 2);
      }
      return;
    }
    case 'aigp': {
      let at = v;
      for (const t of a.tlvs) {
        out[at] = t.type;
        writeU16(out, at + 1, t.value.length + 3);
        out.set(t.value, at + 3);
        at += 3 + t.value.length;
      }
      return;
    }
    case 'large-communities':
      for (let i = 0; i < a.communities.length; i++) {
        const x = a.communities[i];
        put32(out, v + 12 * i, x.global);
        put32(out, v + 12 * i + 4, x.local1);
        put32(out, v + 12 * i + 8, x.local2);
      }
      return;
    case 'otc':
      writeU32(out, v, a.asn);
      return;
    case 'unknown':
      out.set(a.value, v);
      return;
  }
}

/** The AIGP metric (TLV type 1) as a bigint, when present. */
export function aigpMetric(a: PathAttribute): bigint | undefined {
  if (a.kind !== 'aigp') return undefined;
  const t = a.tlvs.find((x) => x.type === 1 && x.value.length === 8);
  if (!t) return undefined;
  return (BigInt(readU32(t.value, 0)) << 32n) | BigInt(readU32(t.value, 4));
}

/**
 * The attributes as a speaker passes them on (RFC 4271 §5): unknown non-transitive attributes
 * dropped, Partial set on unknown optional transitive ones.
 */
export function attributesToPassOn(list: readonly PathAttribute[]): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const a of list) {
    if (a.kind !== 'unknown') out.push(a);
    else if (a.flags & T) out.push({ ...a, flags: a.flags | AttrFlag.Partial });
  }
  return out;
}

/** A community from its two halves (RFC 1997): `community(65001, 100)`. */
export function community(asn: number, value: number): number {
  uint('community AS', asn, 0xffff);
  uint('community value', value, 0xffff);
  return ((asn << 16) | value) >>> 0;
}

/** `65001:100`, or the IANA name of a well-known community (`NO_EXPORT`). */
export function formatCommunity(c: number): string {
  return WELL_KNOWN_COMMUNITIES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

/** The addresses in an MP_REACH_NLRI next hop, by its length (RFC 4760, RFC 2545, RFC 8950, RFC 4364). */
export interface MpNextHop {
  /** An IPv4 next hop (4 octets, or after an 8-octet route distinguisher), uint32. */
  readonly ipv4?: number;
  /** An IPv6 global next hop (16 octets, or the first of 32, or after a route distinguisher). */
  readonly global?: Uint8Array;
  /** The IPv6 link-local next hop sent after the global one (RFC 2545 §3). */
  readonly linkLocal?: Uint8Array;
  /** The route distinguisher of a VPN next hop (12 or 24 octets). */
  readonly rd?: Uint8Array;
}

/** Splits `nextHop` of an MP_REACH_NLRI by its length; an unknown length gives `{}`. */
export function mpNextHop(nextHop: Uint8Array): MpNextHop {
  switch (nextHop.length) {
    case 4:
      return { ipv4: readU32(nextHop, 0) };
    case 12:
      return { rd: nextHop.subarray(0, 8), ipv4: readU32(nextHop, 8) };
    case 16:
      return { global: nextHop };
    case 24:
      return { rd: nextHop.subarray(0, 8), global: nextHop.subarray(8, 24) };
    case 32:
      return { global: nextHop.subarray(0, 16), linkLocal: nextHop.subarray(16, 32) };
    default:
      return {};
  }
}
