import {
  checkUint,
  DecodeError,
  type DissectionNode,
  formatIpv4,
  fieldNode as leaf,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from '@cnikit/wire';

/** IPv4 option type octets (RFC 791 §3.1, RFC 2113 for Router Alert). */
export const Ipv4OptionType = {
  EndOfList: 0,
  NoOperation: 1,
  RecordRoute: 7,
  Timestamp: 68,
  LooseSourceRoute: 131,
  StrictSourceRoute: 137,
  RouterAlert: 148,
} as const;

export type Ipv4RouteKind = 'record-route' | 'loose-source-route' | 'strict-source-route';

/** One timestamp entry; `address` is present for flags 1 and 3 (address + timestamp pairs). */
export interface Ipv4TimestampEntry {
  address?: number;
  timestamp: number;
}

/**
 * A decoded IPv4 option. `padding` stands for the bytes after an End of Option List up to the
 * end of the header, kept only when they are not the zeros a writer adds itself.
 */
export type Ipv4Option =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: Ipv4RouteKind; pointer: number; addresses: number[] }
  | { kind: 'timestamp'; pointer: number; overflow: number; flag: number; entries: Ipv4TimestampEntry[] }
  | { kind: 'router-alert'; value: number }
  | { kind: 'unknown'; type: number; data: Uint8Array }
  | { kind: 'padding'; data: Uint8Array };

const ROUTE_TYPES: Record<Ipv4RouteKind, number> = {
  'record-route': 7,
  'loose-source-route': 131,
  'strict-source-route': 137,
};

/** Timestamp flags 1 and 3 carry an address before each timestamp (RFC 791 §3.1). */
function timestampEntrySize(flag: number): number {
  return flag === 1 || flag === 3 ? 8 : 4;
}

function bad(offset: number, reason: string): DecodeError {
  return new DecodeError('bad-option', 'ip', offset, reason);
}

/**
 * Length of the option at `at` (options end at `end`), checked the way RFC 791 lays each kind out.
 * Throws DecodeError `bad-option` (offset = the option's first byte) for a length that is too short,
 * runs past the options, or does not fit the option's layout.
 */
export function ipv4OptionLength(buf: Uint8Array, at: number, end: number): number {
  const type = buf[at];
  if (type === 0 || type === 1) return 1;
  if (at + 1 >= end) throw bad(at, `option ${type}: length byte past end of options`);
  const len = buf[at + 1];
  if (len < 2) throw bad(at, `option ${type}: length ${len} is below 2`);
  if (at + len > end) throw bad(at, `option ${type}: length ${len} runs past end of options`);
  if (type === 148 && len !== 4) throw bad(at, `router alert: length ${len}, must be 4`);
  if (type === 7 || type === 131 || type === 137) {
    if (len < 3 || (len - 3) % 4 !== 0) throw bad(at, `route option: length ${len} is not 3 + 4n`);
  }
  if (type === 68) {
    if (len < 4) throw bad(at, `timestamp: length ${len} is below 4`);
    const size = timestampEntrySize(buf[at + 3] & 0x0f);
    if ((len - 4) % size !== 0) throw bad(at, `timestamp: length ${len} is not 4 + ${size}n`);
  }
  return len;
}

/** Decodes the options area buf[start, end) (a bounded walk: every step advances). */
export function parseIpv4Options(buf: Uint8Array, start: number, end: number): Ipv4Option[] {
  const options: Ipv4Option[] = [];
  let at = start;
  while (at < end) {
    const type = buf[at];
    const len = ipv4OptionLength(buf, at, end);
    options.push(decodeOption(buf, at, len));
    at += len;
    if (type === 0) {
      if (at < end && !isZeroPadding(buf, at, end))
        options.push({ kind: 'padding', data: buf.subarray(at, end) });
      break;
    }
  }
  return options;
}

