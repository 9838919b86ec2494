import {
  DecodeError,
  fieldNode,
  formatIpv4,
  formatIpv6,
  formatMac,
  hex,
  type LayerDissector,
  readU32,
} from '@cnikit/wire';
import { NLMSG_HDRLEN, NLMSG_MIN_TYPE } from '../netlink-constants.js';
import {
  type AttributeHead,
  attrData,
  attributeNodes,
  attrString,
  controlMessageNode,
  headerNode,
  le16,
  le32,
  le64,
  messageEnd,
  type Node,
} from './netlink-fields.js';

const LAYER = 'netlink-route';
const NAME = 'Linux rtnetlink (route netlink) protocol';
const ROUTE_TYPE = { field: 'netlink-route.nltype', name: 'Message type' };

/** rtnetlink message types by number, as Wireshark 4.0 names them. */
export const RTM_TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'Create network interface',
  17: 'Remove network interface',
  18: 'Get network interface info',
  19: 'Set network interface info',
  20: 'Add IP address',
  21: 'Delete IP address',
  22: 'Get IP address',
  24: 'Add network route',
  25: 'Delete network route',
  26: 'Get network route',
  28: 'Add neighbor table entry',
  29: 'Delete neighbor table entry',
  30: 'Get neighbor table entry',
  32: 'Add routing rule',
  33: 'Delete routing rule',
  34: 'Get routing rule',
};

export const IFLA_NAMES: Readonly<Record<number, string>> = {
  1: 'HW Address',
  2: 'Broadcast',
  3: 'Device name',
  4: 'MTU',
  5: 'Link type',
  6: 'Queueing discipline',
  7: 'Interface Statistics',
  10: 'Master',
  13: 'TxQueue length',
  14: 'Map',
  16: 'Operstate',
  17: 'Link mode',
  18: 'Link info',
  23: 'Stats',
  26: 'AF spec',
  27: 'Group',
  30: 'Promiscuity',
  31: 'Number of Tx queues',
  32: 'Number of Rx queues',
  33: 'Carrier',
  35: 'Carrier changes',
  40: 'Maximum GSO segment count',
  41: 'Maximum GSO size',
  47: 'Carrier up count',
  48: 'Carrier down count',
  50: 'Minimum MTU',
  51: 'Maximum MTU',
};

export const IFA_NAMES: Readonly<Record<number, string>> = {
  1: 'Interface address',
  2: 'Local address',
  3: 'Name of interface',
  4: 'Broadcast address',
  5: 'Anycast address',
  6: 'Address information',
  7: 'Multicast address',
  8: 'Address flags',
};

export const RTA_NAMES: Readonly<Record<number, string>> = {
  1: 'Route destination address',
  2: 'Route source address',
  3: 'Input interface index',
  4: 'Output interface index',
  5: 'Gateway of the route',
};

/** IFLA attributes holding a u32 Wireshark decodes: field suffix and label. */
const IFLA_U32: Readonly<Record<number, readonly [string, string]>> = {
  4: ['mtu', 'MTU of device'],
  13: ['txqlen', 'TxQueue length'],
  27: ['group', 'Group'],
  30: ['promiscuity', 'Promiscuity'],
  31: ['txqnum', 'Number of Tx queues'],
  32: ['rxqnum', 'Number of Rx queues'],
  35: ['carrier_changes', 'Carrier changes'],
  40: ['gso_maxsegs', 'Maximum GSO segment count'],
  41: ['gso_maxsize', 'Maximum GSO size'],
  47: ['carrier_up_count', 'Carrier changes to up'],
  48: ['carrier_down_count', 'Carrier changes to down'],
  50: ['min_mtu', 'Minimum MTU of device'],
  51: ['max_mtu', 'Maximum MTU of device'],
};

