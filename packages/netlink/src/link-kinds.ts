import { readU16 } from '@cnikit/wire';
import type { AttributeCursor } from './attributes.js';
import type { MessageBuilder } from './builder.js';
import { formatAddress, ipBytes } from './ip-text.js';
import { AF_INET } from './netlink-constants.js';
import * as C from './rtnetlink-constants.js';

/** Bridge options (IFLA_BR_*); times in centiseconds as the kernel keeps them. */
export interface BridgeInfo {
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  stpState?: number;
  priority?: number;
  vlanFiltering?: boolean;
  mcastSnooping?: boolean;
}

/** VXLAN options (IFLA_VXLAN_*): what flannel's vxlan backend and `ip link add … type vxlan` set. */
export interface VxlanInfo {
  /** The VNI. */
  id: number;
  /** Underlay device index (`dev`). */
  link?: number;
  /** Source address (IPv4 or IPv6 text). */
  local?: string;
  /** Multicast group or unicast remote (IPv4 or IPv6 text). */
  group?: string;
  /** UDP destination port (`dstport`). */
  port?: number;
  /** UDP source port range (`srcport low high`). */
  portRange?: { low: number; high: number };
  ttl?: number;
  tos?: number;
  learning?: boolean;
  proxy?: boolean;
  l2miss?: boolean;
  l3miss?: boolean;
  ageing?: number;
  limit?: number;
  /** Group Based Policy extension (a flag: present = on). */
  gbp?: boolean;
  udpCsum?: boolean;
  udpZeroCsum6Tx?: boolean;
  udpZeroCsum6Rx?: boolean;
}

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';
export interface MacvlanInfo {
  mode?: MacvlanMode;
  flags?: number;
}

export interface VlanInfo {
  id: number;
  protocol?: '802.1Q' | '802.1ad';
  flags?: { flags: number; mask: number };
}

export type IpvlanMode = 'l2' | 'l3' | 'l3s';
export interface IpvlanInfo {
  mode?: IpvlanMode;
  flags?: number;
}

export interface GeneveInfo {
  id: number;
  remote?: string;
  ttl?: number;
  tos?: number;
  port?: number;
  label?: number;
  udpCsum?: boolean;
}

/** The other end of a veth pair: its own name, and optionally its own namespace, MTU and address. */
export interface VethPeer {
  name: string;
  address?: string;
  mtu?: number;
  /** Put the peer in this namespace (an fd of /var/run/netns/x or /proc/pid/ns/net, or a pid). */
  netns?: { fd: number } | { pid: number };
}

const MACVLAN_MODES: Record<MacvlanMode, number> = {
  private: 1,
  vepa: 2,
  bridge: 4,
  passthru: 8,
  source: 16,
};
const IPVLAN_MODES: Record<IpvlanMode, number> = { l2: 0, l3: 1, l3s: 2 };

function nameOf<T extends string>(table: Record<T, number>, value: number): T | undefined {
  for (const k of Object.keys(table) as T[]) if (table[k] === value) return k;
  return undefined;
}

export function writeBridgeInfo(b: MessageBuilder, i: BridgeInfo): void {
  if (i.forwardDelay !== undefined) b.u32(C.IFLA_BR_FORWARD_DELAY, i.forwardDelay);
  if (i.helloTime !== undefined) b.u32(C.IFLA_BR_HELLO_TIME, i.helloTime);
  if (i.maxAge !== undefined) b.u32(C.IFLA_BR_MAX_AGE, i.maxAge);
  if (i.ageingTime !== undefined) b.u32(C.IFLA_BR_AGEING_TIME, i.ageingTime);
  if (i.stpState !== undefined) b.u32(C.IFLA_BR_STP_STATE, i.stpState);
  if (i.priority !== undefined) b.u16(C.IFLA_BR_PRIORITY, i.priority);
  if (i.vlanFiltering !== undefined) b.u8(C.IFLA_BR_VLAN_FILTERING, i.vlanFiltering ? 1 : 0);
  if (i.mcastSnooping !== undefined) b.u8(C.IFLA_BR_MCAST_SNOOPING, i.mcastSnooping ? 1 : 0);
}

export function readBridgeInfo(c: AttributeCursor): BridgeInfo {
  const i: BridgeInfo = {};
  while (c.next()) {
    switch (c.type) {
      case C.IFLA_BR_FORWARD_DELAY:
        i.forwardDelay = c.u32();
        break;
      case C.IFLA_BR_HELLO_TIME:
        i.helloTime = c.u32();
        break;
      case C.IFLA_BR_MAX_AGE:
        i.maxAge = c.u32();
        break;
      case C.IFLA_BR_AGEING_TIME:
        i.ageingTime = c.u32();
        break;
      case C.IFLA_BR_STP_STATE:
        i.stpState = c.u32();
        break;
      case C.IFLA_BR_PRIORITY:
        i.priority = c.u16();
        break;
      case C.IFLA_BR_VLAN_FILTERING:
        i.vlanFiltering = c.u8() !== 0;
        break;
      case C.IFLA_BR_MCAST_SNOOPING:
        i.mcastSnooping = c.u8() !== 0;
        break;
    }
  }
  return i;
}

