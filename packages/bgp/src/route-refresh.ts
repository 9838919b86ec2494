import { readU16, writeU16 } from '@cnikit/wire';
import { HEADER_LENGTH, MessageType } from './constants.js';
import { writeHeader } from './header.js';

/** ROUTE-REFRESH subtypes (RFC 7313 §3.2). */
export const RouteRefreshSubtype = { Normal: 0, BeginningOfRouteRefresh: 1, EndOfRouteRefresh: 2 } as const;

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  /** RFC 7313: 0 request, 1 BoRR, 2 EoRR (the octet RFC 2918 reserved). */
  readonly subtype: number;
  readonly safi: number;
  /** What follows the family (RFC 5291 ORF entries), raw. */
  readonly data: Uint8Array;
}

export function decodeRouteRefresh(buf: Uint8Array, start: number, end: number): RouteRefreshMessage {
  return {
    type: 'route-refresh',
    afi: readU16(buf, start),
    subtype: buf[start + 2],
    safi: buf[start + 3],
    data: buf.subarray(start + 4, end),
  };
}

export function routeRefreshLength(m: RouteRefreshMessage): number {
  return HEADER_LENGTH + 4 + m.data.length;
}

export function writeRouteRefresh(m: RouteRefreshMessage, out: Uint8Array, offset = 0): number {
  for (const [f, v, max] of [
    ['afi', m.afi, 0xffff],
    ['subtype', m.subtype, 0xff],
    ['safi', m.safi, 0xff],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new RangeError(`bgp ROUTE-REFRESH ${f} must be an integer in 0..${max}, got ${v}`);
  }
  const total = routeRefreshLength(m);
  if (total > 65535 || offset + total > out.length)
    throw new RangeError('bgp ROUTE-REFRESH does not fit the output buffer');
  writeHeader(MessageType.RouteRefresh, total, out, offset);
  const at = offset + HEADER_LENGTH;
  writeU16(out, at, m.afi);
  out[at + 2] = m.subtype;
  out[at + 3] = m.safi;
  out.set(m.data, at + 4);
  return total;
}