const R = 'netlink-route.';
const STATS = `${R}ifla_linkstats.`;
/** struct rtnl_link_stats(64) up to tx_window_errors, with Wireshark's field names (its Tx errors reuse `rx_errors.`). */
const STATS_FIELDS: readonly (readonly [string, string])[] = [
  ['rxpackets', 'Rx packets'],
  ['txpackets', 'Tx packets'],
  ['rxbytes', 'Rx bytes'],
  ['txbytes', 'Tx bytes'],
  ['rxerrors', 'Rx errors'],
  ['txerrors', 'Tx errors'],
  ['rxdropped', 'Rx dropped'],
  ['txdropped', 'Tx dropped'],
  ['multicast', 'Multicast Rx'],
  ['collisions', 'Collisions'],
  ['rx_errors.length_errs', 'Length errors'],
  ['rx_errors.over_errs', 'Ring buffer overflow errors'],
  ['rx_errors.crc_errs', 'CRC errors'],
  ['rx_errors.frame_errs', 'Frame alignment errors'],
  ['rx_errors.fifo_errs', 'FIFO overrun errors'],
  ['rx_errors.miss_errs', 'Missed packet errors'],
  ['rx_errors.abort_errs', 'Abort errors'],
  ['rx_errors.carrier_errs', 'Carrier errors'],
  ['rx_errors.fifo_errs', 'FIFO errors'],
  ['rx_errors.heartbeat_errs', 'Heartbeat errors'],
  ['rx_errors.window_errs', 'Window errors'],
];

function statsNode(buf: Uint8Array, head: AttributeHead, width: 4 | 8): Node | undefined {
  if (head.valueEnd - head.valueStart < STATS_FIELDS.length * width) return undefined;
  const leaves = STATS_FIELDS.map(([suffix, label], i) => {
    const at = head.valueStart + i * width;
    const value = width === 8 ? le64(buf, at) : le32(buf, at);
    return fieldNode(STATS + suffix, label, at, width, value);
  });
  const label = (name: string, from: number, to: number): Node => ({
    field: 'netlink-route.ifla_linkstats.errors',
    name,
    offset: leaves[from].offset,
    length: (to - from) * width,
    children: leaves.slice(from, to),
  });
  return {
    field: 'netlink-route.ifla_linkstats',
    name: 'Statistics',
    offset: head.valueStart,
    length: STATS_FIELDS.length * width,
    children: [...leaves.slice(0, 10), label('Rx errors', 10, 16), label('Tx errors', 16, 21)],
  };
}

function decodeLinkAttribute(buf: Uint8Array, head: AttributeHead, out: Node[]): void {
  const { valueStart: v, valueEnd: e, type } = head;
  const size = e - v;
  const u32 = IFLA_U32[type];
  if (u32 && size >= 4) {
    out.push(fieldNode(`${R}ifla_${u32[0]}`, u32[1], v, 4, le32(buf, v)));
    return;
  }
  switch (type) {
    case 1:
    case 2:
      if (size === 6) {
        const field = type === 1 ? 'hwaddr' : 'broadcast';
        out.push(fieldNode(`${R}ifla_${field}`, IFLA_NAMES[type], v, 6, formatMac(buf, v)));
        return;
      }
      break;
    case 3:
      out.push(fieldNode(`${R}ifla_ifname`, 'Device name', v, size, attrString(buf, head)));
      return;
    case 6:
      out.push(fieldNode(`${R}ifla_qdisc`, 'Queueing discipline', v, size, attrString(buf, head)));
      return;
    case 7:
    case 23: {
      const stats = statsNode(buf, head, type === 23 ? 8 : 4);
      if (stats) {
        out.push(stats);
        return;
      }
      break;
    }
    case 14:
      if (size >= 28) {
        out.push(
          fieldNode(`${R}ifla_map.mem_start`, 'Memory start', v, 8, le64(buf, v)),
          fieldNode(`${R}ifla_map.mem_end`, 'Memory end', v + 8, 8, le64(buf, v + 8)),
          fieldNode(`${R}ifla_map.base_addr`, 'Base address', v + 16, 8, le64(buf, v + 16)),
          fieldNode(`${R}ifla_map.irq`, 'IRQ', v + 24, 2, le16(buf, v + 24)),
          fieldNode(`${R}ifla_map.dma`, 'DMA', v + 26, 1, buf[v + 26]),
          fieldNode(`${R}ifla_map.port`, 'Port', v + 27, 1, buf[v + 27]),
        );
        return;
      }
      break;
    case 16:
    case 33:
      if (size >= 1) {
        out.push(
          fieldNode(`${R}ifla_${type === 16 ? 'operstate' : 'carrier'}`, IFLA_NAMES[type], v, 1, buf[v]),
        );
        return;
      }
      break;
  }
  attrData(buf, head, out);
}