function checkRange(field: string, v: number | undefined, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > max)) {
    throw new RangeError(`${field} out of range (0..${max}): ${v}`);
  }
}

export function writeVxlanInfo(b: MessageBuilder, i: VxlanInfo): void {
  checkRange('vxlan.id', i.id, 0xffffff);
  checkRange('vxlan.port', i.port, 0xffff);
  checkRange('vxlan.ttl', i.ttl, 255);
  checkRange('vxlan.tos', i.tos, 255);
  b.u32(C.IFLA_VXLAN_ID, i.id);
  if (i.link !== undefined) b.u32(C.IFLA_VXLAN_LINK, i.link);
  if (i.local !== undefined) {
    const a = ipBytes(i.local);
    b.bytes(a.family === AF_INET ? C.IFLA_VXLAN_LOCAL : C.IFLA_VXLAN_LOCAL6, a.bytes);
  }
  if (i.group !== undefined) {
    const a = ipBytes(i.group);
    b.bytes(a.family === AF_INET ? C.IFLA_VXLAN_GROUP : C.IFLA_VXLAN_GROUP6, a.bytes);
  }
  if (i.ttl !== undefined) b.u8(C.IFLA_VXLAN_TTL, i.ttl);
  if (i.tos !== undefined) b.u8(C.IFLA_VXLAN_TOS, i.tos);
  if (i.learning !== undefined) b.u8(C.IFLA_VXLAN_LEARNING, i.learning ? 1 : 0);
  if (i.proxy !== undefined) b.u8(C.IFLA_VXLAN_PROXY, i.proxy ? 1 : 0);
  if (i.l2miss !== undefined) b.u8(C.IFLA_VXLAN_L2MISS, i.l2miss ? 1 : 0);
  if (i.l3miss !== undefined) b.u8(C.IFLA_VXLAN_L3MISS, i.l3miss ? 1 : 0);
  if (i.ageing !== undefined) b.u32(C.IFLA_VXLAN_AGEING, i.ageing);
  if (i.limit !== undefined) b.u32(C.IFLA_VXLAN_LIMIT, i.limit);
  if (i.portRange !== undefined) {
    const at = b.attrSpace(C.IFLA_VXLAN_PORT_RANGE, 4);
    b.buf[at] = i.portRange.low >>> 8;
    b.buf[at + 1] = i.portRange.low;
    b.buf[at + 2] = i.portRange.high >>> 8;
    b.buf[at + 3] = i.portRange.high;
  }
  if (i.port !== undefined) b.be16(C.IFLA_VXLAN_PORT, i.port);
  if (i.udpCsum !== undefined) b.u8(C.IFLA_VXLAN_UDP_CSUM, i.udpCsum ? 1 : 0);
  if (i.udpZeroCsum6Tx !== undefined) b.u8(C.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, i.udpZeroCsum6Tx ? 1 : 0);
  if (i.udpZeroCsum6Rx !== undefined) b.u8(C.IFLA_VXLAN_UDP_ZERO_CSUM6_RX, i.udpZeroCsum6Rx ? 1 : 0);
  if (i.gbp) b.flag(C.IFLA_VXLAN_GBP);
}

export function readVxlanInfo(c: AttributeCursor): VxlanInfo {
  const i: VxlanInfo = { id: 0 };
  while (c.next()) {
    switch (c.type) {
      case C.IFLA_VXLAN_ID:
        i.id = c.u32();
        break;
      case C.IFLA_VXLAN_LINK:
        i.link = c.u32();
        break;
      case C.IFLA_VXLAN_LOCAL:
      case C.IFLA_VXLAN_LOCAL6:
        i.local = formatAddress(c.buf, c.valueStart, c.valueEnd);
        break;
      case C.IFLA_VXLAN_GROUP:
      case C.IFLA_VXLAN_GROUP6:
        i.group = formatAddress(c.buf, c.valueStart, c.valueEnd);
        break;
      case C.IFLA_VXLAN_TTL:
        i.ttl = c.u8();
        break;
      case C.IFLA_VXLAN_TOS:
        i.tos = c.u8();
        break;
      case C.IFLA_VXLAN_LEARNING:
        i.learning = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_PROXY:
        i.proxy = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_L2MISS:
        i.l2miss = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_L3MISS:
        i.l3miss = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_AGEING:
        i.ageing = c.u32();
        break;
      case C.IFLA_VXLAN_LIMIT:
        i.limit = c.u32();
        break;
      case C.IFLA_VXLAN_PORT_RANGE:
        if (c.length >= 4)
          i.portRange = { low: readU16(c.buf, c.valueStart), high: readU16(c.buf, c.valueStart + 2) };
        break;
      case C.IFLA_VXLAN_PORT:
        i.port = c.be16();
        break;
      case C.IFLA_VXLAN_UDP_CSUM:
        i.udpCsum = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_UDP_ZERO_CSUM6_TX:
        i.udpZeroCsum6Tx = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_UDP_ZERO_CSUM6_RX:
        i.udpZeroCsum6Rx = c.u8() !== 0;
        break;
      case C.IFLA_VXLAN_GBP:
        i.gbp = true;
        break;
    }
  }
  return i;
}

