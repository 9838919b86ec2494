import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import type { MessageBuilder } from './builder.js';
import { readHostI32, readHostU16, readHostU32, readHostU64 } from './host-order.js';
import { formatAddress, macBytes } from './ip-text.js';
import {
  type BridgeInfo,
  type GeneveInfo,
  type IpvlanInfo,
  type MacvlanInfo,
  readBridgeInfo,
  readGeneveInfo,
  readIpvlanInfo,
  readMacvlanInfo,
  readVlanInfo,
  readVxlanInfo,
  type VethPeer,
  type VlanInfo,
  type VxlanInfo,
  writeBridgeInfo,
  writeGeneveInfo,
  writeIpvlanInfo,
  writeMacvlanInfo,
  writeVlanInfo,
  writeVxlanInfo,
} from './link-kinds.js';
import type { NetlinkMessage } from './message.js';
import * as C from './rtnetlink-constants.js';

/** The interface counters of IFLA_STATS64 (struct rtnl_link_stats64, first ten fields). */
export interface LinkStats {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
  multicast: number;
  collisions: number;
}

export type OperState = 'UNKNOWN' | 'NOTPRESENT' | 'DOWN' | 'LOWERLAYERDOWN' | 'TESTING' | 'DORMANT' | 'UP';
const OPERSTATES: OperState[] = [
  'UNKNOWN',
  'NOTPRESENT',
  'DOWN',
  'LOWERLAYERDOWN',
  'TESTING',
  'DORMANT',
  'UP',
];

/** Kind-specific data of a link (IFLA_LINKINFO); one of the kind fields is set when the kind is known. */
export interface LinkKindFields {
  /** IFLA_INFO_KIND: `veth`, `bridge`, `vxlan`, `macvlan`, `vlan`, … */
  kind?: string;
  veth?: { peer?: VethPeer };
  bridge?: BridgeInfo;
  vxlan?: VxlanInfo;
  macvlan?: MacvlanInfo;
  macvtap?: MacvlanInfo;
  vlan?: VlanInfo;
  ipvlan?: IpvlanInfo;
  geneve?: GeneveInfo;
  /** IFLA_INFO_DATA of a kind not decoded here, kept raw (and written back as given). */
  infoData?: Uint8Array;
}

/** A link as the kernel reports it (RTM_NEWLINK). */
export interface Link extends LinkKindFields {
  index: number;
  name: string;
  /** ARPHRD_* (1 = Ethernet, 772 = loopback). */
  type: number;
  /** IFF_* flags. */
  flags: number;
  up: boolean;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  address?: string;
  broadcast?: string;
  permAddress?: string;
  master?: number;
  /** The underlying link's index (IFLA_LINK: a veth's peer, a vlan's parent). */
  link?: number;
  linkNetnsId?: number;
  operstate?: OperState;
  txqlen?: number;
  alias?: string;
  group?: number;
  promiscuity?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  carrier?: boolean;
  qdisc?: string;
  /** Kind of the master's port data, e.g. `bridge` for a bridge port. */
  slaveKind?: string;
  stats64?: LinkStats;
}

/** What `create` and `set` send. Addresses as text; `master: 0` detaches from a master. */
export interface LinkAttributes extends LinkKindFields {
  name?: string;
  mtu?: number;
  address?: string;
  broadcast?: string;
  master?: number;
  link?: number;
  txqlen?: number;
  alias?: string;
  group?: number;
  /** Move to another namespace: an fd of its /var/run/netns/x or /proc/pid/ns/net, or a pid. */
  netns?: { fd: number } | { pid: number };
  /** Set IFF_UP (true) or clear it (false); unchanged when absent. */
  up?: boolean;
  /** Other IFF_* bits: ifi_flags = `set`, ifi_change = `mask` (`up` is folded in). */
  flags?: { set: number; mask: number };
}

export const IFINFOMSG_LEN = 16;

/** Writes struct ifinfomsg; returns its offset. */
export function writeIfinfomsg(
  b: MessageBuilder,
  index: number,
  up?: boolean,
  family = 0,
  flags?: { set: number; mask: number },
): number {
  const at = b.reserve(IFINFOMSG_LEN);
  let set = flags ? flags.set & flags.mask : 0;
  let mask = flags ? flags.mask : 0;
  if (up !== undefined) {
    set = up ? set | C.IFF_UP : set & ~C.IFF_UP;
    mask |= C.IFF_UP;
  }
  b.u8At(at, family);
  b.u32At(at + 4, index);
  b.u32At(at + 8, set >>> 0);
  b.u32At(at + 12, mask >>> 0);
  return at;
}