function decodeAddressAttribute(buf: Uint8Array, head: AttributeHead, out: Node[]): void {
  const { valueStart: v, valueEnd: e, type } = head;
  const size = e - v;
  if (type === 1 || type === 2) {
    if (size === 4) {
      out.push(fieldNode(`${R}ifa_address.ipv4`, 'Address', v, 4, formatIpv4(readU32(buf, v))));
      return;
    }
    if (size === 16) {
      out.push(fieldNode(`${R}ifa_address.ipv6`, 'Address', v, 16, formatIpv6(buf, v)));
      return;
    }
  } else if (type === 3) {
    out.push(fieldNode(`${R}ifa_label`, 'Interface name', v, size, attrString(buf, head)));
    return;
  } else if (type === 8 && size >= 4) {
    const flags = le32(buf, v);
    out.push(fieldNode(`${R}ifa_flags32`, 'Address flags', v, 4, flags, `Address flags: ${hex(flags, 8)}`));
    return;
  }
  attrData(buf, head, out);
}

function decodeRouteAttribute(buf: Uint8Array, head: AttributeHead, out: Node[]): void {
  if (head.type === 4 && head.valueEnd - head.valueStart >= 4) {
    out.push(
      fieldNode(`${R}rta_oif`, 'Output interface index', head.valueStart, 4, le32(buf, head.valueStart)),
    );
    return;
  }
  attrData(buf, head, out);
}

function need(at: number, size: number, end: number, what: string): void {
  if (end - at < size) {
    throw new DecodeError('truncated', LAYER, at, `${what} needs ${size} bytes, only ${end - at} left`);
  }
}

/** The family header and attributes of one rtnetlink message (after its nlmsghdr), into `out`. */
function routeBody(buf: Uint8Array, type: number, p: number, end: number, out: Node[]): void {
  const u8 = (field: string, name: string, at: number) => fieldNode(`${R}${field}`, name, at, 1, buf[at]);
  if (type >= 16 && type <= 19) {
    need(p, 16, end, 'ifinfomsg');
    const flags = le32(buf, p + 8);
    out.push(
      u8('ifi_family', 'Interface family', p),
      fieldNode(`${R}ifi_type`, 'Device type', p + 2, 2, le16(buf, p + 2)),
      fieldNode(`${R}ifi_index`, 'Interface index', p + 4, 4, le32(buf, p + 4) | 0),
      {
        field: `${R}ifi_flags`,
        name: 'Device flags',
        offset: p + 8,
        length: 4,
        value: flags,
        display: `Device flags: ${hex(flags, 8)}`,
        children: [
          fieldNode(`${R}ifi_flags.iff_up`, 'Interface', p + 8, 4, (flags & 1) !== 0),
          fieldNode(`${R}ifi_flags.iff_broadcast`, 'Broadcast', p + 8, 4, (flags & 2) !== 0),
        ],
      },
      fieldNode(`${R}ifi_change`, 'Device change flags', p + 12, 4, le32(buf, p + 12)),
    );
    out.push(
      ...attributeNodes(buf, p + 16, end, LAYER, `${R}ifla_attr_type`, IFLA_NAMES, (h, o) =>
        decodeLinkAttribute(buf, h, o),
      ),
    );
  } else if (type >= 20 && type <= 23) {
    need(p, 8, end, 'ifaddrmsg');
    out.push(
      u8('ifa_family', 'Address type', p),
      u8('ifa_prefixlen', 'Address prefixlength', p + 1),
      u8('ifa_flags', 'Address flags', p + 2),
      u8('ifa_scope', 'Address scope', p + 3),
      fieldNode(`${R}ifa_index`, 'Interface index', p + 4, 4, le32(buf, p + 4)),
    );
    out.push(
      ...attributeNodes(buf, p + 8, end, LAYER, `${R}ifa_attr_type`, IFA_NAMES, (h, o) =>
        decodeAddressAttribute(buf, h, o),
      ),
    );
  } else if (type >= 24 && type <= 27) {
    need(p, 12, end, 'rtmsg');
    out.push(
      u8('rt_family', 'Address family', p),
      u8('rt_dst_len', 'Length of destination', p + 1),
      u8('rt_src_len', 'Length of source', p + 2),
      u8('rt_tos', 'TOS filter', p + 3),
      u8('rt_table', 'Routing table ID', p + 4),
      u8('rt_protocol', 'Routing protocol', p + 5),
      u8('rt_scope', 'Route origin', p + 6),
      u8('rt_type', 'Route type', p + 7),
      fieldNode(`${R}rt_flags`, 'Route flags', p + 8, 4, le32(buf, p + 8)),
    );
    out.push(
      ...attributeNodes(buf, p + 12, end, LAYER, `${R}rta_attr_type`, RTA_NAMES, (h, o) =>
        decodeRouteAttribute(buf, h, o),
      ),
    );
  } else if (type >= 28 && type <= 30) {
    // Wireshark 4.0 shows the ndmsg but not the NDA_* attributes after it.
    need(p, 12, end, 'ndmsg');
    out.push(
      u8('nd_family', 'Family', p),
      fieldNode(`${R}nd_index`, 'Interface index', p + 4, 4, le32(buf, p + 4) | 0),
      fieldNode(`${R}nd_state`, 'State', p + 8, 2, le16(buf, p + 8)),
      u8('nd_flags', 'Flags', p + 10),
      u8('nd_type', 'Type', p + 11),
    );
  }
}