export function writeMacvlanInfo(b: MessageBuilder, i: MacvlanInfo): void {
  if (i.mode !== undefined) b.u32(C.IFLA_MACVLAN_MODE, MACVLAN_MODES[i.mode]);
  if (i.flags !== undefined) b.u16(C.IFLA_MACVLAN_FLAGS, i.flags);
}

export function readMacvlanInfo(c: AttributeCursor): MacvlanInfo {
  const i: MacvlanInfo = {};
  while (c.next()) {
    if (c.type === C.IFLA_MACVLAN_MODE) i.mode = nameOf(MACVLAN_MODES, c.u32());
    else if (c.type === C.IFLA_MACVLAN_FLAGS) i.flags = c.u16();
  }
  return i;
}

/** In iproute2's order (protocol, id, flags), so the request bytes are the same as `ip link add … type vlan`. */
export function writeVlanInfo(b: MessageBuilder, i: VlanInfo): void {
  checkRange('vlan.id', i.id, 4095);
  if (i.protocol !== undefined) b.be16(C.IFLA_VLAN_PROTOCOL, i.protocol === '802.1ad' ? 0x88a8 : 0x8100);
  b.u16(C.IFLA_VLAN_ID, i.id);
  if (i.flags !== undefined) {
    const at = b.attrSpace(C.IFLA_VLAN_FLAGS, 8);
    b.u32At(at, i.flags.flags);
    b.u32At(at + 4, i.flags.mask);
  }
}

export function readVlanInfo(c: AttributeCursor): VlanInfo {
  const i: VlanInfo = { id: 0 };
  while (c.next()) {
    if (c.type === C.IFLA_VLAN_ID) i.id = c.u16();
    else if (c.type === C.IFLA_VLAN_PROTOCOL) i.protocol = c.be16() === 0x88a8 ? '802.1ad' : '802.1Q';
  }
  return i;
}

/** As iproute2: mode (default l3 is not assumed: l2 = 0) and flags always. */
export function writeIpvlanInfo(b: MessageBuilder, i: IpvlanInfo): void {
  b.u16(C.IFLA_IPVLAN_MODE, IPVLAN_MODES[i.mode ?? 'l2']);
  b.u16(C.IFLA_IPVLAN_FLAGS, i.flags ?? 0);
}

export function readIpvlanInfo(c: AttributeCursor): IpvlanInfo {
  const i: IpvlanInfo = {};
  while (c.next()) {
    if (c.type === C.IFLA_IPVLAN_MODE) i.mode = nameOf(IPVLAN_MODES, c.u16());
    else if (c.type === C.IFLA_IPVLAN_FLAGS) i.flags = c.u16();
  }
  return i;
}

/** In iproute2's order: id, remote, label (always), ttl, tos, port, udp checksum. */
export function writeGeneveInfo(b: MessageBuilder, i: GeneveInfo): void {
  checkRange('geneve.id', i.id, 0xffffff);
  b.u32(C.IFLA_GENEVE_ID, i.id);
  if (i.remote !== undefined) {
    const a = ipBytes(i.remote);
    b.bytes(a.family === AF_INET ? C.IFLA_GENEVE_REMOTE : C.IFLA_GENEVE_REMOTE6, a.bytes);
  }
  b.be32(C.IFLA_GENEVE_LABEL, i.label ?? 0);
  if (i.ttl !== undefined) b.u8(C.IFLA_GENEVE_TTL, i.ttl);
  if (i.tos !== undefined) b.u8(C.IFLA_GENEVE_TOS, i.tos);
  if (i.port !== undefined) b.be16(C.IFLA_GENEVE_PORT, i.port);
  if (i.udpCsum !== undefined) b.u8(C.IFLA_GENEVE_UDP_CSUM, i.udpCsum ? 1 : 0);
}

export function readGeneveInfo(c: AttributeCursor): GeneveInfo {
  const i: GeneveInfo = { id: 0 };
  while (c.next()) {
    switch (c.type) {
      case C.IFLA_GENEVE_ID:
        i.id = c.u32();
        break;
      case C.IFLA_GENEVE_REMOTE:
      case C.IFLA_GENEVE_REMOTE6:
        i.remote = formatAddress(c.buf, c.valueStart, c.valueEnd);
        break;
      case C.IFLA_GENEVE_TTL:
        i.ttl = c.u8();
        break;
      case C.IFLA_GENEVE_TOS:
        i.tos = c.u8();
        break;
      case C.IFLA_GENEVE_PORT:
        i.port = c.be16();
        break;
      case C.IFLA_GENEVE_LABEL:
        i.label = c.be32();
        break;
      case C.IFLA_GENEVE_UDP_CSUM:
        i.udpCsum = c.u8() !== 0;
        break;
    }
  }
  return i;
}
