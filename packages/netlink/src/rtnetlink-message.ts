import { type Address, decodeAddress } from './address.js';
import { decodeDoneMessage, decodeErrorMessage, type ErrorPayload } from './errors.js';
import { decodeLink, type Link } from './link.js';
import type { NetlinkMessage } from './message.js';
import { NetlinkMessageCursor } from './message.js';
import { decodeNeighbour, type Neighbour } from './neighbour.js';
import { NLMSG_DONE, NLMSG_ERROR } from './netlink-constants.js';
import { decodeRoute, type Route } from './route.js';
import * as C from './rtnetlink-constants.js';
import { decodeRule, type Rule } from './rule.js';

/** One rtnetlink message decoded: what a dump yields and what a monitor emits. */
export type RtnetlinkMessage =
  | { kind: 'newlink' | 'dellink'; link: Link }
  | { kind: 'newaddr' | 'deladdr'; address: Address }
  | { kind: 'newroute' | 'delroute'; route: Route }
  | { kind: 'newneigh' | 'delneigh'; neighbour: Neighbour }
  | { kind: 'newrule' | 'delrule'; rule: Rule }
  | { kind: 'error' | 'done'; result: ErrorPayload }
  | { kind: 'other'; type: number };

/** Decodes any rtnetlink message; only DecodeError is thrown for bytes that do not hold. */
export function decodeRtnetlinkMessage(m: NetlinkMessage): RtnetlinkMessage {
  const t = m.type;
  switch (t) {
    case C.RTM_NEWLINK:
    case C.RTM_DELLINK:
      return { kind: t === C.RTM_NEWLINK ? 'newlink' : 'dellink', link: decodeLink(m) };
    case C.RTM_NEWADDR:
    case C.RTM_DELADDR:
      return { kind: t === C.RTM_NEWADDR ? 'newaddr' : 'deladdr', address: decodeAddress(m) };
    case C.RTM_NEWROUTE:
    case C.RTM_DELROUTE:
      return { kind: t === C.RTM_NEWROUTE ? 'newroute' : 'delroute', route: decodeRoute(m) };
    case C.RTM_NEWNEIGH:
    case C.RTM_DELNEIGH:
      return { kind: t === C.RTM_NEWNEIGH ? 'newneigh' : 'delneigh', neighbour: decodeNeighbour(m) };
    case C.RTM_NEWRULE:
    case C.RTM_DELRULE:
      return { kind: t === C.RTM_NEWRULE ? 'newrule' : 'delrule', rule: decodeRule(m) };
    case NLMSG_ERROR:
      return { kind: 'error', result: decodeErrorMessage(m) };
    case NLMSG_DONE:
      return { kind: 'done', result: decodeDoneMessage(m) };
    default:
      return { kind: 'other', type: t };
  }
}

/** Every message of a datagram decoded (allocating; for tools and tests). */
export function decodeRtnetlinkDatagram(buf: Uint8Array, start = 0, end = buf.length): RtnetlinkMessage[] {
  const out: RtnetlinkMessage[] = [];
  const c = new NetlinkMessageCursor(buf, start, end);
  while (c.next()) out.push(decodeRtnetlinkMessage(c.message));
  return out;
}
