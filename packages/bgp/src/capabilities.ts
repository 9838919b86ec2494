import { readU16, readU32, writeU16, writeU32 } from '@cnikit/wire';
import { CapabilityCode } from './constants.js';
import { sessionError } from './errors.js';
import type { AfiSafi } from './session.js';

/** One capability of an OPEN's capabilities parameter (RFC 5492); unknown codes stay raw. */
export type Capability =
  | {
      readonly kind: 'multiprotocol';
      readonly afi: number;
      readonly safi: number;
      readonly reserved?: number;
    }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'route-refresh-old' }
  | { readonly kind: 'extended-message' }
  | { readonly kind: 'enhanced-route-refresh' }
  | {
      readonly kind: 'extended-next-hop';
      readonly entries: readonly (AfiSafi & { readonly nextHopAfi: number })[];
    }
  | { readonly kind: 'role'; readonly role: number }
  | {
      readonly kind: 'graceful-restart';
      /** The 4 flag bits (R = 8, N = 4). */
      readonly restartFlags: number;
      readonly restartTime: number;
      readonly families: readonly (AfiSafi & { readonly flags: number })[];
    }
  | { readonly kind: 'four-octet-as'; readonly asn: number }
  | {
      readonly kind: 'add-path';
      /** sendReceive: 1 receive, 2 send, 3 both (RFC 7911 §4). */
      readonly families: readonly (AfiSafi & { readonly sendReceive: number })[];
    }
  | {
      readonly kind: 'long-lived-graceful-restart';
      readonly families: readonly (AfiSafi & { readonly flags: number; readonly staleTime: number })[];
    }
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

/** BGP role values (RFC 9234 §4.1). */
export const BgpRole = { Provider: 0, RouteServer: 1, RouteServerClient: 2, Customer: 3, Peer: 4 } as const;

const utf8 = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = /* @__PURE__ */ new TextEncoder();

function bad(offset: number, reason: string, value: Uint8Array) {
  // RFC 5492 names no subcode for a capability whose length contradicts its definition: OPEN error, subcode 0.
  return sessionError('bad-option', offset, reason, 2, 0, value);
}

/** Decodes the capabilities in buf[start, end) (the value of an optional parameter of type 2). */
export function decodeCapabilities(buf: Uint8Array, start: number, end: number): Capability[] {
  const out: Capability[] = [];
  let at = start;
  while (at < end) {
    if (at + 2 > end) throw bad(at, 'capability header cut short', buf.subarray(at, end));
    const code = buf[at];
    const length = buf[at + 1];
    const v = at + 2;
    if (v + length > end)
      throw bad(at, `capability ${code} length ${length} overruns its parameter`, buf.subarray(at, end));
    out.push(decodeCapability(buf, code, v, v + length));
    at = v + length;
  }
  return out;
}

