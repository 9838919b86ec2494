import { readU32, writeU32 } from '@cnikit/wire';
import { bgpError } from './errors.js';

/** EVPN route types (RFC 7432 §7, RFC 9136 §3). */
export const EvpnRouteType = {
  EthernetAutoDiscovery: 1,
  MacIpAdvertisement: 2,
  InclusiveMulticastEthernetTag: 3,
  EthernetSegment: 4,
  IpPrefix: 5,
} as const;

/**
 * An EVPN route. Route distinguisher (8 bytes), ESI (10 bytes) and MAC (6 bytes) are subarrays
 * of the input; IP addresses are 0, 4 or 16 bytes. Labels are the 3-octet field as sent: an MPLS
 * label << 4 | bottom-of-stack, or with RFC 8365 VXLAN the 24-bit VNI.
 */
export type EvpnRoute =
  | {
      readonly routeType: 1;
      readonly rd: Uint8Array;
      readonly esi: Uint8Array;
      readonly ethernetTag: number;
      readonly label: number;
    }
  | {
      readonly routeType: 2;
      readonly rd: Uint8Array;
      readonly esi: Uint8Array;
      readonly ethernetTag: number;
      readonly mac: Uint8Array;
      readonly ip: Uint8Array;
      readonly label: number;
      readonly label2?: number;
    }
  | {
      readonly routeType: 3;
      readonly rd: Uint8Array;
      readonly ethernetTag: number;
      readonly originatorIp: Uint8Array;
    }
  | {
      readonly routeType: 4;
      readonly rd: Uint8Array;
      readonly esi: Uint8Array;
      readonly originatorIp: Uint8Array;
    }
  | {
      readonly routeType: 5;
      readonly rd: Uint8Array;
      readonly esi: Uint8Array;
      readonly ethernetTag: number;
      readonly prefixLength: number;
      /** 4 or 16 bytes; the gateway has the same length. */
      readonly prefix: Uint8Array;
      readonly gateway: Uint8Array;
      readonly label: number;
    }
  | { readonly routeType: number; readonly value: Uint8Array };

const u24 = (b: Uint8Array, o: number) => (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];

function bad(at: number, reason: string) {
  // RFC 7606 §5.3: an NLRI that cannot be parsed in MP_REACH/MP_UNREACH disables the family.
  return bgpError('bad-length', at, `EVPN ${reason}`, 3, 9, 'afisafi-disable');
}