function writeNetns(b: MessageBuilder, netns: { fd: number } | { pid: number }): void {
  if ('fd' in netns) b.u32(C.IFLA_NET_NS_FD, netns.fd);
  else b.u32(C.IFLA_NET_NS_PID, netns.pid);
}

/**
 * The attributes of a link request, in iproute2's order: generic ones, IFLA_LINK, IFLA_IFNAME,
 * then IFLA_LINKINFO (kind, then its data).
 */
export function writeLinkAttributes(b: MessageBuilder, l: LinkAttributes): void {
  if (l.mtu !== undefined) b.u32(C.IFLA_MTU, l.mtu);
  if (l.address !== undefined) b.bytes(C.IFLA_ADDRESS, macBytes(l.address));
  if (l.broadcast !== undefined) b.bytes(C.IFLA_BROADCAST, macBytes(l.broadcast));
  if (l.txqlen !== undefined) b.u32(C.IFLA_TXQLEN, l.txqlen);
  if (l.master !== undefined) b.u32(C.IFLA_MASTER, l.master);
  if (l.netns !== undefined) writeNetns(b, l.netns);
  if (l.alias !== undefined) b.string(C.IFLA_IFALIAS, l.alias);
  if (l.group !== undefined) b.u32(C.IFLA_GROUP, l.group);
  if (l.link !== undefined) b.u32(C.IFLA_LINK, l.link);
  if (l.name !== undefined) {
    if (l.name.length === 0 || l.name.length > 15)
      throw new RangeError(`name must be 1..15 bytes: ${l.name}`);
    b.string(C.IFLA_IFNAME, l.name);
  }
  if (l.kind !== undefined) writeLinkInfo(b, l);
}

function writeLinkInfo(b: MessageBuilder, l: LinkKindFields): void {
  const info = b.nestStart(C.IFLA_LINKINFO);
  b.chars(C.IFLA_INFO_KIND, l.kind!);
  const kind = l.kind;
  const data = () => b.nestStart(C.IFLA_INFO_DATA);
  if (kind === 'veth' && l.veth?.peer) {
    const d = data();
    const peer = b.nestStart(C.VETH_INFO_PEER);
    writeIfinfomsg(b, 0);
    const p = l.veth.peer;
    writeLinkAttributes(b, { name: p.name, mtu: p.mtu, address: p.address, netns: p.netns });
    b.nestEnd(peer);
    b.nestEnd(d);
  } else if (kind === 'bridge' && l.bridge) {
    const d = data();
    writeBridgeInfo(b, l.bridge);
    b.nestEnd(d);
  } else if (kind === 'vxlan' && l.vxlan) {
    const d = data();
    writeVxlanInfo(b, l.vxlan);
    b.nestEnd(d);
  } else if ((kind === 'macvlan' || kind === 'macvtap') && (l.macvlan ?? l.macvtap)) {
    const d = data();
    writeMacvlanInfo(b, (l.macvlan ?? l.macvtap)!);
    b.nestEnd(d);
  } else if (kind === 'vlan' && l.vlan) {
    const d = data();
    writeVlanInfo(b, l.vlan);
    b.nestEnd(d);
  } else if (kind === 'ipvlan' && l.ipvlan) {
    const d = data();
    writeIpvlanInfo(b, l.ipvlan);
    b.nestEnd(d);
  } else if (kind === 'geneve' && l.geneve) {
    const d = data();
    writeGeneveInfo(b, l.geneve);
    b.nestEnd(d);
  } else if (l.infoData) {
    b.bytes(C.IFLA_INFO_DATA, l.infoData);
  }
  b.nestEnd(info);
}

function readStats64(c: AttributeCursor): LinkStats | undefined {
  if (c.length < 80) return undefined;
  const b = c.buf;
  const o = c.valueStart;
  return {
    rxPackets: readHostU64(b, o),
    txPackets: readHostU64(b, o + 8),
    rxBytes: readHostU64(b, o + 16),
    txBytes: readHostU64(b, o + 24),
    rxErrors: readHostU64(b, o + 32),
    txErrors: readHostU64(b, o + 40),
    rxDropped: readHostU64(b, o + 48),
    txDropped: readHostU64(b, o + 56),
    multicast: readHostU64(b, o + 64),
    collisions: readHostU64(b, o + 72),
  };
}

