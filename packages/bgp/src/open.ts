import { readU16, readU32, writeU16, writeU32 } from '@cnikit/wire';
import { type Capability, capabilityLength, decodeCapabilities, writeCapability } from './capabilities.js';
import { AS_TRANS, HEADER_LENGTH, MessageType } from './constants.js';
import { sessionError } from './errors.js';
import { writeHeader } from './header.js';

/** An optional parameter of an OPEN: capabilities (type 2) or any other type kept raw. */
export type OptionalParameter =
  | { readonly kind: 'capabilities'; readonly capabilities: readonly Capability[] }
  | { readonly kind: 'unknown'; readonly type: number; readonly value: Uint8Array };

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as uint32. */
  readonly bgpId: number;
  readonly parameters: readonly OptionalParameter[];
  /**
   * RFC 9072 encoding (Non-Ext OP Len 255, type 255, 2-octet lengths). Absent: chosen by the
   * writer, extended only when the parameters do not fit 255 bytes.
   */
  readonly extendedParameters?: boolean;
}

const CAPABILITIES_PARAMETER = 2;
const EXTENDED_MARKER = 255;

/** Decodes an OPEN body buf[start, end) (after the 19-byte header). Errors: NOTIFICATION 2/x. */
export function decodeOpen(buf: Uint8Array, start: number, end: number): OpenMessage {
  if (start + 10 > end) throw sessionError('truncated', start, 'OPEN body shorter than 10 bytes', 1, 2);
  const version = buf[start];
  const myAs = readU16(buf, start + 1);
  const holdTime = readU16(buf, start + 3);
  const bgpId = readU32(buf, start + 5);
  let paramLength = buf[start + 9];
  let at = start + 10;
  let extended = false;
  // RFC 9072 §2: a Non-Ext OP Len of 255 followed by Non-Ext OP Type 255 means 2-octet lengths.
  if (paramLength === EXTENDED_MARKER && at < end && buf[at] === EXTENDED_MARKER) {
    if (at + 3 > end)
      throw sessionError('truncated', at, 'extended optional parameters length cut short', 2, 0);
    extended = true;
    paramLength = readU16(buf, at + 1);
    at += 3;
  }
  if (at + paramLength !== end) {
    throw sessionError(
      'bad-length',
      start + 9,
      `optional parameters length ${paramLength} does not match the message`,
      2,
      0,
    );
  }
  const parameters: OptionalParameter[] = [];
  const header = extended ? 3 : 2;
  while (at < end) {
    if (at + header > end) throw sessionError('truncated', at, 'optional parameter header cut short', 2, 0);
    const type = buf[at];
    const length = extended ? readU16(buf, at + 1) : buf[at + 1];
    const v = at + header;
    if (v + length > end)
      throw sessionError('bad-length', at, `optional parameter ${type} overruns the OPEN`, 2, 0);
    parameters.push(
      type === CAPABILITIES_PARAMETER
        ? { kind: 'capabilities', capabilities: decodeCapabilities(buf, v, v + length) }
        : { kind: 'unknown', type, value: buf.subarray(v, v + length) },
    );
    at = v + length;
  }
  return {
    type: 'open',
    version,
    myAs,
    holdTime,
    bgpId,
    parameters,
    ...(extended ? { extendedParameters: true } : {}),
  };
}

function parameterValueLength(p: OptionalParameter): number {
  if (p.kind === 'unknown') {
    if (!Number.isInteger(p.type) || p.type < 0 || p.type > 255)
      throw new RangeError(`bgp parameter type must be 0..255, got ${p.type}`);
    return p.value.length;
  }
  let n = 0;
  for (const c of p.capabilities) n += capabilityLength(c);
  return n;
}

/** Bytes `writeOpen` writes, header included. */
export function openLength(m: OpenMessage): number {
  return HEADER_LENGTH + 10 + parametersLayout(m).total;
}

function parametersLayout(m: OpenMessage): { extended: boolean; total: number; lengths: number[] } {
  const lengths = m.parameters.map(parameterValueLength);
  const plain = lengths.reduce((s, n) => s + 2 + n, 0);
  const extended = m.extendedParameters ?? (plain > 255 || lengths.some((n) => n > 255));
  if (!extended && (plain > 255 || lengths.some((n) => n > 255))) {
    throw new RangeError('bgp OPEN parameters exceed 255 bytes without extendedParameters');
  }
  const total = extended ? 3 + lengths.reduce((s, n) => s + 3 + n, 0) : plain;
  return { extended, total, lengths };
}

/** Writes an OPEN message (header included) at `offset`; returns the bytes written. */
export function writeOpen(m: OpenMessage, out: Uint8Array, offset = 0): number {
  for (const [f, v, max] of [
    ['version', m.version, 0xff],
    ['myAs', m.myAs, 0xffff],
    ['holdTime', m.holdTime, 0xffff],
    ['bgpId', m.bgpId, 0xffffffff],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new RangeError(`bgp OPEN ${f} must be an integer in 0..${max}, got ${v}`);
  }
  const layout = parametersLayout(m);
  const total = HEADER_LENGTH + 10 + layout.total;
  if (offset + total > out.length) throw new RangeError('bgp OPEN does not fit the output buffer');
  writeHeader(MessageType.Open, total, out, offset);
  let at = offset + HEADER_LENGTH;
  out[at] = m.version;
  writeU16(out, at + 1, m.myAs);
  writeU16(out, at + 3, m.holdTime);
  writeU32(out, at + 5, m.bgpId);
  at += 9;
  if (layout.extended) {
    out[at] = EXTENDED_MARKER;
    out[at + 1] = EXTENDED_MARKER;
    writeU16(out, at + 2, layout.total - 3);
    at += 4;
  } else {
    out[at++] = layout.total;
  }
  m.parameters.forEach((p, i) => {
    out[at] = p.kind === 'capabilities' ? CAPABILITIES_PARAMETER : p.type;
    if (layout.extended) writeU16(out, at + 1, layout.lengths[i]);
    else out[at + 1] = layout.lengths[i];
    at += layout.extended ? 3 : 2;
    if (p.kind === 'unknown') {
      out.set(p.value, at);
      at += p.value.length;
    } else {
      for (const c of p.capabilities) at += writeCapability(c, out, at);
    }
  });
  return total;
}

/** Every capability of an OPEN, across its capabilities parameters, in order. */
export function openCapabilities(m: OpenMessage): Capability[] {
  return m.parameters.flatMap((p) => (p.kind === 'capabilities' ? p.capabilities : []));
}

/** The speaker's AS: the 4-octet AS capability's when present, else My Autonomous System. */
export function openAsn(m: OpenMessage): number {
  for (const c of openCapabilities(m)) if (c.kind === 'four-octet-as') return c.asn;
  return m.myAs;
}

/** My Autonomous System for an AS number: itself when it fits 2 octets, else AS_TRANS. */
export function twoOctetAs(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}