/** Decodes one EVPN route's value buf[start, end) of the given type. */
export function decodeEvpnRoute(buf: Uint8Array, routeType: number, start: number, end: number): EvpnRoute {
  const len = end - start;
  const rd = buf.subarray(start, start + 8);
  switch (routeType) {
    case 1:
      if (len !== 25) throw bad(start, `route type 1 of ${len} bytes`);
      return {
        routeType: 1,
        rd,
        esi: buf.subarray(start + 8, start + 18),
        ethernetTag: readU32(buf, start + 18),
        label: u24(buf, start + 22),
      };
    case 2: {
      if (len < 33) throw bad(start, `route type 2 of ${len} bytes`);
      if (buf[start + 22] !== 48) throw bad(start + 22, `MAC length ${buf[start + 22]}`);
      const ipBits = buf[start + 29];
      if (ipBits !== 0 && ipBits !== 32 && ipBits !== 128) throw bad(start + 29, `IP length ${ipBits}`);
      const ipEnd = start + 30 + ipBits / 8;
      const rest = end - ipEnd;
      if (rest !== 3 && rest !== 6) throw bad(ipEnd, `route type 2 of ${len} bytes`);
      const base = {
        routeType: 2 as const,
        rd,
        esi: buf.subarray(start + 8, start + 18),
        ethernetTag: readU32(buf, start + 18),
        mac: buf.subarray(start + 23, start + 29),
        ip: buf.subarray(start + 30, ipEnd),
        label: u24(buf, ipEnd),
      };
      return rest === 6 ? { ...base, label2: u24(buf, ipEnd + 3) } : base;
    }
    case 3: {
      if (len < 13) throw bad(start, `route type 3 of ${len} bytes`);
      const bits = buf[start + 12];
      if ((bits !== 32 && bits !== 128) || len !== 13 + bits / 8)
        throw bad(start + 12, `originator IP length ${bits}`);
      return {
        routeType: 3,
        rd,
        ethernetTag: readU32(buf, start + 8),
        originatorIp: buf.subarray(start + 13, end),
      };
    }
    case 4: {
      if (len < 19) throw bad(start, `route type 4 of ${len} bytes`);
      const bits = buf[start + 18];
      if ((bits !== 32 && bits !== 128) || len !== 19 + bits / 8)
        throw bad(start + 18, `originator IP length ${bits}`);
      return {
        routeType: 4,
        rd,
        esi: buf.subarray(start + 8, start + 18),
        originatorIp: buf.subarray(start + 19, end),
      };
    }
    case 5: {
      // RFC 9136 §3.1: 34 bytes for IPv4, 58 for IPv6.
      if (len !== 34 && len !== 58) throw bad(start, `route type 5 of ${len} bytes`);
      const size = len === 34 ? 4 : 16;
      const prefixLength = buf[start + 22];
      if (prefixLength > size * 8) throw bad(start + 22, `prefix length ${prefixLength}`);
      return {
        routeType: 5,
        rd,
        esi: buf.subarray(start + 8, start + 18),
        ethernetTag: readU32(buf, start + 18),
        prefixLength,
        prefix: buf.subarray(start + 23, start + 23 + size),
        gateway: buf.subarray(start + 23 + size, start + 23 + 2 * size),
        label: u24(buf, end - 3),
      };
    }
    default:
      return { routeType, value: buf.subarray(start, end) };
  }
}

function need(field: string, b: Uint8Array, sizes: readonly number[]): void {
  if (!sizes.includes(b.length))
    throw new RangeError(`bgp EVPN ${field} must be ${sizes.join(' or ')} bytes, got ${b.length}`);
}
function uint(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`bgp EVPN ${field} must be an integer in 0..${max}, got ${v}`);
}

/** Bytes of the route's value (without type and length); checks every field. */
export function evpnRouteLength(r: EvpnRoute): number {
  uint('routeType', r.routeType, 255);
  if ('value' in r) {
    uint('length', r.value.length, 255);
    return r.value.length;
  }
  need('rd', r.rd, [8]);
  switch (r.routeType) {
    case 1:
      need('esi', r.esi, [10]);
      uint('ethernetTag', r.ethernetTag, 0xffffffff);
      uint('label', r.label, 0xffffff);
      return 25;
    case 2:
      need('esi', r.esi, [10]);
      need('mac', r.mac, [6]);
      need('ip', r.ip, [0, 4, 16]);
      uint('ethernetTag', r.ethernetTag, 0xffffffff);
      uint('label', r.label, 0xffffff);
      if (r.label2 !== undefined) uint('label2', r.label2, 0xffffff);
      return 33 + r.ip.length + (r.label2 === undefined ? 0 : 3);
    case 3:
      uint('ethernetTag', r.ethernetTag, 0xffffffff);
      need('originatorIp', r.originatorIp, [4, 16]);
      return 13 + r.originatorIp.length;
    case 4:
      need('esi', r.esi, [10]);
      need('originatorIp', r.originatorIp, [4, 16]);
      return 19 + r.originatorIp.length;
    case 5:
      need('esi', r.esi, [10]);
      need('prefix', r.prefix, [4, 16]);
      need('gateway', r.gateway, [r.prefix.length]);
      uint('ethernetTag', r.ethernetTag, 0xffffffff);
      uint('prefixLength', r.prefixLength, r.prefix.length * 8);
      uint('label', r.label, 0xffffff);
      return r.prefix.length === 4 ? 34 : 58;
    default:
      throw new RangeError(`bgp EVPN route type ${(r as { routeType: number }).routeType} needs a raw value`);
  }
}