function readLinkInfo(c: AttributeCursor, link: Link): void {
  const info = c.nested();
  let dataStart = -1;
  let dataEnd = -1;
  while (info.next()) {
    if (info.type === C.IFLA_INFO_KIND) link.kind = info.string();
    else if (info.type === C.IFLA_INFO_SLAVE_KIND) link.slaveKind = info.string();
    else if (info.type === C.IFLA_INFO_DATA) {
      dataStart = info.valueStart;
      dataEnd = info.valueEnd;
    }
  }
  if (dataStart < 0) return;
  const d = new AttributeCursor(c.buf, dataStart, dataEnd, 'rtnetlink.linkinfo');
  switch (link.kind) {
    case 'bridge':
      link.bridge = readBridgeInfo(d);
      break;
    case 'vxlan':
      link.vxlan = readVxlanInfo(d);
      break;
    case 'macvlan':
      link.macvlan = readMacvlanInfo(d);
      break;
    case 'macvtap':
      link.macvtap = readMacvlanInfo(d);
      break;
    case 'vlan':
      link.vlan = readVlanInfo(d);
      break;
    case 'ipvlan':
      link.ipvlan = readIpvlanInfo(d);
      break;
    case 'geneve':
      link.geneve = readGeneveInfo(d);
      break;
    default:
      link.infoData = c.buf.slice(dataStart, dataEnd);
  }
}

/** Decodes an RTM_NEWLINK/RTM_DELLINK message into a plain Link. */
export function decodeLink(m: NetlinkMessage): Link {
  const p = m.payloadStart;
  if (m.end - p < IFINFOMSG_LEN)
    throw new DecodeError('truncated', 'rtnetlink.link', p, 'ifinfomsg needs 16 bytes');
  const b = m.buf;
  const flags = readHostU32(b, p + 8);
  const link: Link = {
    index: readHostI32(b, p + 4),
    name: '',
    type: readHostU16(b, p + 2),
    flags,
    up: (flags & C.IFF_UP) !== 0,
  };
  const c = new AttributeCursor(b, p + IFINFOMSG_LEN, m.end, 'rtnetlink.link');
  while (c.next()) {
    switch (c.type) {
      case C.IFLA_IFNAME:
        link.name = c.string();
        break;
      case C.IFLA_MTU:
        link.mtu = c.u32();
        break;
      case C.IFLA_MIN_MTU:
        link.minMtu = c.u32();
        break;
      case C.IFLA_MAX_MTU:
        link.maxMtu = c.u32();
        break;
      case C.IFLA_ADDRESS:
        link.address = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.IFLA_BROADCAST:
        link.broadcast = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.IFLA_PERM_ADDRESS:
        link.permAddress = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.IFLA_MASTER:
        link.master = c.u32();
        break;
      case C.IFLA_LINK:
        link.link = c.u32();
        break;
      case C.IFLA_LINK_NETNSID:
        link.linkNetnsId = c.i32();
        break;
      case C.IFLA_OPERSTATE:
        link.operstate = OPERSTATES[c.u8()] ?? 'UNKNOWN';
        break;
      case C.IFLA_TXQLEN:
        link.txqlen = c.u32();
        break;
      case C.IFLA_IFALIAS:
        link.alias = c.string();
        break;
      case C.IFLA_GROUP:
        link.group = c.u32();
        break;
      case C.IFLA_PROMISCUITY:
        link.promiscuity = c.u32();
        break;
      case C.IFLA_NUM_TX_QUEUES:
        link.numTxQueues = c.u32();
        break;
      case C.IFLA_NUM_RX_QUEUES:
        link.numRxQueues = c.u32();
        break;
      case C.IFLA_CARRIER:
        link.carrier = c.u8() !== 0;
        break;
      case C.IFLA_QDISC:
        link.qdisc = c.string();
        break;
      case C.IFLA_STATS64: {
        const s = readStats64(c);
        if (s) link.stats64 = s;
        break;
      }
      case C.IFLA_LINKINFO:
        readLinkInfo(c, link);
        break;
    }
  }
  return link;
}