function decodeCapability(buf: Uint8Array, code: number, v: number, end: number): Capability {
  const length = end - v;
  const wrong = () => bad(v - 2, `capability ${code} has length ${length}`, buf.subarray(v - 2, end));
  switch (code) {
    case CapabilityCode.Multiprotocol:
      if (length !== 4) throw wrong();
      return buf[v + 2] === 0
        ? { kind: 'multiprotocol', afi: readU16(buf, v), safi: buf[v + 3] }
        : { kind: 'multiprotocol', afi: readU16(buf, v), safi: buf[v + 3], reserved: buf[v + 2] };
    case CapabilityCode.RouteRefresh:
    case CapabilityCode.RouteRefreshOld:
    case CapabilityCode.ExtendedMessage:
    case CapabilityCode.EnhancedRouteRefresh:
      if (length !== 0) throw wrong();
      return {
        kind:
          code === CapabilityCode.RouteRefresh
            ? 'route-refresh'
            : code === CapabilityCode.RouteRefreshOld
              ? 'route-refresh-old'
              : code === CapabilityCode.ExtendedMessage
                ? 'extended-message'
                : 'enhanced-route-refresh',
      };
    case CapabilityCode.ExtendedNextHop: {
      if (length % 6 !== 0) throw wrong();
      const entries = [];
      for (let p = v; p < end; p += 6) {
        entries.push({ afi: readU16(buf, p), safi: readU16(buf, p + 2), nextHopAfi: readU16(buf, p + 4) });
      }
      return { kind: 'extended-next-hop', entries };
    }
    case CapabilityCode.Role:
      if (length !== 1) throw wrong();
      return { kind: 'role', role: buf[v] };
    case CapabilityCode.GracefulRestart: {
      if (length < 2 || (length - 2) % 4 !== 0) throw wrong();
      const families = [];
      for (let p = v + 2; p < end; p += 4) {
        families.push({ afi: readU16(buf, p), safi: buf[p + 2], flags: buf[p + 3] });
      }
      return {
        kind: 'graceful-restart',
        restartFlags: buf[v] >> 4,
        restartTime: readU16(buf, v) & 0xfff,
        families,
      };
    }
    case CapabilityCode.FourOctetAs:
      if (length !== 4) throw wrong();
      return { kind: 'four-octet-as', asn: readU32(buf, v) };
    case CapabilityCode.AddPath: {
      if (length % 4 !== 0) throw wrong();
      const families = [];
      for (let p = v; p < end; p += 4) {
        families.push({ afi: readU16(buf, p), safi: buf[p + 2], sendReceive: buf[p + 3] });
      }
      return { kind: 'add-path', families };
    }
    case CapabilityCode.LongLivedGracefulRestart: {
      if (length % 7 !== 0) throw wrong();
      const families = [];
      for (let p = v; p < end; p += 7) {
        families.push({
          afi: readU16(buf, p),
          safi: buf[p + 2],
          flags: buf[p + 3],
          staleTime: (buf[p + 4] << 16) | (buf[p + 5] << 8) | buf[p + 6],
        });
      }
      return { kind: 'long-lived-graceful-restart', families };
    }
    case CapabilityCode.Fqdn: {
      if (length < 1) throw wrong();
      const hl = buf[v];
      if (1 + hl + 1 > length) throw wrong();
      const dl = buf[v + 1 + hl];
      if (1 + hl + 1 + dl !== length) throw wrong();
      try {
        return {
          kind: 'fqdn',
          hostname: utf8.decode(buf.subarray(v + 1, v + 1 + hl)),
          domain: utf8.decode(buf.subarray(v + 2 + hl, end)),
        };
      } catch {
        return { kind: 'unknown', code, value: buf.subarray(v, end) };
      }
    }
    default:
      return { kind: 'unknown', code, value: buf.subarray(v, end) };
  }
}

/** The capability code of a plain capability. */
export function capabilityCode(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol':
      return CapabilityCode.Multiprotocol;
    case 'route-refresh':
      return CapabilityCode.RouteRefresh;
    case 'route-refresh-old':
      return CapabilityCode.RouteRefreshOld;
    case 'extended-message':
      return CapabilityCode.ExtendedMessage;
    case 'enhanced-route-refresh':
      return CapabilityCode.EnhancedRouteRefresh;
    case 'extended-next-hop':
      return CapabilityCode.ExtendedNextHop;
    case 'role':
      return CapabilityCode.Role;
    case 'graceful-restart':
      return CapabilityCode.GracefulRestart;
    case 'four-octet-as':
      return CapabilityCode.FourOctetAs;
    case 'add-path':
      return CapabilityCode.AddPath;
    case 'long-lived-graceful-restart':
      return CapabilityCode.LongLivedGracefulRestart;
    case 'fqdn':
      return CapabilityCode.Fqdn;
    case 'unknown':
      return c.code;
  }
}

function check(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`bgp capability ${field} must be an integer in 0..${max}, got ${v}`);
  }
}