/**
 * Every message of an rtnetlink datagram (NETLINK_ROUTE, the cooked header's family 0), with
 * Wireshark 4.0's `netlink-route.*` fields: the nlmsghdr, ifinfomsg / ifaddrmsg / rtmsg / ndmsg and
 * the IFLA_* / IFA_* / RTA_* attributes (decoded where Wireshark decodes them, else raw
 * `netlink.attr_data`); control messages (NLMSG_ERROR, NLMSG_DONE) as `Netlink message`. Rules
 * (RTM_*RULE) and other types show their header only, as in Wireshark 4.0.
 */
export const dissectNetlinkRoute: LayerDissector = (buf, start, end) =>
  dissectMessages(buf, start, end, LAYER, NAME, (at, messageEnd_, children) => {
    const type = le16(buf, at + 4);
    children.push(headerNode(buf, at, ROUTE_TYPE, RTM_TYPE_NAMES[type]));
    routeBody(buf, type, at + NLMSG_HDRLEN, messageEnd_, children);
  });

/**
 * The messages of one datagram: a node per message (`body` fills a family message's children; a
 * control message is Wireshark's `Netlink message`). A message that does not hold ends the walk:
 * the nodes before it stay and the layer reports the error as `malformed`.
 */
export function dissectMessages(
  buf: Uint8Array,
  start: number,
  end: number,
  layer: string,
  name: string,
  body: (at: number, end: number, children: Node[]) => void,
) {
  const messages: Node[] = [];
  let at = start;
  let failed: DecodeError | undefined;
  while (at < end) {
    try {
      const e = messageEnd(buf, at, end, layer);
      if (le16(buf, at + 4) < NLMSG_MIN_TYPE) {
        messages.push(controlMessageNode(buf, at, e, layer));
      } else {
        const children: Node[] = [];
        const node: Node = { field: layer, name, offset: at, length: e - at, children };
        messages.push(node);
        body(at, e, children);
      }
      at = Math.min(end, at + ((e - at + 3) & ~3));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      failed = err;
      break;
    }
  }
  if (failed && messages.length === 0) throw failed;
  // One family message is the layer's node itself, as Wireshark shows it; several sit under one.
  const node: Node =
    messages.length === 1 && messages[0].field === layer
      ? messages[0]
      : { field: layer, name, offset: start, length: end - start, children: messages };
  return failed ? { node, malformed: failed } : { node };
}
