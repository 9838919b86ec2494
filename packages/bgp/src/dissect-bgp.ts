import {
  DecodeError,
  type DissectionNode,
  type FieldValue,
  fieldNode,
  formatBytes,
  formatIpv4,
  formatIpv6,
  formatMac,
  hex,
  type LayerDissector,
  readU16,
  readU32,
} from '@cnikit/wire';
import { asPathProblem } from './as-path.js';
import { decodeAttributeValue } from './attributes.js';
import { AttrFlag, AttrType, HEADER_LENGTH, MessageType, NOTIFICATION_CODE_NAMES } from './constants.js';
import { BgpDecodeError } from './errors.js';
import { formatRouteDistinguisher } from './evpn.js';
import { checkHeaderFields } from './header.js';
import { NlriCursor } from './nlri.js';
import type { BgpSession } from './session.js';
import { AttributeCursor, UpdateView } from './update.js';

const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'OPEN',
  2: 'UPDATE',
  3: 'NOTIFICATION',
  4: 'KEEPALIVE',
  5: 'ROUTE-REFRESH',
};

type Node = DissectionNode;
const f = (
  field: string,
  name: string,
  offset: number,
  length: number,
  value?: FieldValue,
  display?: string,
): Node => fieldNode(field, name, offset, length, value, display);
const group = (field: string, name: string, offset: number, length: number, children: Node[]): Node => ({
  field,
  name,
  offset,
  length,
  children,
});

/**
 * BGP on TCP port 179, as Wireshark 4.0.17's `bgp` shows it: every whole message of the segment
 * with the header, OPEN parameters and capabilities, UPDATE withdrawn routes, path attributes and
 * NLRI (IPv4/IPv6 unicast, labelled unicast, EVPN), NOTIFICATION and ROUTE-REFRESH fields. A
 * capture carries no session state, so 2- or 4-octet AS paths and ADD-PATH path identifiers are
 * recognised from the bytes, as Wireshark's heuristics do. A message that continues in a later
 * segment is not shown (Wireshark shows it once reassembled). Malformed: DecodeError, or, once
 * a message's header has been read, `malformed` with the fields read before the error (Wireshark's
 * tree keeps the items added before its exception).
 */
export const dissectBgp: LayerDissector = (buf, start, end) => {
  const messages: Node[] = [];
  let at = start;
  let failed: DecodeError | undefined;
  while (end - at >= HEADER_LENGTH) {
    let length: number;
    try {
      length = checkHeaderFields(buf, at, { extendedMessage: true });
    } catch (err) {
      if (!(err instanceof DecodeError) || messages.length === 0) throw err;
      failed = err;
      break;
    }
    if (at + length > end) break;
    const children: Node[] = [];
    try {
      messages.push(dissectMessage(buf, at, at + length, children));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      messages.push(messageNode(buf, at, at + length, children));
      failed = err;
    }
    at += length;
    if (failed) break;
  }
  if (failed) {
    const node =
      messages.length === 1
        ? messages[0]
        : {
            field: 'bgp',
            name: 'Border Gateway Protocol',
            offset: start,
            length: at - start,
            display: `Border Gateway Protocol - ${messages.length} messages`,
            children: messages,
          };
    return { node, malformed: failed };
  }
  if (messages.length === 0) {
    if (end - at > 0 && end - at < HEADER_LENGTH) {
      return {
        node: {
          field: 'bgp',
          name: 'Border Gateway Protocol',
          offset: start,
          length: end - start,
          display: 'Border Gateway Protocol (segment of a message)',
          children: [],
        },
      };
    }
    throw new DecodeError('truncated', 'bgp', start, 'no whole BGP message in the segment');
  }
  if (messages.length === 1) return { node: messages[0] };
  return {
    node: {
      field: 'bgp',
      name: 'Border Gateway Protocol',
      offset: start,
      length: at - start,
      display: `Border Gateway Protocol - ${messages.length} messages`,
      children: messages,
    },
  };
};

/** One message's node; `children` holds its fields, filled as they are read (kept when it throws). */
function dissectMessage(buf: Uint8Array, start: number, end: number, children: Node[]): Node {
  const type = buf[start + 18];
  children.push(
    f('bgp.marker', 'Marker', start, 16, buf.subarray(start, start + 16)),
    f('bgp.length', 'Length', start + 16, 2, end - start),
    f('bgp.type', 'Type', start + 18, 1, type, `Type: ${TYPE_NAMES[type]} Message (${type})`),
  );
  const body = start + HEADER_LENGTH;
  switch (type) {
    case MessageType.Open:
      dissectOpen(buf, body, end, children);
      break;
    case MessageType.Update:
      dissectUpdate(buf, body, end, children);
      break;
    case MessageType.Notification:
      dissectNotification(buf, body, end, children);
      break;
    case MessageType.RouteRefresh:
      children.push(
        f('bgp.route_refresh.afi', 'Address family identifier (AFI)', body, 2, readU16(buf, body)),
        f('bgp.route_refresh.subtype', 'Subtype', body + 2, 1, buf[body + 2]),
        f(
          'bgp.route_refresh.safi',
          'Subsequent address family identifier (SAFI)',
          body + 3,
          1,
          buf[body + 3],
        ),
      );
      break;
  }
  return messageNode(buf, start, end, children);
}

