import {
  checkUint,
  DecodeError,
  type DissectionNode,
  hex,
  fieldNode as leaf,
  readU16,
  readU24,
  readU32,
  writeU16,
  writeU24,
  writeU32,
} from '@cnikit/wire';
import {
  decodeMptcpOption,
  MPTCP_OPTION_KIND,
  type MptcpOption,
  mptcpOptionLength,
  mptcpOptionNodes,
  mptcpSubtypeName,
  writeMptcpOption,
} from './mptcp.js';

/** TCP option kinds (IANA "TCP Option Kind Numbers") this module decodes. */
export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WindowScale: 3,
  SackPermitted: 4,
  Sack: 5,
  Timestamps: 8,
  MultipathTcp: 30,
  FastOpen: 34,
  /** AccECN option, counters in the order EE0B, ECEB, EE1B (draft-ietf-tcpm-accurate-ecn). */
  AccEcn0: 172,
  /** AccECN option, counters in the order EE1B, ECEB, EE0B. */
  AccEcn1: 174,
  /** RFC 6994 experiments: a 16-bit Experiment Identifier follows the length. */
  Experimental1: 253,
  Experimental2: 254,
} as const;

/** Experiment Identifiers (RFC 6994) this module decodes under kinds 253/254. */
export const TcpExperimentId = {
  /** TCP Fast Open before kind 34 (RFC 7413 §4.1.1). */
  FastOpen: 0xf989,
  AccEcn0: 0xacc0,
  AccEcn1: 0xacc1,
} as const;

export interface TcpSackBlock {
  left: number;
  right: number;
}

/**
 * One TCP option. Every byte of the option space is kept: each zero byte after an EOL is another
 * `eol`; a non-zero byte after an EOL starts `padding` (the rest, raw). A known kind with a length
 * its RFC does not allow is kept as `unknown`, raw.
 */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; mss: number }
  | { kind: 'window-scale'; shift: number }
  | { kind: 'sack-permitted' }
  | { kind: 'sack'; blocks: TcpSackBlock[] }
  | { kind: 'timestamps'; tsval: number; tsecr: number }
  /**
   * TCP Fast Open (RFC 7413): an empty `cookie` is a cookie request, else 4..16 bytes. With
   * `experimental` the option is kind 253/254 with Experiment Identifier 0xF989, else kind 34.
   */
  | { kind: 'fast-open'; cookie: Uint8Array; experimental?: 253 | 254 }
  /**
   * AccECN byte counters (draft-ietf-tcpm-accurate-ecn): order 0 (kind 172) sends EE0B, ECEB, EE1B,
   * order 1 (kind 174) EE1B, ECEB, EE0B; `counters` holds the 0..3 sent, 24-bit each, in wire order.
   * With `experimental`, kind 253/254 with Experiment Identifier 0xACC0/0xACC1.
   */
  | { kind: 'accecn'; order: 0 | 1; counters: number[]; experimental?: 253 | 254 }
  /** Multipath TCP (kind 30) with a layout its subtype allows; see `MptcpOption`. */
  | ({ kind: 'mptcp' } & MptcpOption)
  /** Any other option: `code` is the kind byte, `data` the bytes after the length byte. */
  | { kind: 'unknown'; code: number; data: Uint8Array }
  /** Bytes after an EOL that are not zero (RFC 9293 §3.1 says padding is zero), kept raw. */
  | { kind: 'padding'; data: Uint8Array };

/** Maximum option space: data offset 15 words minus the 20-byte fixed header. */
export const TCP_MAX_OPTIONS_LENGTH = 40;

/** Whether `len` is the length RFC 9293/7323/2018 give a known kind (false for other kinds). */
function knownLength(kind: number, len: number): boolean {
  switch (kind) {
    case TcpOptionKind.MSS:
      return len === 4;
    case TcpOptionKind.WindowScale:
      return len === 3;
    case TcpOptionKind.SackPermitted:
      return len === 2;
    case TcpOptionKind.Sack:
      return len >= 10 && (len - 2) % 8 === 0;
    case TcpOptionKind.Timestamps:
      return len === 10;
    default:
      return false;
  }
}