/** Zero bytes that bring the options to a 4-byte boundary are what writeIpv4Options adds itself. */
function isZeroPadding(buf: Uint8Array, at: number, end: number): boolean {
  if (end - at >= 4) return false;
  for (let i = at; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function decodeOption(buf: Uint8Array, at: number, len: number): Ipv4Option {
  const type = buf[at];
  switch (type) {
    case 0:
      return { kind: 'eol' };
    case 1:
      return { kind: 'nop' };
    case 7:
    case 131:
    case 137: {
      const addresses: number[] = [];
      for (let o = at + 3; o < at + len; o += 4) addresses.push(readU32(buf, o));
      const kind = type === 7 ? 'record-route' : type === 131 ? 'loose-source-route' : 'strict-source-route';
      return { kind, pointer: buf[at + 2], addresses };
    }
    case 68: {
      const flag = buf[at + 3] & 0x0f;
      const size = timestampEntrySize(flag);
      const entries: Ipv4TimestampEntry[] = [];
      for (let o = at + 4; o < at + len; o += size) {
        entries.push(
          size === 8
            ? { address: readU32(buf, o), timestamp: readU32(buf, o + 4) }
            : { timestamp: readU32(buf, o) },
        );
      }
      return { kind: 'timestamp', pointer: buf[at + 2], overflow: buf[at + 3] >>> 4, flag, entries };
    }
    case 148:
      return { kind: 'router-alert', value: readU16(buf, at + 2) };
    default:
      return { kind: 'unknown', type, data: buf.subarray(at + 2, at + len) };
  }
}

/** Bytes one option takes on the wire. */
export function ipv4OptionSize(o: Ipv4Option): number {
  switch (o.kind) {
    case 'eol':
    case 'nop':
      return 1;
    case 'record-route':
    case 'loose-source-route':
    case 'strict-source-route':
      return 3 + 4 * o.addresses.length;
    case 'timestamp':
      return 4 + timestampEntrySize(o.flag) * o.entries.length;
    case 'router-alert':
      return 4;
    case 'unknown':
      return 2 + o.data.length;
    case 'padding':
      return o.data.length;
  }
}

/** Throws RangeError naming the field for an option that cannot be written. */
export function checkIpv4Option(o: Ipv4Option): void {
  const size = ipv4OptionSize(o);
  if (o.kind !== 'padding' && size > 40) throw new RangeError(`${o.kind} option: ${size} bytes exceed 40`);
  switch (o.kind) {
    case 'record-route':
    case 'loose-source-route':
    case 'strict-source-route':
      checkUint(`${o.kind}.pointer`, o.pointer, 255);
      for (const a of o.addresses) checkUint(`${o.kind}.addresses[]`, a, 0xffffffff);
      break;
    case 'timestamp':
      checkUint('timestamp.pointer', o.pointer, 255);
      checkUint('timestamp.overflow', o.overflow, 15);
      checkUint('timestamp.flag', o.flag, 15);
      for (const e of o.entries) {
        checkUint('timestamp.entries[].timestamp', e.timestamp, 0xffffffff);
        if (timestampEntrySize(o.flag) === 8)
          checkUint('timestamp.entries[].address', e.address ?? -1, 0xffffffff);
        else if (e.address !== undefined)
          throw new RangeError(`timestamp flag ${o.flag} entries carry no address`);
      }
      break;
    case 'router-alert':
      checkUint('router-alert.value', o.value, 0xffff);
      break;
    case 'unknown':
      checkUint('unknown.type', o.type, 255);
      if (
        o.type <= 1 ||
        o.type === 7 ||
        o.type === 68 ||
        o.type === 131 ||
        o.type === 137 ||
        o.type === 148
      ) {
        throw new RangeError(`unknown.type ${o.type} has its own option kind`);
      }
      break;
  }
}

/** Unpadded length of an option list. */
export function ipv4OptionsLength(options: readonly Ipv4Option[]): number {
  let n = 0;
  for (const o of options) n += ipv4OptionSize(o);
  return n;
}

/** Writes options (no padding; callers check them first with checkIpv4Option). Returns bytes written. */
export function writeIpv4Options(options: readonly Ipv4Option[], out: Uint8Array, offset: number): number {
  let at = offset;
  for (const o of options) {
    switch (o.kind) {
      case 'eol':
        out[at] = 0;
        break;
      case 'nop':
        out[at] = 1;
        break;
      case 'record-route':
      case 'loose-source-route':
      case 'strict-source-route':
        out[at] = ROUTE_TYPES[o.kind];
        out[at + 1] = 3 + 4 * o.addresses.length;
        out[at + 2] = o.pointer;
        for (let i = 0; i < o.addresses.length; i++) writeU32(out, at + 3 + 4 * i, o.addresses[i]);
        break;
      case 'timestamp': {
        const size = timestampEntrySize(o.flag);
        out[at] = 68;
        out[at + 1] = 4 + size * o.entries.length;
        out[at + 2] = o.pointer;
        out[at + 3] = (o.overflow << 4) | o.flag;
        let p = at + 4;
        for (const e of o.entries) {
          if (size === 8) writeU32(out, p, e.address ?? 0);
          writeU32(out, p + size - 4, e.timestamp);
          p += size;
        }
        break;
      }
      case 'router-alert':
        out[at] = 148;
        out[at + 1] = 4;
        writeU16(out, at + 2, o.value);
        break;
      case 'unknown':
        out[at] = o.type;
        out[at + 1] = 2 + o.data.length;
        out.set(o.data, at + 2);
        break;
      case 'padding':
        out.set(o.data, at);
        break;
    }
    at += ipv4OptionSize(o);
  }
  return at - offset;
}

/**
 * Offset of the final destination a loose or strict source route names while it is in progress
 * (RFC 791 §3.1: its last address), or -1 when the options in buf[start, end) hold no such route
 * (none, pointer past the end or misaligned, or a malformed option before it). Follows
 * packet-ip.c `get_dst_offset`: Wireshark then shows the header's address as `ip.cur_rt`.
 */
export function ipv4SourceRouteDestinationOffset(buf: Uint8Array, start: number, end: number): number {
  let at = start;
  while (at < end) {
    const type = buf[at];
    if (type === 0) return -1;
    if (type === 1) {
      at++;
      continue;
    }
    if (at + 1 >= end) return -1;
    const len = buf[at + 1];
    if (len < 2 || at + len > end) return -1;
    if (type === 131 || type === 137) {
      const ptr = len > 2 ? buf[at + 2] : 0;
      return ptr < 4 || (ptr & 3) !== 0 || ptr > len ? -1 : at + len - 4;
    }
    at += len;
  }
  return -1;
}

// ---- dissection, following Wireshark's walk: a bad length ends the walk with an expert note ----

const NAMES: Record<number, [field: string, name: string]> = {
  0: ['eol', 'End of Options List (EOL)'],
  1: ['nop', 'No-Operation (NOP)'],
  7: ['record_route', 'Record Route'],
  68: ['timestamp', 'Time Stamp'],
  131: ['route', 'Loose Source Route'],
  137: ['source_route', 'Strict Source Route'],
  148: ['routeralert', 'Router Alert'],
  130: ['security', 'Security'],
  133: ['ext_security', 'Extended Security'],
  134: ['cipso', 'Commercial Security'],
  136: ['sid', 'Stream ID'],
  11: ['mtu_probe', 'MTU Probe'],
  12: ['mtu_reply', 'MTU Reply'],
  82: ['traceroute', 'Traceroute'],
  149: ['sdb', 'Selective Directed Broadcast'],
  25: ['qs', 'Quick-Start'],
};

/** Wireshark's length rules: [fixed length] or [minimum length, 'min']. */
const LENGTH_RULES: Record<number, [number, 'fixed' | 'min']> = {
  7: [3, 'min'],
  68: [5, 'min'],
  131: [3, 'min'],
  137: [3, 'min'],
  148: [4, 'fixed'],
  130: [3, 'min'],
  133: [3, 'min'],
  134: [10, 'min'],
  136: [4, 'fixed'],
  11: [4, 'fixed'],
  12: [4, 'fixed'],
  82: [12, 'fixed'],
  149: [6, 'min'],
  25: [8, 'fixed'],
};

function typeNode(buf: Uint8Array, at: number): DissectionNode {
  const t = buf[at];
  return {
    field: 'ip.opt.type',
    name: 'Type',
    offset: at,
    length: 1,
    value: t,
    children: [
      leaf('ip.opt.type.copy', 'Copy on fragmentation', at, 1, (t & 0x80) !== 0),
      leaf('ip.opt.type.class', 'Class', at, 1, (t >>> 5) & 3),
      leaf('ip.opt.type.number', 'Number', at, 1, t & 0x1f),
    ],
  };
}

function expert(field: string, at: number, length: number, message: string): DissectionNode {
  return { field, name: message, offset: at, length, display: message };
}

function routeChildren(buf: Uint8Array, at: number, len: number, type: number, out: DissectionNode[]): void {
  const ptr = buf[at + 2];
  out.push(leaf('ip.opt.ptr', 'Pointer', at + 2, 1, ptr));
  if (ptr < 4 || (ptr & 3) !== 0) return;
  for (let o = 3; o < len; o += 4) {
    if (len - o < 4) {
      out.push(expert('ip.subopt_too_long', at + o, len - o, 'Suboption would go past end of option'));
      break;
    }
    const address = formatIpv4(readU32(buf, at + o));
    let field: string;
    if (ptr > len || o + 1 < ptr) field = 'ip.rec_rt';
    else if (type !== 7 && o === len - 4) field = 'ip.dst';
    else field = type === 7 ? 'ip.empty_rt' : 'ip.src_rt';
    out.push(leaf(field, field, at + o, 4, address));
  }
}

function timestampChildren(buf: Uint8Array, at: number, len: number, out: DissectionNode[]): void {
  const flag = buf[at + 3] & 0x0f;
  out.push(
    leaf('ip.opt.ptr', 'Pointer', at + 2, 1, buf[at + 2]),
    leaf('ip.opt.overflow', 'Overflow', at + 3, 1, buf[at + 3] >>> 4),
    leaf('ip.opt.flag', 'Flag', at + 3, 1, flag),
  );
  const size = timestampEntrySize(flag);
  for (let o = 4; o < len; o += size) {
    if (len - o < size) {
      out.push(expert('ip.subopt_too_long', at + o, len - o, 'Suboption would go past end of option'));
      break;
    }
    if (size === 8)
      out.push(leaf('ip.opt.time_stamp_addr', 'Address', at + o, 4, formatIpv4(readU32(buf, at + o))));
    out.push(leaf('ip.opt.time_stamp', 'Time stamp', at + o + size - 4, 4, readU32(buf, at + o + size - 4)));
  }
}

/**
 * The `Options: (N bytes), …` subtree of an IPv4 header for buf[start, end). Never throws: a bad
 * option length becomes an `ip.opt.len.invalid` note and ends the walk, as in Wireshark.
 */
export function dissectIpv4Options(buf: Uint8Array, start: number, end: number): DissectionNode {
  const children: DissectionNode[] = [];
  const names: string[] = [];
  let at = start;
  while (at < end) {
    const type = buf[at];
    const known = NAMES[type];
    const name = known ? known[1] : `Unknown (0x${type.toString(16).padStart(2, '0')})`;
    let len = 1;
    if (type > 1) {
      if (at + 1 >= end) {
        children.push(expert('ip.opt.len.invalid', at, 1, `${name} (length byte past end of options)`));
        break;
      }
      len = buf[at + 1];
      const rule = LENGTH_RULES[type];
      let problem: string | undefined;
      if (len < 2) problem = `with too-short option length = ${len} byte${len === 1 ? '' : 's'}`;
      else if (at + len > end) problem = `option length = ${len} bytes says option goes past end of options`;
      else if (rule && rule[1] === 'fixed' && len !== rule[0])
        problem = `with option length = ${len} bytes; should be ${rule[0]}`;
      else if (rule && rule[1] === 'min' && len < rule[0])
        problem = `with option length = ${len} bytes; should be >= ${rule[0]}`;
      if (problem) {
        children.push(expert('ip.opt.len.invalid', at, Math.min(len, end - at), `${name} (${problem})`));
        break;
      }
    }
    if (!known) {
      children.push({
        field: 'ip.opt.unknown',
        name,
        offset: at,
        length: len,
        display: `${name} (${len} bytes)`,
      });
    } else {
      names.push(name);
      const fields: DissectionNode[] = [typeNode(buf, at)];
      if (type > 1) fields.push(leaf('ip.opt.len', 'Length', at + 1, 1, len));
      if (type === 148) fields.push(leaf('ip.opt.ra', 'Router Alert', at + 2, 2, readU16(buf, at + 2)));
      else if (type === 7 || type === 131 || type === 137) routeChildren(buf, at, len, type, fields);
      else if (type === 68) timestampChildren(buf, at, len, fields);
      children.push({
        field: `ip.options.${known[0]}`,
        name: known[1],
        offset: at,
        length: len,
        value: buf.subarray(at, at + len),
        display: type > 1 ? `${known[1]} (${len} bytes)` : known[1],
        children: fields,
      });
    }
    at += len;
    if (type === 0) break;
  }
  const label = `Options: (${end - start} bytes)${names
    .filter((n) => !n.startsWith('End of'))
    .map((n) => `, ${n}`)
    .join('')}`;
  return {
    field: 'ip.options',
    name: 'Options',
    offset: start,
    length: end - start,
    display: label,
    children,
  };
}
