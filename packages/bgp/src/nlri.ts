import { type Prefix, readU32, writeU32 } from '@cnikit/wire';
import { Afi, Safi } from './constants.js';
import { type BgpDecodeError, bgpError, type ErrorAction } from './errors.js';
import { decodeEvpnRoute, type EvpnRoute, evpnRouteLength, writeEvpnRoute } from './evpn.js';

/** One NLRI: an IP prefix (unicast, labelled), an EVPN route, or an unknown family's bytes. */
export type Nlri =
  | {
      readonly kind: 'prefix';
      /** The address bits as sent (bits past the length are kept, not masked). */
      readonly prefix: Prefix;
      readonly pathId?: number;
      /** RFC 8277 label stack entries, 24 bits each (label << 4 | TC << 1 | S). */
      readonly labels?: readonly number[];
    }
  | { readonly kind: 'evpn'; readonly route: EvpnRoute; readonly pathId?: number }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

/** How errors in an NLRI field are reported: the base NLRI fields or an MP attribute. */
export interface NlriErrorContext {
  readonly action: ErrorAction;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export function isPrefixFamily(afi: number, safi: number): boolean {
  return (
    (afi === Afi.Ipv4 || afi === Afi.Ipv6) &&
    (safi === Safi.Unicast || safi === Safi.Multicast || safi === Safi.LabeledUnicast)
  );
}

export function isKnownFamily(afi: number, safi: number): boolean {
  return isPrefixFamily(afi, safi) || (afi === Afi.L2vpn && safi === Safi.Evpn);
}

const NO_DATA = new Uint8Array(0);
/** RFC 8277 §2: a labelled prefix sent without labels gets label 0 with the bottom-of-stack bit. */
const DEFAULT_LABELS: readonly number[] = [0x000001];
const BASE_CONTEXT: NlriErrorContext = { action: 'session-reset', subcode: 10, data: NO_DATA };

/**
 * An allocation-free walk over an NLRI field: `next()` steps to the next entry and sets
 * `pathId`, `length` (prefix bits, labels excluded) and the offsets of the address bytes
 * (`prefixStart`, `prefixBytes`), labels (`labelsStart`, `labelCount`) or EVPN route
 * (`routeType`, `routeStart`, `routeEnd`). Read the prefix with `ipv4()` / `ipv6Into()`.
 */
export class NlriCursor {
  buf: Uint8Array = NO_DATA;
  pos = 0;
  end = 0;
  afi = 1;
  safi = 1;
  addPath = false;
  /** 0 when no path identifier was sent. */
  pathId = 0;
  length = 0;
  prefixStart = 0;
  prefixBytes = 0;
  labelsStart = 0;
  labelCount = 0;
  routeType = 0;
  routeStart = 0;
  routeEnd = 0;
  private errors: NlriErrorContext = BASE_CONTEXT;

  reset(
    buf: Uint8Array,
    start: number,
    end: number,
    afi: number = Afi.Ipv4,
    safi: number = Safi.Unicast,
    addPath = false,
    errors: NlriErrorContext = BASE_CONTEXT,
  ): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.afi = afi;
    this.safi = safi;
    this.addPath = addPath;
    this.errors = errors;
    return this;
  }

  private fail(at: number, reason: string): BgpDecodeError {
    const e = this.errors;
    return bgpError('bad-length', at, reason, 3, e.subcode, e.action, e.data);
  }

  /** Moves to the next entry; false at the end. Throws a BgpDecodeError on a malformed entry. */
  next(): boolean {
    const b = this.buf;
    let at = this.pos;
    if (at >= this.end) return false;
    if (this.addPath) {
      if (at + 4 > this.end) throw this.fail(at, 'path identifier cut short');
      this.pathId = readU32(b, at);
      at += 4;
    }
    if (this.afi === Afi.L2vpn) {
      if (at + 2 > this.end) throw this.fail(at, 'EVPN route header cut short');
      this.routeType = b[at];
      this.routeStart = at + 2;
      this.routeEnd = at + 2 + b[at + 1];
      if (this.routeEnd > this.end) throw this.fail(at, 'EVPN route overruns the NLRI field');
      this.pos = this.routeEnd;
      return true;
    }
    if (at >= this.end) throw this.fail(at, 'prefix length missing');
    let bits = b[at++];
    this.labelsStart = at;
    this.labelCount = 0;
    if (this.safi === Safi.LabeledUnicast) {
      // RFC 8277 §2: labels until the bottom-of-stack bit; a withdrawal may carry 0x800000 or 0.
      for (;;) {
        if (bits < 24 || at + 3 > this.end) throw this.fail(at, 'label stack cut short');
        const entry = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
        at += 3;
        bits -= 24;
        this.labelCount++;
        if (entry & 1 || entry === 0x800000 || entry === 0) break;
      }
    }
    const max = this.afi === Afi.Ipv6 ? 128 : 32;
    if (bits > max) throw this.fail(at, `prefix length ${bits} over ${max}`);
    const bytes = (bits + 7) >> 3;
    if (at + bytes > this.end) throw this.fail(at, 'prefix overruns the NLRI field');
    this.length = bits;
    this.prefixStart = at;
    this.prefixBytes = bytes;
    this.pos = at + bytes;
    return true;
  }