/**
 * Where a walk found each known option with a valid length (absolute offset of its kind byte),
 * -1 for none; a kind sent twice records the last, as Linux's `tcp_parse_options` keeps it.
 * `TcpSegment` is one: its `bind` walks with itself as the record.
 */
export interface TcpOptionOffsets {
  mssOffset: number;
  windowScaleOffset: number;
  sackPermittedOffset: number;
  sackOffset: number;
  timestampsOffset: number;
}

function record(found: TcpOptionOffsets, kind: number, len: number, at: number): void {
  if (!knownLength(kind, len)) return;
  switch (kind) {
    case TcpOptionKind.MSS:
      found.mssOffset = at;
      return;
    case TcpOptionKind.WindowScale:
      found.windowScaleOffset = at;
      return;
    case TcpOptionKind.SackPermitted:
      found.sackPermittedOffset = at;
      return;
    case TcpOptionKind.Sack:
      found.sackOffset = at;
      return;
    default:
      found.timestampsOffset = at;
  }
}

/**
 * Walks the option bytes buf[start, end) (RFC 9293 §3.2), checking every length; appends decoded
 * options to `out` when given (no allocation otherwise) and notes where the known ones are in
 * `found` when given. Each step advances at least one byte, so the loop ends. Throws DecodeError
 * 'bad-option' for a length below 2 or one running past `end`; with `partial` (a header cut short
 * in an ICMP quote) such an option just ends the walk. Returns the offset where the walk stopped.
 */
export function walkTcpOptions(
  buf: Uint8Array,
  start: number,
  end: number,
  partial = false,
  out?: TcpOption[],
  found?: TcpOptionOffsets,
): number {
  let i = start;
  let afterEol = false;
  while (i < end) {
    const kind = buf[i];
    if (afterEol && kind !== 0) {
      out?.push({ kind: 'padding', data: buf.subarray(i, end) });
      return end;
    }
    if (kind === TcpOptionKind.EOL) {
      afterEol = true;
      out?.push({ kind: 'eol' });
      i++;
      continue;
    }
    if (kind === TcpOptionKind.NOP) {
      out?.push({ kind: 'nop' });
      i++;
      continue;
    }
    const len = i + 1 < end ? buf[i + 1] : 0;
    if (len < 2 || i + len > end) {
      if (partial && (i + 1 >= end || len >= 2)) return i;
      failOption(buf, i, end);
    }
    if (out) out.push(decodeOption(buf, i, kind, len));
    if (found) record(found, kind, len, i);
    i += len;
  }
  return i;
}

/** The DecodeError for the malformed option at `i` (kept out of the walk's hot loop). */
function failOption(buf: Uint8Array, i: number, end: number): never {
  const kind = buf[i];
  if (i + 1 >= end) {
    throw new DecodeError('bad-option', 'tcp', i, `option ${kind} has no length byte before the header ends`);
  }
  const len = buf[i + 1];
  if (len < 2) {
    throw new DecodeError('bad-option', 'tcp', i + 1, `option ${kind} has length ${len}, less than 2`);
  }
  throw new DecodeError(
    'bad-option',
    'tcp',
    i + 1,
    `option ${kind} of length ${len} runs ${i + len - end} bytes past the header`,
  );
}