function messageNode(buf: Uint8Array, start: number, end: number, children: Node[]): Node {
  return {
    field: 'bgp',
    name: 'Border Gateway Protocol',
    offset: start,
    length: end - start,
    display: `Border Gateway Protocol - ${TYPE_NAMES[buf[start + 18]]} Message`,
    children,
  };
}

function malformed(at: number, reason: string): DecodeError {
  return new DecodeError('bad-length', 'bgp', at, reason);
}

function dissectOpen(buf: Uint8Array, at: number, end: number, out: Node[]): void {
  out.push(
    f('bgp.open.version', 'Version', at, 1, buf[at]),
    f('bgp.open.myas', 'My AS', at + 1, 2, readU16(buf, at + 1)),
    f('bgp.open.holdtime', 'Hold Time', at + 3, 2, readU16(buf, at + 3)),
    f('bgp.open.identifier', 'BGP Identifier', at + 5, 4, formatIpv4(readU32(buf, at + 5))),
    f('bgp.open.opt.len', 'Optional Parameters Length', at + 9, 1, buf[at + 9]),
  );
  let p = at + 10;
  let extended = false;
  let optEnd = p + buf[at + 9];
  if (buf[at + 9] === 255 && p < end && buf[p] === 255) {
    if (p + 3 > end) throw malformed(p, 'extended optional parameters length cut short');
    extended = true;
    optEnd = p + 3 + readU16(buf, p + 1);
    p += 3;
  }
  if (optEnd > end) throw malformed(at + 9, 'optional parameters overrun the OPEN');
  const params: Node[] = [];
  const paramsStart = p;
  while (p < optEnd) {
    const hl = extended ? 3 : 2;
    if (p + hl > optEnd) throw malformed(p, 'optional parameter header cut short');
    const type = buf[p];
    const len = extended ? readU16(buf, p + 1) : buf[p + 1];
    const v = p + hl;
    if (v + len > optEnd) throw malformed(p, 'optional parameter overruns');
    const kids: Node[] = [
      f('bgp.open.opt.param.type', 'Parameter Type', p, 1, type),
      f('bgp.open.opt.param.len', 'Parameter Length', p + 1, hl - 1, len),
    ];
    if (type === 2) dissectCapabilities(buf, v, v + len, kids);
    else if (type === 1 && len > 0)
      kids.push(f('bgp.open.opt.param.auth', 'Authentication Data', v, len, buf.subarray(v, v + len)));
    params.push(group('bgp.open.opt.param', 'Optional Parameter', p, hl + len, kids));
    p = v + len;
  }
  if (params.length)
    out.push(group('bgp.open.opt', 'Optional Parameters', paramsStart, optEnd - paramsStart, params));
}