function put24(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 16;
  out[at + 1] = v >>> 8;
  out[at + 2] = v;
}

/** Writes the route's value (no type/length octets) at `offset`; returns its length. */
export function writeEvpnRoute(r: EvpnRoute, out: Uint8Array, offset: number): number {
  const len = evpnRouteLength(r);
  if ('value' in r) {
    out.set(r.value, offset);
    return len;
  }
  out.set(r.rd, offset);
  const at = offset + 8;
  switch (r.routeType) {
    case 1:
      out.set(r.esi, at);
      writeU32(out, at + 10, r.ethernetTag);
      put24(out, at + 14, r.label);
      break;
    case 2: {
      out.set(r.esi, at);
      writeU32(out, at + 10, r.ethernetTag);
      out[at + 14] = 48;
      out.set(r.mac, at + 15);
      out[at + 21] = r.ip.length * 8;
      out.set(r.ip, at + 22);
      const l = at + 22 + r.ip.length;
      put24(out, l, r.label);
      if (r.label2 !== undefined) put24(out, l + 3, r.label2);
      break;
    }
    case 3:
      writeU32(out, at, r.ethernetTag);
      out[at + 4] = r.originatorIp.length * 8;
      out.set(r.originatorIp, at + 5);
      break;
    case 4:
      out.set(r.esi, at);
      out[at + 10] = r.originatorIp.length * 8;
      out.set(r.originatorIp, at + 11);
      break;
    case 5:
      out.set(r.esi, at);
      writeU32(out, at + 10, r.ethernetTag);
      out[at + 14] = r.prefixLength;
      out.set(r.prefix, at + 15);
      out.set(r.gateway, at + 15 + r.prefix.length);
      put24(out, offset + len - 3, r.label);
      break;
  }
  return len;
}

/** A route distinguisher as text (RFC 4364 §4.2): `65000:100`, `192.0.2.1:7`, `4200000000:7`. */
export function formatRouteDistinguisher(rd: Uint8Array): string {
  const type = (rd[0] << 8) | rd[1];
  if (type === 0) return `${(rd[2] << 8) | rd[3]}:${readU32(rd, 4)}`;
  if (type === 1) return `${rd[2]}.${rd[3]}.${rd[4]}.${rd[5]}:${(rd[6] << 8) | rd[7]}`;
  if (type === 2) return `${readU32(rd, 2)}:${(rd[6] << 8) | rd[7]}`;
  return Array.from(rd, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * A route distinguisher from text, the inverse of `formatRouteDistinguisher`: `65000:100`
 * (type 0), `192.0.2.1:7` (type 1), `4200000000:7` (type 2, an AS over 65535). RangeError otherwise.
 */
export function parseRouteDistinguisher(text: string): Uint8Array {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(text) ?? /^(\d+):(\d+)$/.exec(text);
  const bad = () =>
    new RangeError(`bgp route distinguisher must be AS:n or IPv4:n, got ${JSON.stringify(text)}`);
  if (!m) throw bad();
  const out = new Uint8Array(8);
  const n = m.slice(1).map(Number);
  if (n.length === 5) {
    if (n.slice(0, 4).some((o) => o > 255) || n[4] > 0xffff) throw bad();
    out[1] = 1;
    out.set(n.slice(0, 4), 2);
    out[6] = n[4] >>> 8;
    out[7] = n[4];
  } else if (n[0] <= 0xffff) {
    if (n[1] > 0xffffffff) throw bad();
    out[2] = n[0] >>> 8;
    out[3] = n[0];
    writeU32(out, 4, n[1]);
  } else {
    if (n[0] > 0xffffffff || n[1] > 0xffff) throw bad();
    out[1] = 2;
    writeU32(out, 2, n[0]);
    out[6] = n[1] >>> 8;
    out[7] = n[1];
  }
  return out;
}