/** Decodes kinds 30, 34, 172, 174, 253 and 254 when their layout holds; undefined otherwise. */
function decodeExtendedOption(buf: Uint8Array, i: number, kind: number, len: number): TcpOption | undefined {
  switch (kind) {
    case TcpOptionKind.MultipathTcp: {
      const o = len >= 3 ? decodeMptcpOption(buf, i, len) : undefined;
      return o && { kind: 'mptcp', ...o };
    }
    case TcpOptionKind.FastOpen:
      return fastOpenLength(len - 2)
        ? { kind: 'fast-open', cookie: buf.subarray(i + 2, i + len) }
        : undefined;
    case TcpOptionKind.AccEcn0:
    case TcpOptionKind.AccEcn1:
      return (len - 2) % 3 === 0 && len <= 11 ? accEcn(buf, i + 2, i + len, kind === 172 ? 0 : 1) : undefined;
    case TcpOptionKind.Experimental1:
    case TcpOptionKind.Experimental2: {
      if (len < 4) return undefined;
      const exid = readU16(buf, i + 2);
      const experimental = kind as 253 | 254;
      if (exid === TcpExperimentId.FastOpen && fastOpenLength(len - 4)) {
        return { kind: 'fast-open', cookie: buf.subarray(i + 4, i + len), experimental };
      }
      if (
        (exid === TcpExperimentId.AccEcn0 || exid === TcpExperimentId.AccEcn1) &&
        (len - 4) % 3 === 0 &&
        len <= 13
      ) {
        return { ...accEcn(buf, i + 4, i + len, exid === TcpExperimentId.AccEcn0 ? 0 : 1), experimental };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** RFC 7413 §4.1.1: a cookie request (empty) or a cookie of 4 to 16 bytes. */
function fastOpenLength(n: number): boolean {
  return n === 0 || (n >= 4 && n <= 16);
}

function accEcn(
  buf: Uint8Array,
  p: number,
  end: number,
  order: 0 | 1,
): Extract<TcpOption, { kind: 'accecn' }> {
  const counters: number[] = [];
  for (; p < end; p += 3) counters.push(readU24(buf, p));
  return { kind: 'accecn', order, counters };
}

function decodeOption(buf: Uint8Array, i: number, kind: number, len: number): TcpOption {
  if (!knownLength(kind, len)) {
    return (
      decodeExtendedOption(buf, i, kind, len) ?? {
        kind: 'unknown',
        code: kind,
        data: buf.subarray(i + 2, i + len),
      }
    );
  }
  switch (kind) {
    case TcpOptionKind.MSS:
      return { kind: 'mss', mss: readU16(buf, i + 2) };
    case TcpOptionKind.WindowScale:
      return { kind: 'window-scale', shift: buf[i + 2] };
    case TcpOptionKind.SackPermitted:
      return { kind: 'sack-permitted' };
    case TcpOptionKind.Sack: {
      const blocks: TcpSackBlock[] = [];
      for (let b = i + 2; b < i + len; b += 8)
        blocks.push({ left: readU32(buf, b), right: readU32(buf, b + 4) });
      return { kind: 'sack', blocks };
    }
    default:
      return { kind: 'timestamps', tsval: readU32(buf, i + 2), tsecr: readU32(buf, i + 6) };
  }
}

/** Decodes options buf[start, end) into objects; throws DecodeError as `walkTcpOptions`. */
export function decodeTcpOptions(buf: Uint8Array, start: number, end: number, partial = false): TcpOption[] {
  const out: TcpOption[] = [];
  walkTcpOptions(buf, start, end, partial, out);
  return out;
}

/** Encoded size of one option; throws RangeError for out-of-range values. */
export function tcpOptionLength(o: TcpOption): number {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'mss':
      checkUint('mss', o.mss, 0xffff, 'tcp option');
      return 4;
    case 'window-scale':
      checkUint('window-scale shift', o.shift, 0xff, 'tcp option');
      return 3;
    case 'sack-permitted':
      return 2;
    case 'sack':
      if (o.blocks.length < 1 || o.blocks.length > 4) {
        throw new RangeError(`tcp option sack needs 1..4 blocks, got ${o.blocks.length}`);
      }
      for (const b of o.blocks) {
        checkUint('sack left edge', b.left, 0xffffffff, 'tcp option');
        checkUint('sack right edge', b.right, 0xffffffff, 'tcp option');
      }
      return 2 + 8 * o.blocks.length;
    case 'timestamps':
      checkUint('timestamps tsval', o.tsval, 0xffffffff, 'tcp option');
      checkUint('timestamps tsecr', o.tsecr, 0xffffffff, 'tcp option');
      return 10;
    case 'fast-open':
      if (!fastOpenLength(o.cookie.length)) {
        throw new RangeError(`tcp option fast-open cookie: ${o.cookie.length} bytes, 0 (request) or 4..16`);
      }
      checkExperimental(o.experimental);
      return (o.experimental ? 4 : 2) + o.cookie.length;
    case 'accecn':
      if (o.order !== 0 && o.order !== 1)
        throw new RangeError(`tcp option accecn order must be 0 or 1, got ${o.order}`);
      if (o.counters.length > 3)
        throw new RangeError(`tcp option accecn: ${o.counters.length} counters, at most 3`);
      for (const c of o.counters) checkUint('accecn counter', c, 0xffffff, 'tcp option');
      checkExperimental(o.experimental);
      return (o.experimental ? 4 : 2) + 3 * o.counters.length;
    case 'mptcp':
      return mptcpOptionLength(o);
    case 'unknown':
      checkUint('unknown code', o.code, 0xff, 'tcp option');
      if (o.code === TcpOptionKind.EOL || o.code === TcpOptionKind.NOP) {
        throw new RangeError(`tcp option unknown code ${o.code} is a one-byte option (use eol/nop)`);
      }
      if (o.data.length > 253)
        throw new RangeError(`tcp option unknown data: ${o.data.length} bytes, at most 253`);
      return 2 + o.data.length;
    case 'padding':
      return o.data.length;
  }
}

function checkExperimental(kind: number | undefined): void {
  if (kind !== undefined && kind !== 253 && kind !== 254) {
    throw new RangeError(`tcp option experimental kind must be 253 or 254, got ${kind}`);
  }
}

/** Total encoded size of an option list (before padding to a multiple of 4); validates each option. */
export function tcpOptionsLength(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += tcpOptionLength(o);
  return n;
}

/** Writes options (already validated by `tcpOptionsLength`) at out[offset]; returns bytes written. */
export function writeTcpOptions(options: readonly TcpOption[], out: Uint8Array, offset: number): number {
  let i = offset;
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        out[i++] = 0;
        break;
      case 'nop':
        out[i++] = 1;
        break;
      case 'mss':
        out[i] = TcpOptionKind.MSS;
        out[i + 1] = 4;
        writeU16(out, i + 2, o.mss);
        i += 4;
        break;
      case 'window-scale':
        out[i] = TcpOptionKind.WindowScale;
        out[i + 1] = 3;
        out[i + 2] = o.shift;
        i += 3;
        break;
      case 'sack-permitted':
        out[i] = TcpOptionKind.SackPermitted;
        out[i + 1] = 2;
        i += 2;
        break;
      case 'sack':
        out[i] = TcpOptionKind.Sack;
        out[i + 1] = 2 + 8 * o.blocks.length;
        i += 2;
        for (const b of o.blocks) {
          writeU32(out, i, b.left);
          writeU32(out, i + 4, b.right);
          i += 8;
        }
        break;
      case 'timestamps':
        out[i] = TcpOptionKind.Timestamps;
        out[i + 1] = 10;
        writeU32(out, i + 2, o.tsval);
        writeU32(out, i + 6, o.tsecr);
        i += 10;
        break;
      case 'fast-open': {
        const exid = TcpExperimentId.FastOpen;
        i += writeHead(
          out,
          i,
          o.experimental ?? TcpOptionKind.FastOpen,
          o.cookie.length,
          o.experimental && exid,
        );
        out.set(o.cookie, i);
        i += o.cookie.length;
        break;
      }
      case 'accecn': {
        const kind = o.order === 0 ? TcpOptionKind.AccEcn0 : TcpOptionKind.AccEcn1;
        const exid = o.order === 0 ? TcpExperimentId.AccEcn0 : TcpExperimentId.AccEcn1;
        i += writeHead(out, i, o.experimental ?? kind, 3 * o.counters.length, o.experimental && exid);
        for (const c of o.counters) {
          writeU24(out, i, c);
          i += 3;
        }
        break;
      }
      case 'mptcp':
        i += writeMptcpOption(o, out, i);
        break;
      case 'unknown':
        out[i] = o.code;
        out[i + 1] = 2 + o.data.length;
        out.set(o.data, i + 2);
        i += 2 + o.data.length;
        break;
      case 'padding':
        out.set(o.data, i);
        i += o.data.length;
        break;
    }
  }
  return i - offset;
}

/** Writes kind, length and (when given) the Experiment Identifier; returns the bytes written. */
function writeHead(
  out: Uint8Array,
  i: number,
  kind: number,
  bodyLength: number,
  exid: number | undefined,
): number {
  const head = exid ? 4 : 2;
  out[i] = kind;
  out[i + 1] = head + bodyLength;
  if (exid) writeU16(out, i + 2, exid);
  return head;
}

/** Wireshark's field (and name) for option kinds it names; everything else is `tcp.options.unknown`. */
const OPTION_FIELDS: Readonly<Record<number, readonly [string, string]>> = {
  0: ['tcp.options.eol', 'End of Option List (EOL)'],
  1: ['tcp.options.nop', 'No-Operation (NOP)'],
  2: ['tcp.options.mss', 'Maximum segment size'],
  3: ['tcp.options.wscale', 'Window scale'],
  4: ['tcp.options.sack_perm', 'SACK permitted'],
  5: ['tcp.options.sack', 'SACK'],
  8: ['tcp.options.timestamp', 'Timestamps'],
  19: ['tcp.options.md5', 'MD5 signature'],
  20: ['tcp.options.scps', 'SCPS capabilities'],
  29: ['tcp.options.ao', 'TCP-AO'],
  30: ['mptcp', 'Multipath TCP'],
  34: ['tcp.options.tfo', 'TCP Fast Open'],
  172: ['tcp.options.acc_ecn', 'Accurate ECN'],
  174: ['tcp.options.acc_ecn', 'Accurate ECN'],
  253: ['tcp.options.experimental', 'Experimental'],
  254: ['tcp.options.experimental', 'Experimental'],
};

/**
 * Dissection nodes for options buf[start, end), as tshark names them (raw SACK edges: Wireshark
 * shows them relative to the stream). Zero bytes after EOL are more EOLs; a non-zero one ends the
 * list, as in Wireshark. Call after `walkTcpOptions` has accepted the bytes.
 */
export function tcpOptionNodes(buf: Uint8Array, start: number, end: number): DissectionNode[] {
  const nodes: DissectionNode[] = [];
  let afterEol = false;
  let stop = false;
  for (let i = start; i < end; ) {
    const kind = buf[i];
    if (afterEol && kind !== 0) break;
    const [field, name] = OPTION_FIELDS[kind] ?? ['tcp.options.unknown', `Unknown (${kind})`];
    const kindNode = leaf('tcp.option_kind', 'Kind', i, 1, kind);
    if (kind <= 1) {
      afterEol ||= kind === 0;
      nodes.push({
        field,
        name,
        offset: i,
        length: 1,
        value: buf.subarray(i, i + 1),
        display: name,
        children: [kindNode],
      });
      i++;
      continue;
    }
    if (i + 1 >= end || buf[i + 1] < 2 || i + buf[i + 1] > end) break;
    const len = buf[i + 1];
    const children = [kindNode, leaf('tcp.option_len', 'Length', i + 1, 1, len)];
    const valid = knownLength(kind, len);
    if (kind === TcpOptionKind.MSS && valid) {
      children.push(leaf('tcp.options.mss_val', 'MSS Value', i + 2, 2, readU16(buf, i + 2)));
    } else if (kind === TcpOptionKind.WindowScale && valid) {
      const shift = buf[i + 2];
      children.push(leaf('tcp.options.wscale.shift', 'Shift count', i + 2, 1, shift));
      // RFC 7323 §2.3: a shift above 14 is used as 14.
      children.push(leaf('tcp.options.wscale.multiplier', 'Multiplier', i + 2, 1, 2 ** Math.min(shift, 14)));
    } else if (kind === TcpOptionKind.Sack && valid) {
      for (let b = i + 2; b < i + len; b += 8) {
        children.push(leaf('tcp.options.sack_le', 'left edge', b, 4, readU32(buf, b)));
        children.push(leaf('tcp.options.sack_re', 'right edge', b + 4, 4, readU32(buf, b + 4)));
      }
      children.push(leaf('tcp.options.sack.count', 'TCP SACK Count', i, 0, (len - 2) / 8));
    } else if (kind === TcpOptionKind.Timestamps && valid) {
      children.push(leaf('tcp.options.timestamp.tsval', 'Timestamp value', i + 2, 4, readU32(buf, i + 2)));
      children.push(
        leaf('tcp.options.timestamp.tsecr', 'Timestamp echo reply', i + 6, 4, readU32(buf, i + 6)),
      );
    } else if (kind === 19 && len === 18) {
      children.push(leaf('tcp.options.md5.digest', 'MD5 digest', i + 2, 16, buf.subarray(i + 2, i + 18)));
    } else if (kind === MPTCP_OPTION_KIND) {
      const m = mptcpOptionNodes(buf, i, len);
      children.push(...m.nodes);
      // tshark's MPTCP dissector throws on a field past the option: the rest of the header is lost.
      stop = !m.complete;
    } else if (kind === TcpOptionKind.FastOpen) {
      children.push(fastOpenNode(buf, i, i + 2, i + len));
    } else if (kind === TcpOptionKind.AccEcn0 || kind === TcpOptionKind.AccEcn1) {
      if ((len - 2) % 3 === 0 && len <= 11)
        children.push(...accEcnNodes(buf, i + 2, i + len, kind === 172 ? 0 : 1));
    } else if ((kind === 253 || kind === 254) && len >= 4) {
      const exid = readU16(buf, i + 2);
      children.push({
        ...leaf('tcp.options.experimental.exid', 'Experiment Identifier', i + 2, 2, exid),
        display: `Experiment Identifier: ${hex(exid, 4)}`,
      });
      if (exid === TcpExperimentId.FastOpen) children.push(fastOpenNode(buf, i + 2, i + 4, i + len));
      else if (
        (exid === TcpExperimentId.AccEcn0 || exid === TcpExperimentId.AccEcn1) &&
        (len - 4) % 3 === 0 &&
        len <= 13
      ) {
        children.push(...accEcnNodes(buf, i + 4, i + len, exid === TcpExperimentId.AccEcn0 ? 0 : 1));
      }
    } else if (field === 'tcp.options.unknown' && len > 2) {
      children.push(
        leaf('tcp.options.unknown.payload', 'Payload', i + 2, len - 2, buf.subarray(i + 2, i + len)),
      );
    }
    nodes.push({
      field,
      name,
      offset: i,
      length: len,
      ...(kind === 30 ? {} : { value: buf.subarray(i, i + len) }), // tshark: MPTCP is a protocol subtree, no value
      display:
        kind === 30
          ? `Multipath Transmission Control Protocol${len > 2 ? `: ${mptcpSubtypeName(buf[i + 2])}` : ''}`
          : name,
      children,
    });
    if (stop) break;
    i += len;
  }
  return nodes;
}

/**
 * tshark's TFO field: a request (no value) over the two bytes before the cookie's place when the
 * cookie is empty, else the cookie. `head` is the kind byte (kind 34) or the Experiment Identifier.
 */
function fastOpenNode(buf: Uint8Array, head: number, cookie: number, end: number): DissectionNode {
  return cookie === end
    ? leaf('tcp.options.tfo.request', 'Fast Open Cookie Request', head, 2)
    : leaf('tcp.options.tfo.cookie', 'Fast Open Cookie', cookie, end - cookie, buf.subarray(cookie, end));
}

const ACC_ECN_COUNTERS = [
  ['tcp.options.acc_ecn.ee0b', 'Accurate ECN Echo ECT(0) Byte Counter'],
  ['tcp.options.acc_ecn.eceb', 'Accurate ECN Echo CE Byte Counter'],
  ['tcp.options.acc_ecn.ee1b', 'Accurate ECN Echo ECT(1) Byte Counter'],
] as const;

/** AccECN counters buf[p, end) in the order `order` gives (order 1 sends EE1B first). */
function accEcnNodes(buf: Uint8Array, p: number, end: number, order: 0 | 1): DissectionNode[] {
  const nodes: DissectionNode[] = [];
  for (let k = 0; p < end; k++, p += 3) {
    const [field, name] = ACC_ECN_COUNTERS[order === 0 ? k : 2 - k];
    nodes.push(leaf(field, name, p, 3, readU24(buf, p)));
  }
  return nodes;
}