function dissectCapabilities(buf: Uint8Array, at: number, end: number, out: Node[]): void {
  while (at < end) {
    if (at + 2 > end) throw malformed(at, 'capability header cut short');
    const code = buf[at];
    const len = buf[at + 1];
    const v = at + 2;
    const stop = v + len;
    if (stop > end) throw malformed(at, 'capability overruns its parameter');
    const kids: Node[] = [
      f('bgp.cap.type', 'Type', at, 1, code),
      f('bgp.cap.length', 'Length', at + 1, 1, len),
    ];
    const need = (n: number) => {
      if (len !== n) throw malformed(at, `capability ${code} length ${len}`);
    };
    switch (code) {
      case 1:
        need(4);
        kids.push(
          f('bgp.cap.mp.afi', 'AFI', v, 2, readU16(buf, v)),
          f('bgp.cap.reserved', 'Reserved', v + 2, 1, buf.subarray(v + 2, v + 3)),
          f('bgp.cap.mp.safi', 'SAFI', v + 3, 1, buf[v + 3]),
        );
        break;
      case 2:
      case 6:
      case 70:
      case 128:
        need(0);
        break;
      case 64: {
        if (len < 2 || (len - 2) % 4 !== 0) throw malformed(at, `capability 64 length ${len}`);
        const timers = readU16(buf, v);
        kids.push({
          ...f('bgp.cap.gr.timers', 'Restart Timers', v, 2, timers, `Restart Timers: ${hex(timers, 4)}`),
          children: [
            f('bgp.cap.gr.timers.restart_flag', 'Restart state', v, 2, (timers & 0x8000) !== 0),
            f('bgp.cap.gr.timers.notification_flag', 'Graceful notification', v, 2, (timers & 0x4000) !== 0),
            f('bgp.cap.gr.timers.restart_time', 'Time', v, 2, timers & 0xfff),
          ],
        });
        for (let q = v + 2; q < stop; q += 4) {
          kids.push(
            f('bgp.cap.gr.afi', 'AFI', q, 2, readU16(buf, q)),
            f('bgp.cap.gr.safi', 'SAFI', q + 2, 1, buf[q + 2]),
            {
              ...f('bgp.cap.gr.flag', 'Flag', q + 3, 1, buf[q + 3], `Flag: ${hex(buf[q + 3], 2)}`),
              children: [
                f('bgp.cap.gr.flag.pfs', 'Preserve forwarding state', q + 3, 1, (buf[q + 3] & 0x80) !== 0),
              ],
            },
          );
        }
        break;
      }
      case 7: {
        // RFC 8205 §2.1 BGPsec: version (4 bits), direction (1), reserved (3), then the AFI.
        need(3);
        const flags = buf[v];
        kids.push(
          {
            ...f('bgp.cap.bgpsec.flags', 'Flags', v, 1, flags, `Flags: ${hex(flags, 2)}`),
            children: [
              f('bgp.cap.bgpsec.version', 'Version', v, 1, flags >> 4),
              f('bgp.cap.bgpsec.sendreceive', 'Direction', v, 1, (flags >> 3) & 1),
              f('bgp.cap.bgpsec.reserved', 'Reserved', v, 1, flags & 7),
            ],
          },
          f('bgp.cap.bgpsec.afi', 'AFI', v + 1, 2, readU16(buf, v + 1)),
        );
        break;
      }
      case 5:
        if (len % 6 !== 0) throw malformed(at, `capability 5 length ${len}`);
        for (let q = v; q < stop; q += 6) {
          kids.push(
            f('bgp.cap.enh.afi', 'AFI', q, 2, readU16(buf, q)),
            f('bgp.cap.enh.safi', 'SAFI', q + 2, 2, readU16(buf, q + 2)),
            f('bgp.cap.enh.nhafi', 'Next hop AFI', q + 4, 2, readU16(buf, q + 4)),
          );
        }
        break;
      case 65:
        need(4);
        kids.push(f('bgp.cap.4as', 'AS Number', v, 4, readU32(buf, v)));
        break;
      case 69:
        if (len % 4 !== 0) throw malformed(at, `capability 69 length ${len}`);
        for (let q = v; q < stop; q += 4) {
          kids.push(
            f('bgp.cap.ap.afi', 'AFI', q, 2, readU16(buf, q)),
            f('bgp.cap.ap.safi', 'SAFI', q + 2, 1, buf[q + 2]),
            f('bgp.cap.ap.sendreceive', 'Send/Receive', q + 3, 1, buf[q + 3]),
          );
        }
        break;
      case 73: {
        const hl = buf[v];
        if (len < 2 || 2 + hl > len) throw malformed(at, 'FQDN capability lengths');
        const dl = buf[v + 1 + hl];
        if (2 + hl + dl > len) throw malformed(at, 'FQDN capability lengths');
        kids.push(
          f('bgp.cap.orf.fqdn.hostname.len', 'Hostname Length', v, 1, hl),
          f('bgp.cap.orf.fqdn.hostname', 'Hostname', v + 1, hl, latin1(buf, v + 1, v + 1 + hl)),
          f('bgp.cap.orf.fqdn.domain_name.len', 'Domain Name Length', v + 1 + hl, 1, dl),
          f(
            'bgp.cap.orf.fqdn.domain_name',
            'Domain Name',
            v + 2 + hl,
            dl,
            latin1(buf, v + 2 + hl, v + 2 + hl + dl),
          ),
        );
        break;
      }
      default:
        // Wireshark 4.0 does not decode BGP role (9) or long-lived graceful restart (71).
        if (len > 0) kids.push(f('bgp.cap.unknown', 'Unknown', v, len, buf.subarray(v, stop)));
    }
    out.push(group('bgp.cap', 'Capability', at, 2 + len, kids));
    at = stop;
  }
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/** The session a capture's UPDATE looks like it was sent in: AS width from its AS_PATH. */
function guessSession(view: UpdateView): BgpSession {
  const c = view.attributeCursor();
  try {
    while (c.next()) {
      if (c.type === AttrType.AsPath) {
        const four = asPathProblem(view.buf, c.valueStart, c.valueEnd, 4, true) === undefined;
        const two = asPathProblem(view.buf, c.valueStart, c.valueEnd, 2, true) === undefined;
        return { fourOctetAs: four || !two, extendedMessage: true };
      }
    }
  } catch {
    // An overrun is reported when the attributes are walked.
  }
  return { fourOctetAs: true, extendedMessage: true };
}

/** Walks an NLRI field without, then with path identifiers: whichever reads to the end. */
function addPathOf(buf: Uint8Array, start: number, end: number, afi: number, safi: number): boolean {
  const c = new NlriCursor();
  for (const addPath of [false, true]) {
    try {
      c.reset(buf, start, end, afi, safi, addPath);
      while (c.next()) {
        /* walk */
      }
      return addPath;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  throw malformed(start, 'NLRI do not fit their field');
}

/**
 * The session to check an MP_REACH/MP_UNREACH value with: path identifiers on its family when its
 * NLRI read to the end only with them (the guess nlriNodes makes when it shows them).
 */
function mpSession(buf: Uint8Array, type: number, v: number, e: number, session: BgpSession): BgpSession {
  if ((type !== AttrType.MpReachNlri && type !== AttrType.MpUnreachNlri) || e - v < 3) return session;
  const afi = readU16(buf, v);
  const safi = buf[v + 2];
  const start = type === AttrType.MpUnreachNlri ? v + 3 : v + 5 + (v + 3 < e ? buf[v + 3] : 0);
  if (start > e) return session;
  try {
    if (!addPathOf(buf, start, e, afi, safi)) return session;
  } catch {
    return session;
  }
  return { ...session, addPath: [{ afi, safi, direction: 'receive' }] };
}

function prefixNodes(c: NlriCursor, prefixField: string, out: Node[]): void {
  const b = c.buf;
  if (c.addPath) out.push(f('bgp.nlri_path_id', 'Path Identifier', c.labelsStart - 5, 4, c.pathId));
  const lenAt = c.labelsStart - 1;
  out.push(f('bgp.prefix_length', 'Prefix Length', lenAt, 1, b[lenAt]));
  if (c.labelCount > 0) {
    const labels: string[] = [];
    for (let i = 0; i < c.labelCount; i++) {
      const p = c.labelsStart + 3 * i;
      const entry = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
      labels.push(entry & 1 ? `${entry >>> 4} (bottom)` : `${entry >>> 4}`);
    }
    out.push(f('bgp.label_stack', 'Label Stack', c.labelsStart, 3 * c.labelCount, labels.join(',')));
  }
  const address = c.afi === 2 ? formatIpv6(c.ipv6Into(new Uint8Array(16))) : formatIpv4(c.ipv4());
  out.push(f(prefixField, 'Prefix', c.prefixStart, c.prefixBytes, address));
}

function nlriNodes(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: number,
  safi: number,
  prefixField: string,
  vxlan: boolean,
): Node[] {
  const out: Node[] = [];
  const known = (afi === 1 || afi === 2) && (safi === 1 || safi === 2 || safi === 4);
  if (!known && !(afi === 25 && safi === 70)) return out;
  const c = new NlriCursor().reset(buf, start, end, afi, safi, addPathOf(buf, start, end, afi, safi));
  while (c.next()) {
    if (afi === 25) out.push(evpnNode(c, vxlan));
    else prefixNodes(c, prefixField, out);
  }
  return out;
}

function evpnNode(c: NlriCursor, vxlan: boolean): Node {
  const b = c.buf;
  const s = c.routeStart;
  const len = c.routeEnd - s;
  const kids: Node[] = [];
  if (c.addPath) kids.push(f('bgp.nlri_path_id', 'Path Identifier', s - 6, 4, c.pathId));
  kids.push(
    f('bgp.evpn.nlri.rt', 'Route Type', s - 2, 1, c.routeType),
    f('bgp.evpn.nlri.len', 'Length', s - 1, 1, len),
  );
  const esi = (at: number): Node => ({
    ...f('bgp.evpn.nlri.esi', 'ESI', at, 10, b.subarray(at, at + 10)),
    children: [
      f('bgp.evpn.nlri.esi.type', 'ESI Type', at, 1, b[at]),
      f('bgp.evpn.nlri.esi.value', 'ESI Value', at + 1, 9, b.subarray(at + 1, at + 10)),
      ...(b[at] === 0
        ? [f('bgp.evpn.nlri.esi.type0', 'ESI 9 bytes value', at + 1, 9, b.subarray(at + 1, at + 10))]
        : []),
    ],
  });
  const rdNode = f(
    'bgp.evpn.nlri.rd',
    'Route Distinguisher',
    s,
    8,
    b.subarray(s, s + 8),
    `Route Distinguisher: ${formatRouteDistinguisher(b.subarray(s, s + 8))}`,
  );
  const u24 = (p: number) => (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  // A label as Wireshark 4.0.17 shows it: the VNI (all 24 bits) after a VXLAN encapsulation community, else the MPLS label.
  const label = (p: number, n: 1 | 2) =>
    vxlan
      ? f('bgp.evpn.nlri.vni', 'VNI', p, 3, u24(p))
      : f(`bgp.evpn.nlri.mpls_ls${n}`, `MPLS Label ${n}`, p, 3, u24(p) >>> 4);
  const ipv4 = (p: number, field = 'bgp.evpn.nlri.ip.addr') =>
    f(field, 'IPv4 address', p, 4, formatIpv4(readU32(b, p)));
  const end = c.routeEnd;
  switch (c.routeType) {
    case 1:
      if (len !== 25) break;
      kids.push(
        rdNode,
        esi(s + 8),
        f('bgp.evpn.nlri.etag', 'Ethernet Tag ID', s + 18, 4, readU32(b, s + 18)),
        label(s + 22, 1),
      );
      break;
    case 2: {
      if (len < 33) break;
      kids.push(
        rdNode,
        esi(s + 8),
        f('bgp.evpn.nlri.etag', 'Ethernet Tag ID', s + 18, 4, readU32(b, s + 18)),
        f('bgp.evpn.nlri.maclen', 'MAC Address Length', s + 22, 1, b[s + 22]),
        f('bgp.evpn.nlri.mac_addr', 'MAC Address', s + 23, 6, formatMac(b.subarray(s + 23, s + 29))),
        f('bgp.evpn.nlri.iplen', 'IP Address Length', s + 29, 1, b[s + 29]),
      );
      const ipLen = b[s + 29] / 8;
      if (ipLen === 4) kids.push(ipv4(s + 30));
      const l = s + 30 + ipLen;
      if (ipLen !== 4 && ipLen !== 0) break;
      if (l + 3 <= end) kids.push(label(l, 1));
      if (l + 6 <= end && !vxlan) kids.push(label(l + 3, 2));
      break;
    }
    case 3:
      if (len !== 17) break;
      kids.push(
        rdNode,
        f('bgp.evpn.nlri.etag', 'Ethernet Tag ID', s + 8, 4, readU32(b, s + 8)),
        f('bgp.evpn.nlri.iplen', 'IP Address Length', s + 12, 1, b[s + 12]),
        ipv4(s + 13),
      );
      break;
    case 4:
      if (len !== 23) break;
      kids.push(
        rdNode,
        esi(s + 8),
        f('bgp.evpn.nlri.iplen', 'IP Address Length', s + 18, 1, b[s + 18]),
        ipv4(s + 19),
      );
      break;
    case 5:
      if (len !== 34) break;
      kids.push(
        rdNode,
        esi(s + 8),
        f('bgp.evpn.nlri.etag', 'Ethernet Tag ID', s + 18, 4, readU32(b, s + 18)),
        f('bgp.evpn.nlri.prefix_len', 'IP prefix length', s + 22, 1, b[s + 22]),
        ipv4(s + 23),
        ipv4(s + 27, 'bgp.evpn.nlri.ipv4.gtw_addr'),
        vxlan
          ? f('bgp.evpn.nlri.vni', 'VNI', s + 31, 3, u24(s + 31))
          : group('bgp.update.path_attribute.mpls_label', 'MPLS Label', s + 31, 3, [
              f('bgp.update.path_attribute.mpls_label_value', 'MPLS Label', s + 31, 3, u24(s + 31)),
            ]),
      );
      break;
  }
  return group('bgp.evpn.nlri', 'EVPN NLRI', s - 2, len + 2, kids);
}

const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  1: 'ORIGIN',
  2: 'AS_PATH',
  3: 'NEXT_HOP',
  4: 'MULTI_EXIT_DISC',
  5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE',
  7: 'AGGREGATOR',
  8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID',
  10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI',
  15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES',
  17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR',
  22: 'PMSI_TUNNEL',
  23: 'TUNNEL_ENCAPSULATION',
  26: 'AIGP',
  32: 'LARGE_COMMUNITY',
  35: 'OTC',
};

const FLAG_BITS: readonly [string, string, number][] = [
  ['bgp.update.path_attribute.flags.optional', 'Optional', AttrFlag.Optional],
  ['bgp.update.path_attribute.flags.transitive', 'Transitive', AttrFlag.Transitive],
  ['bgp.update.path_attribute.flags.partial', 'Partial', AttrFlag.Partial],
  ['bgp.update.path_attribute.flags.extended_length', 'Extended-Length', AttrFlag.ExtendedLength],
];

function dissectUpdate(buf: Uint8Array, body: number, end: number, out: Node[]): void {
  const view = new UpdateView().bindBody(buf, body, end);
  const session = guessSession(view);
  view.session = session;
  // Wireshark reads an EVPN label as a VNI once it has seen a VXLAN encapsulation community earlier in the message.
  const state = { vxlan: false };
  out.push(
    f(
      'bgp.update.withdrawn_routes.length',
      'Withdrawn Routes Length',
      body,
      2,
      view.withdrawnEnd - view.withdrawnStart,
    ),
  );
  if (view.withdrawnEnd > view.withdrawnStart) {
    const w = nlriNodes(buf, view.withdrawnStart, view.withdrawnEnd, 1, 1, 'bgp.withdrawn_prefix', false);
    out.push(
      group(
        'bgp.update.withdrawn_routes',
        'Withdrawn Routes',
        view.withdrawnStart,
        view.withdrawnEnd - view.withdrawnStart,
        w,
      ),
    );
  }
  out.push(
    f(
      'bgp.update.path_attributes.length',
      'Total Path Attribute Length',
      view.withdrawnEnd,
      2,
      view.attributesEnd - view.attributesStart,
    ),
  );
  if (view.attributesEnd > view.attributesStart) {
    const attrs: Node[] = [];
    const c = new AttributeCursor().reset(buf, view.attributesStart, view.attributesEnd);
    while (c.next()) attrs.push(attributeNode(buf, c, session, state));
    out.push(
      group(
        'bgp.update.path_attributes',
        'Path attributes',
        view.attributesStart,
        view.attributesEnd - view.attributesStart,
        attrs,
      ),
    );
  }
  if (view.end > view.attributesEnd) {
    const n = nlriNodes(buf, view.attributesEnd, view.end, 1, 1, 'bgp.nlri_prefix', false);
    out.push(
      group(
        'bgp.update.nlri',
        'Network Layer Reachability Information (NLRI)',
        view.attributesEnd,
        view.end - view.attributesEnd,
        n,
      ),
    );
  }
}

function attributeNode(
  buf: Uint8Array,
  c: AttributeCursor,
  session: BgpSession,
  state: { vxlan: boolean },
): Node {
  const vxlan = state.vxlan;
  const { at, flags, type, valueStart: v, valueEnd: e } = c;
  const len = e - v;
  try {
    decodeAttributeValue(buf, flags, type, v, e, at, mpSession(buf, type, v, e, session));
  } catch (err) {
    // Wireshark does not check flags or flag unknown well-known attributes; anything else is malformed.
    if (
      !(err instanceof BgpDecodeError) ||
      (err.notification.subcode !== 4 && err.notification.subcode !== 2)
    )
      throw err;
  }
  const ext = (flags & AttrFlag.ExtendedLength) !== 0;
  const kids: Node[] = [
    {
      ...f('bgp.update.path_attribute.flags', 'Flags', at, 1, flags, `Flags: ${hex(flags, 2)}`),
      children: [
        ...FLAG_BITS.map(([field, name, bit]) => f(field, name, at, 1, (flags & bit) !== 0)),
        f('bgp.update.path_attribute.flags.unused', 'Unused', at, 1, flags & 0x0f),
      ],
    },
    f('bgp.update.path_attribute.type_code', 'Type Code', at + 1, 1, type),
    f('bgp.update.path_attribute.length', 'Length', at + 2, ext ? 2 : 1, len),
  ];
  const P = 'bgp.update.path_attribute.';
  switch (type) {
    case AttrType.Origin:
      kids.push(f(`${P}origin`, 'Origin', v, 1, buf[v]));
      break;
    case AttrType.AsPath:
    case AttrType.As4Path: {
      const size = type === AttrType.As4Path || session.fourOctetAs ? 4 : 2;
      for (let p = v; p < e; ) {
        const count = buf[p + 1];
        const segKids: Node[] = [
          f(`${P}as_path_segment.type`, 'Segment type', p, 1, buf[p]),
          f(`${P}as_path_segment.length`, 'Segment length (number of ASN)', p + 1, 1, count),
        ];
        for (let i = 0; i < count; i++) {
          const q = p + 2 + size * i;
          segKids.push(
            size === 4
              ? f(`${P}as_path_segment.as4`, 'AS4', q, 4, readU32(buf, q))
              : f(`${P}as_path_segment.as2`, 'AS2', q, 2, readU16(buf, q)),
          );
        }
        kids.push(group(`${P}as_path_segment`, 'AS Path segment', p, 2 + size * count, segKids));
        p += 2 + size * count;
      }
      break;
    }
    case AttrType.NextHop:
      kids.push(f(`${P}next_hop`, 'Next hop', v, 4, formatIpv4(readU32(buf, v))));
      break;
    case AttrType.Med:
      kids.push(f(`${P}multi_exit_disc`, 'Multiple exit discriminator', v, 4, readU32(buf, v)));
      break;
    case AttrType.LocalPref:
      kids.push(f(`${P}local_pref`, 'Local preference', v, 4, readU32(buf, v)));
      break;
    case AttrType.Aggregator:
    case AttrType.As4Aggregator: {
      const size = len - 4;
      kids.push(
        f(`${P}aggregator_as`, 'Aggregator AS', v, size, size === 4 ? readU32(buf, v) : readU16(buf, v)),
        f(`${P}aggregator_origin`, 'Aggregator origin', v + size, 4, formatIpv4(readU32(buf, v + size))),
      );
      break;
    }
    case AttrType.Communities: {
      const list: Node[] = [];
      for (let p = v; p < e; p += 4) {
        if (readU16(buf, p) === 0xffff) {
          list.push(f(`${P}community_wellknown`, 'Community Well-known', p, 4, readU32(buf, p)));
          continue;
        }
        list.push(
          group(`${P}community`, 'Community', p, 4, [
            f(`${P}community_as`, 'Community AS', p, 2, readU16(buf, p)),
            f(`${P}community_value`, 'Community value', p + 2, 2, readU16(buf, p + 2)),
          ]),
        );
      }
      kids.push(group(`${P}communities`, 'Communities', v, len, list));
      break;
    }
    case AttrType.OriginatorId:
      kids.push(f(`${P}originator_id`, 'Originator identifier', v, 4, formatIpv4(readU32(buf, v))));
      break;
    case AttrType.ClusterList: {
      const ids: Node[] = [];
      for (let p = v; p < e; p += 4)
        ids.push(f('bgp.path_attribute.cluster_id', 'Cluster ID', p, 4, formatIpv4(readU32(buf, p))));
      kids.push(group('bgp.path_attribute.cluster_list', 'Cluster List', v, len, ids));
      break;
    }
    case AttrType.MpReachNlri: {
      const afi = readU16(buf, v);
      const safi = buf[v + 2];
      const nhLen = buf[v + 3];
      const nh = v + 4;
      kids.push(
        f(`${P}mp_reach_nlri.afi`, 'Address family identifier (AFI)', v, 2, afi),
        f(`${P}mp_reach_nlri.safi`, 'Subsequent address family identifier (SAFI)', v + 2, 1, safi),
        {
          ...f(`${P}mp_reach_nlri.next_hop`, 'Next hop', v + 3, 1 + nhLen, buf.subarray(v + 3, nh + nhLen)),
          children: nextHopNodes(buf, nh, nhLen),
        },
        f(
          `${P}mp_reach_nlri.nbr_snpa`,
          'Number of Subnetwork points of attachment (SNPA)',
          nh + nhLen,
          1,
          buf[nh + nhLen],
        ),
      );
      const field = afi === 2 ? 'bgp.mp_reach_nlri_ipv6_prefix' : 'bgp.mp_reach_nlri_ipv4_prefix';
      const n = nlriNodes(buf, nh + nhLen + 1, e, afi, safi, field, vxlan);
      kids.push(
        group(
          `${P}mp_reach_nlri`,
          'Network Layer Reachability Information (NLRI)',
          nh + nhLen + 1,
          e - nh - nhLen - 1,
          n,
        ),
      );
      break;
    }
    case AttrType.MpUnreachNlri: {
      const afi = readU16(buf, v);
      const safi = buf[v + 2];
      kids.push(
        f(`${P}mp_unreach_nlri.afi`, 'Address family identifier (AFI)', v, 2, afi),
        f(`${P}mp_unreach_nlri.safi`, 'Subsequent address family identifier (SAFI)', v + 2, 1, safi),
      );
      const field = afi === 2 ? 'bgp.mp_unreach_nlri_ipv6_prefix' : 'bgp.mp_unreach_nlri_ipv4_prefix';
      kids.push(
        group(
          `${P}mp_unreach_nlri`,
          'Withdrawn Routes',
          v + 3,
          len - 3,
          nlriNodes(buf, v + 3, e, afi, safi, field, vxlan),
        ),
      );
      break;
    }
    case AttrType.ExtendedCommunities: {
      const list: Node[] = [];
      for (let p = v; p < e; p += 8) {
        list.push(extendedCommunityNode(buf, p));
        if (buf[p] === 3 && buf[p + 1] === 0x0c && readU16(buf, p + 6) === 8) state.vxlan = true;
      }
      kids.push(group('bgp.ext_communities', 'Carried extended communities', v, len, list));
      break;
    }
    case AttrType.LargeCommunity: {
      const list: Node[] = [];
      for (let p = v; p < e; p += 12) {
        list.push(
          group('bgp.large_communities', 'Large community', p, 12, [
            f('bgp.large_communities.ga', 'Global Administrator', p, 4, readU32(buf, p)),
            f('bgp.large_communities.ldp1', 'Local Data Part 1', p + 4, 4, readU32(buf, p + 4)),
            f('bgp.large_communities.ldp2', 'Local Data Part 2', p + 8, 4, readU32(buf, p + 8)),
          ]),
        );
      }
      kids.push(...list);
      break;
    }
    case AttrType.Aigp: {
      const tlvs: Node[] = [];
      for (let p = v; p + 3 <= e; ) {
        const tl = readU16(buf, p + 1);
        tlvs.push(
          f('bgp.update.attribute.aigp.type', 'Type', p, 1, buf[p]),
          f('bgp.update.attribute.aigp.length', 'Length', p + 1, 2, tl),
        );
        if (buf[p] === 1 && tl === 11) {
          const metric = (BigInt(readU32(buf, p + 3)) << 32n) | BigInt(readU32(buf, p + 7));
          tlvs.push(
            f('bgp.update.attribute.aigp.accu_igp_metric', 'Accumulated IGP Metric', p + 3, 8, metric),
          );
        }
        p += Math.max(tl, 3);
      }
      kids.push(group(`${P}aigp`, 'AIGP Attribute', v, len, tlvs));
      break;
    }
    case AttrType.PmsiTunnel: {
      kids.push(
        f(`${P}pmsi.tunnel.flags`, 'Flags', v, 1, buf[v]),
        f(`${P}pmsi.tunnel.type`, 'Tunnel Type', v + 1, 1, buf[v + 1]),
      );
      const label = (buf[v + 2] << 16) | (buf[v + 3] << 8) | buf[v + 4];
      if (buf[v + 1] === 6) {
        // Ingress replication: the label field is the VNI after a VXLAN encapsulation community.
        kids.push(
          vxlan
            ? f('bgp.evpn.nlri.vni', 'VNI', v + 2, 3, label)
            : f(`${P}mpls_label_value_20bits`, 'MPLS Label', v + 2, 3, label >>> 4),
        );
        if (len === 9) {
          kids.push(
            group(`${P}pmsi.tunnel.id`, 'Tunnel ID', v + 5, 4, [
              f(`${P}pmsi.ingress_rep_ip`, 'Tunnel ID', v + 5, 4, formatIpv4(readU32(buf, v + 5))),
            ]),
          );
        }
      }
      break;
    }
  }
  return {
    ...group('bgp.update.path_attribute', 'Path Attribute', at, e - at, kids),
    display: `Path Attribute - ${ATTRIBUTE_NAMES[type] ?? `Unknown (${type})`}`,
  };
}

function nextHopNodes(buf: Uint8Array, at: number, len: number): Node[] {
  const P = 'bgp.update.path_attribute.mp_reach_nlri.next_hop.';
  const ipv6 = (p: number, field: string) =>
    f(`${P}${field}`, 'IPv6 Address', p, 16, formatIpv6(buf.subarray(p, p + 16)));
  switch (len) {
    case 4:
      return [f(`${P}ipv4`, 'IPv4 Address', at, 4, formatIpv4(readU32(buf, at)))];
    case 12:
      return [
        f(`${P}rd`, 'Route Distinguisher', at, 8, formatRouteDistinguisher(buf.subarray(at, at + 8))),
        f(`${P}ipv4`, 'IPv4 Address', at + 8, 4, formatIpv4(readU32(buf, at + 8))),
      ];
    case 16:
      return [ipv6(at, 'ipv6')];
    case 32:
      return [ipv6(at, 'ipv6'), ipv6(at + 16, 'ipv6.link_local')];
    default:
      return [];
  }
}

const EXT_SUBTYPE_FIELD: Readonly<Record<number, string>> = {
  0: 'bgp.ext_com.stype_tr_as2',
  64: 'bgp.ext_com.stype_ntr_as2',
  1: 'bgp.ext_com.stype_tr_IP4',
  65: 'bgp.ext_com.stype_ntr_IP4',
  2: 'bgp.ext_com.stype_tr_as4',
  66: 'bgp.ext_com.stype_ntr_as4',
  3: 'bgp.ext_com.stype_tr_opaque',
  67: 'bgp.ext_com.stype_ntr_opaque',
  6: 'bgp.ext_com.stype_tr_evpn',
};

function extendedCommunityNode(buf: Uint8Array, p: number): Node {
  const type = buf[p];
  const sub = buf[p + 1];
  const kids: Node[] = [
    {
      ...f('bgp.ext_com.type', 'Type', p, 1, type, `Type: ${hex(type, 2)}`),
      children: [
        f('bgp.ext_com.type.auth', 'IANA Authority', p, 1, (type & 0x80) !== 0),
        f('bgp.ext_com.type.tran', 'Transitive across AS', p, 1, (type & 0x40) !== 0),
      ],
    },
  ];
  const subField = EXT_SUBTYPE_FIELD[type];
  if (subField) {
    kids.push(f(subField, 'Subtype', p + 1, 1, sub, `Subtype: ${hex(sub, 2)}`));
    const v = p + 2;
    const low = type & 0xbf;
    if (low === 0x00) {
      kids.push(f('bgp.ext_com.value_as2', '2-Octet AS', v, 2, readU16(buf, v)));
      if (type === 0x40 && sub === 0x04) {
        const bw = new DataView(buf.buffer, buf.byteOffset + v + 2, 4).getFloat32(0, false);
        kids.push(f('bgp.ext_com.value_link_bw', 'Link bandwidth', v + 2, 4, formatG(bw)));
      } else kids.push(f('bgp.ext_com.value_an4', '4-Octet AN', v + 2, 4, readU32(buf, v + 2)));
    } else if (low === 0x01) {
      kids.push(
        f('bgp.ext_com.value_IP4', 'IPv4 address', v, 4, formatIpv4(readU32(buf, v))),
        f('bgp.ext_com.value_an2', '2-Octet AN', v + 4, 2, readU16(buf, v + 4)),
      );
    } else if (low === 0x02) {
      kids.push(
        f('bgp.ext_com.value_as4', '4-Octet AS', v, 4, readU32(buf, v)),
        f('bgp.ext_com.value_an2', '2-Octet AN', v + 4, 2, readU16(buf, v + 4)),
      );
    } else if (type === 0x06 && sub === 0x03) {
      kids.push(f('bgp.ext_com_evpn.esi.router_mac', 'Router MAC', v, 6, formatMac(buf.subarray(v, v + 6))));
    } else if (type === 0x06 && sub === 0x00) {
      kids.push(
        {
          ...f('bgp.ext_com_evpn.mmac.flags', 'Flags', v, 1, buf[v], `Flags: ${hex(buf[v], 2)}`),
          children: [f('bgp.ext_com_evpn.mmac.flags.sticky', 'Sticky MAC', v, 1, (buf[v] & 1) !== 0)],
        },
        f('bgp.ext_com_evpn.mmac.seq', 'Sequence number', v + 2, 4, readU32(buf, v + 2)),
      );
    } else if (type === 0x03 && sub === 0x0c) {
      kids.push(f('bgp.ext_com.tunnel_type', 'Tunnel type', v + 4, 2, readU16(buf, v + 4)));
    }
  }
  return group('bgp.ext_community', 'Community', p, 8, kids);
}

/** A number as C's `%g` prints it (6 significant digits), as Wireshark shows a float. */
function formatG(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

const MINOR_FIELD: Readonly<Record<number, string>> = {
  1: 'bgp.notify.minor_error',
  2: 'bgp.notify.minor_error_open',
  3: 'bgp.notify.minor_error_update',
  6: 'bgp.notify.minor_error_cease',
  7: 'bgp.notify.minor_error_capability',
};

function dissectNotification(buf: Uint8Array, at: number, end: number, out: Node[]): void {
  const code = buf[at];
  const sub = buf[at + 1];
  out.push(
    f(
      'bgp.notify.major_error',
      'Major error Code',
      at,
      1,
      code,
      `Major error Code: ${NOTIFICATION_CODE_NAMES[code] ?? 'Unknown'} (${code})`,
    ),
  );
  const minor = MINOR_FIELD[code];
  if (minor) out.push(f(minor, 'Minor error Code', at + 1, 1, sub));
  const d = at + 2;
  if (d >= end) return;
  if (code === 2) {
    // Wireshark reads the data of OPEN errors by subcode; only Bad Peer AS is shown here.
    if (sub === 2 && end - d === 2)
      out.push(f('bgp.notify.error_open.bad_peer_as', 'Bad Peer AS', d, 2, readU16(buf, d)));
    return;
  }
  // Wireshark shows an RFC 9003 communication only when it fills the data exactly.
  if (code === 6 && (sub === 2 || sub === 4) && d + 1 + buf[d] === end) {
    const n = buf[d];
    out.push(f('bgp.notify.communication_length', 'Shutdown communication length', d, 1, n));
    if (n > 0)
      out.push(
        f(
          'bgp.notify.communication',
          'Shutdown communication',
          d + 1,
          n,
          new TextDecoder().decode(buf.subarray(d + 1, end)),
        ),
      );
    return;
  }
  out.push(
    f(
      'bgp.notify.minor_data',
      'Data',
      d,
      end - d,
      buf.subarray(d, end),
      `Data: ${formatBytes(buf.subarray(d, end), '')}`,
    ),
  );
}