/** Length of a capability's value; checks every field (RangeError) before anything is written. */
function capabilityValueLength(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol':
      check('afi', c.afi, 0xffff);
      check('safi', c.safi, 0xff);
      check('reserved', c.reserved ?? 0, 0xff);
      return 4;
    case 'route-refresh':
    case 'route-refresh-old':
    case 'extended-message':
    case 'enhanced-route-refresh':
      return 0;
    case 'extended-next-hop':
      for (const e of c.entries) {
        check('afi', e.afi, 0xffff);
        check('safi', e.safi, 0xffff);
        check('nextHopAfi', e.nextHopAfi, 0xffff);
      }
      return 6 * c.entries.length;
    case 'role':
      check('role', c.role, 0xff);
      return 1;
    case 'graceful-restart':
      check('restartFlags', c.restartFlags, 0xf);
      check('restartTime', c.restartTime, 0xfff);
      for (const f of c.families) {
        check('afi', f.afi, 0xffff);
        check('safi', f.safi, 0xff);
        check('flags', f.flags, 0xff);
      }
      return 2 + 4 * c.families.length;
    case 'four-octet-as':
      check('asn', c.asn, 0xffffffff);
      return 4;
    case 'add-path':
      for (const f of c.families) {
        check('afi', f.afi, 0xffff);
        check('safi', f.safi, 0xff);
        check('sendReceive', f.sendReceive, 0xff);
      }
      return 4 * c.families.length;
    case 'long-lived-graceful-restart':
      for (const f of c.families) {
        check('afi', f.afi, 0xffff);
        check('safi', f.safi, 0xff);
        check('flags', f.flags, 0xff);
        check('staleTime', f.staleTime, 0xffffff);
      }
      return 7 * c.families.length;
    case 'fqdn': {
      const h = utf8Encoder.encode(c.hostname).length;
      const d = utf8Encoder.encode(c.domain).length;
      check('hostname length', h, 0xff);
      check('domain length', d, 0xff);
      return 2 + h + d;
    }
    case 'unknown':
      check('code', c.code, 0xff);
      return c.value.length;
  }
}

/** Bytes `writeCapability` writes for `c` (2 + its value). */
export function capabilityLength(c: Capability): number {
  const n = capabilityValueLength(c);
  check('length', n, 0xff);
  return 2 + n;
}

/** Writes code, length and value at `offset`; returns the bytes written. */
export function writeCapability(c: Capability, out: Uint8Array, offset = 0): number {
  const total = capabilityLength(c);
  if (offset + total > out.length) throw new RangeError('bgp capability does not fit the output buffer');
  out[offset] = capabilityCode(c);
  out[offset + 1] = total - 2;
  const v = offset + 2;
  switch (c.kind) {
    case 'multiprotocol':
      writeU16(out, v, c.afi);
      out[v + 2] = c.reserved ?? 0;
      out[v + 3] = c.safi;
      break;
    case 'extended-next-hop':
      c.entries.forEach((e, i) => {
        writeU16(out, v + 6 * i, e.afi);
        writeU16(out, v + 6 * i + 2, e.safi);
        writeU16(out, v + 6 * i + 4, e.nextHopAfi);
      });
      break;
    case 'role':
      out[v] = c.role;
      break;
    case 'graceful-restart':
      writeU16(out, v, (c.restartFlags << 12) | c.restartTime);
      c.families.forEach((f, i) => {
        writeU16(out, v + 2 + 4 * i, f.afi);
        out[v + 4 + 4 * i] = f.safi;
        out[v + 5 + 4 * i] = f.flags;
      });
      break;
    case 'four-octet-as':
      writeU32(out, v, c.asn);
      break;
    case 'add-path':
      c.families.forEach((f, i) => {
        writeU16(out, v + 4 * i, f.afi);
        out[v + 2 + 4 * i] = f.safi;
        out[v + 3 + 4 * i] = f.sendReceive;
      });
      break;
    case 'long-lived-graceful-restart':
      c.families.forEach((f, i) => {
        const p = v + 7 * i;
        writeU16(out, p, f.afi);
        out[p + 2] = f.safi;
        out[p + 3] = f.flags;
        out[p + 4] = f.staleTime >>> 16;
        out[p + 5] = f.staleTime >>> 8;
        out[p + 6] = f.staleTime;
      });
      break;
    case 'fqdn': {
      const h = utf8Encoder.encode(c.hostname);
      const d = utf8Encoder.encode(c.domain);
      out[v] = h.length;
      out.set(h, v + 1);
      out[v + 1 + h.length] = d.length;
      out.set(d, v + 2 + h.length);
      break;
    }
    case 'unknown':
      out.set(c.value, v);
      break;
    default:
      break;
  }
  return total;
}