  /** The current IPv4 prefix's address as uint32 (bits as sent, zero-filled). */
  ipv4(): number {
    const b = this.buf;
    const p = this.prefixStart;
    switch (this.prefixBytes) {
      case 0:
        return 0;
      case 1:
        return (b[p] << 24) >>> 0;
      case 2:
        return ((b[p] << 24) | (b[p + 1] << 16)) >>> 0;
      case 3:
        return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8)) >>> 0;
      default:
        return readU32(b, p);
    }
  }

  /** Copies the current IPv6 prefix's address into `into` (16 bytes, zero-filled). */
  ipv6Into(into: Uint8Array): Uint8Array {
    // A byte loop: `set(subarray(...))` would allocate a view per prefix.
    const b = this.buf;
    const p = this.prefixStart;
    const n = this.prefixBytes;
    for (let i = 0; i < n; i++) into[i] = b[p + i];
    for (let i = n; i < into.length; i++) into[i] = 0;
    return into;
  }

  /** The current entry as a plain Nlri (allocates). */
  materialise(): Nlri {
    const pathId = this.addPath ? { pathId: this.pathId } : {};
    if (this.afi === Afi.L2vpn) {
      return {
        kind: 'evpn',
        route: decodeEvpnRoute(this.buf, this.routeType, this.routeStart, this.routeEnd),
        ...pathId,
      };
    }
    const prefix: Prefix =
      this.afi === Afi.Ipv6
        ? { family: 6, address: this.ipv6Into(new Uint8Array(16)), length: this.length }
        : { family: 4, address: this.ipv4(), length: this.length };
    if (this.safi !== Safi.LabeledUnicast) return { kind: 'prefix', prefix, ...pathId };
    const labels: number[] = [];
    for (let i = 0; i < this.labelCount; i++) {
      const p = this.labelsStart + 3 * i;
      labels.push((this.buf[p] << 16) | (this.buf[p + 1] << 8) | this.buf[p + 2]);
    }
    return { kind: 'prefix', prefix, ...pathId, labels };
  }
}

/** Reads a whole NLRI field into plain objects; an unknown family becomes one raw entry. */
export function decodeNlri(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: number,
  safi: number,
  addPath: boolean,
  errors: NlriErrorContext = BASE_CONTEXT,
): Nlri[] {
  if (!isKnownFamily(afi, safi)) return start < end ? [{ kind: 'raw', bytes: buf.subarray(start, end) }] : [];
  const cursor = new NlriCursor().reset(buf, start, end, afi, safi, addPath, errors);
  const out: Nlri[] = [];
  while (cursor.next()) out.push(cursor.materialise());
  return out;
}

function checkNlri(n: Nlri, afi: number, safi: number, addPath: boolean): number {
  if (n.kind === 'raw') return n.bytes.length;
  let size = 0;
  if (addPath) {
    const id = n.pathId ?? 0;
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
      throw new RangeError(`bgp nlri pathId must be uint32, got ${id}`);
    size += 4;
  }
  if (n.kind === 'evpn') {
    if (afi !== Afi.L2vpn) throw new RangeError(`bgp EVPN route in family ${afi}/${safi}`);
    return size + 2 + evpnRouteLength(n.route);
  }
  const p = n.prefix;
  const bits = p.length;
  const max = p.family === 6 ? 128 : 32;
  if (p.family !== (afi === Afi.Ipv6 ? 6 : 4))
    throw new RangeError(`bgp IPv${p.family} prefix in family ${afi}/${safi}`);
  if (!(bits >= 0 && bits <= max && Math.floor(bits) === bits)) {
    throw new RangeError(`bgp prefix length must be 0..${max}, got ${bits}`);
  }
  if (safi !== Safi.LabeledUnicast) {
    if (n.labels !== undefined && n.labels.length > 0) throw new RangeError('bgp labels need SAFI 4');
    return size + 1 + ((bits + 7) >> 3);
  }
  const labels = n.labels ?? DEFAULT_LABELS;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l > 0xffffff)
      throw new RangeError(`bgp label must be 0..0xffffff, got ${l}`);
  }
  if (bits + 24 * labels.length > 255) throw new RangeError('bgp prefix plus labels exceed 255 bits');
  return size + 1 + 3 * labels.length + ((bits + 7) >> 3);
}

/** Bytes `writeNlri` writes; checks every entry (RangeError). */
export function nlriLength(list: readonly Nlri[], afi: number, safi: number, addPath: boolean): number {
  let n = 0;
  for (const e of list) n += checkNlri(e, afi, safi, addPath);
  return n;
}

/** Writes NLRI entries at `offset` (call nlriLength first to check them); returns bytes written. */
export function writeNlri(
  list: readonly Nlri[],
  _afi: number,
  safi: number,
  addPath: boolean,
  out: Uint8Array,
  offset: number,
): number {
  let at = offset;
  for (const n of list) {
    if (n.kind === 'raw') {
      out.set(n.bytes, at);
      at += n.bytes.length;
      continue;
    }
    if (addPath) {
      writeU32(out, at, n.pathId ?? 0);
      at += 4;
    }
    if (n.kind === 'evpn') {
      const len = writeEvpnRoute(n.route, out, at + 2);
      out[at] = n.route.routeType;
      out[at + 1] = len;
      at += 2 + len;
      continue;
    }
    const p = n.prefix;
    const bits = p.length;
    if (safi === Safi.LabeledUnicast) {
      const labels = n.labels ?? DEFAULT_LABELS;
      out[at++] = bits + 24 * labels.length;
      for (let i = 0; i < labels.length; i++) {
        const l = labels[i];
        out[at] = l >>> 16;
        out[at + 1] = l >>> 8;
        out[at + 2] = l;
        at += 3;
      }
    } else {
      out[at++] = bits;
    }
    const bytes = (bits + 7) >> 3;
    if (p.family === 4) {
      const a = p.address;
      for (let i = 0; i < bytes; i++) out[at + i] = a >>> (24 - 8 * i);
    } else {
      const a = p.address;
      for (let i = 0; i < bytes; i++) out[at + i] = a[i];
    }
    at += bytes;
  }
  return at - offset;
}
