import { readU16, readU32, writeU16, writeU32 } from '@cnikit/wire';

/**
 * One extended community (RFC 4360): `type` and `subtype` as sent, the 6-byte value decoded for
 * the common kinds; anything else (or a known kind with non-zero reserved bytes) is `raw`.
 */
export type ExtendedCommunity =
  | {
      /** Route target (subtype 2) or route origin (3). type 0x00/0x40: 2-octet AS; 0x01/0x41: IPv4; 0x02/0x42: 4-octet AS. */
      readonly kind: 'route-target' | 'route-origin';
      readonly type: number;
      readonly subtype: number;
      /** AS number, or IPv4 address as uint32 for the IPv4 form. */
      readonly global: number;
      readonly local: number;
    }
  | {
      readonly kind: 'encapsulation';
      readonly type: number;
      readonly subtype: number;
      readonly tunnelType: number;
    }
  | {
      readonly kind: 'mac-mobility';
      readonly type: number;
      readonly subtype: number;
      readonly flags: number;
      readonly sequence: number;
    }
  | {
      readonly kind: 'esi-label';
      readonly type: number;
      readonly subtype: number;
      readonly flags: number;
      readonly label: number;
    }
  | { readonly kind: 'router-mac'; readonly type: number; readonly subtype: number; readonly mac: Uint8Array }
  | {
      readonly kind: 'link-bandwidth';
      readonly type: number;
      readonly subtype: number;
      readonly asn: number;
      /** Bytes per second, IEEE float32. */
      readonly bandwidth: number;
    }
  | { readonly kind: 'raw'; readonly type: number; readonly subtype: number; readonly value: Uint8Array };

/** RFC 9012 tunnel types (the encapsulation extended community and TUNNEL_ENCAPSULATION). */
export const TunnelType = {
  Vxlan: 8,
  Nvgre: 9,
  Mpls: 10,
  MplsInGre: 11,
  VxlanGpe: 12,
  MplsInUdp: 13,
  Geneve: 19,
} as const;

function zero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** Decodes the 8-byte extended community at `at`. */
export function decodeExtendedCommunity(b: Uint8Array, at: number): ExtendedCommunity {
  const type = b[at];
  const subtype = b[at + 1];
  const v = at + 2;
  const high = type & 0xbf; // the transitive bit (0x40) does not change the layout
  if (subtype === 2 || subtype === 3) {
    const kind = subtype === 2 ? 'route-target' : 'route-origin';
    if (high === 0x00) return { kind, type, subtype, global: readU16(b, v), local: readU32(b, v + 2) };
    if (high === 0x01 || high === 0x02)
      return { kind, type, subtype, global: readU32(b, v), local: readU16(b, v + 4) };
  }
  if (type === 0x03 && subtype === 0x0c && zero(b, v, v + 4)) {
    return { kind: 'encapsulation', type, subtype, tunnelType: readU16(b, v + 4) };
  }
  if (type === 0x06) {
    if (subtype === 0x00 && b[v + 1] === 0)
      return { kind: 'mac-mobility', type, subtype, flags: b[v], sequence: readU32(b, v + 2) };
    if (subtype === 0x01 && b[v + 1] === 0 && b[v + 2] === 0) {
      return {
        kind: 'esi-label',
        type,
        subtype,
        flags: b[v],
        label: (b[v + 3] << 16) | (b[v + 4] << 8) | b[v + 5],
      };
    }
    if (subtype === 0x03) return { kind: 'router-mac', type, subtype, mac: b.subarray(v, v + 6) };
  }
  if (high === 0x00 && subtype === 0x04) {
    const view = new DataView(b.buffer, b.byteOffset + v + 2, 4);
    const bandwidth = view.getFloat32(0, false);
    // Only a float that writes back to the same bits (not NaN payloads) is decoded.
    if (!Number.isNaN(bandwidth))
      return { kind: 'link-bandwidth', type, subtype, asn: readU16(b, v), bandwidth };
  }
  return { kind: 'raw', type, subtype, value: b.subarray(v, v + 6) };
}

function uint(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`bgp extended community ${field} must be an integer in 0..${max}, got ${v}`);
}

/** Checks an extended community's fields (RangeError) before anything is written. */
export function checkExtendedCommunity(c: ExtendedCommunity): void {
  uint('type', c.type, 255);
  uint('subtype', c.subtype, 255);
  switch (c.kind) {
    case 'route-target':
    case 'route-origin': {
      const twoOctet = (c.type & 0xbf) === 0;
      uint('global', c.global, twoOctet ? 0xffff : 0xffffffff);
      uint('local', c.local, twoOctet ? 0xffffffff : 0xffff);
      break;
    }
    case 'encapsulation':
      uint('tunnelType', c.tunnelType, 0xffff);
      break;
    case 'mac-mobility':
      uint('flags', c.flags, 255);
      uint('sequence', c.sequence, 0xffffffff);
      break;
    case 'esi-label':
      uint('flags', c.flags, 255);
      uint('label', c.label, 0xffffff);
      break;
    case 'router-mac':
      if (c.mac.length !== 6) throw new RangeError('bgp extended community mac must be 6 bytes');
      break;
    case 'link-bandwidth':
      uint('asn', c.asn, 0xffff);
      if (!Number.isFinite(c.bandwidth) && c.bandwidth !== Number.POSITIVE_INFINITY)
        throw new RangeError('bgp link bandwidth must be a number');
      break;
    case 'raw':
      if (c.value.length !== 6) throw new RangeError('bgp extended community value must be 6 bytes');
      break;
  }
}

/** Writes 8 bytes at `at` (check first). */
export function writeExtendedCommunity(c: ExtendedCommunity, out: Uint8Array, at: number): void {
  out[at] = c.type;
  out[at + 1] = c.subtype;
  const v = at + 2;
  out.fill(0, v, v + 6);
  switch (c.kind) {
    case 'route-target':
    case 'route-origin':
      if ((c.type & 0xbf) === 0) {
        writeU16(out, v, c.global);
        writeU32(out, v + 2, c.local);
      } else {
        writeU32(out, v, c.global);
        writeU16(out, v + 4, c.local);
      }
      break;
    case 'encapsulation':
      writeU16(out, v + 4, c.tunnelType);
      break;
    case 'mac-mobility':
      out[v] = c.flags;
      writeU32(out, v + 2, c.sequence);
      break;
    case 'esi-label':
      out[v] = c.flags;
      out[v + 3] = c.label >>> 16;
      out[v + 4] = c.label >>> 8;
      out[v + 5] = c.label;
      break;
    case 'router-mac':
      out.set(c.mac, v);
      break;
    case 'link-bandwidth':
      writeU16(out, v, c.asn);
      new DataView(out.buffer, out.byteOffset + v + 2, 4).setFloat32(0, c.bandwidth, false);
      break;
    case 'raw':
      out.set(c.value, v);
      break;
  }
}
