import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import type { MessageBuilder } from './builder.js';
import { readHostU16, readHostU32 } from './host-order.js';
import { formatAddress, ipBytes, macBytes } from './ip-text.js';
import type { NetlinkMessage } from './message.js';
import { AF_BRIDGE } from './netlink-constants.js';
import * as C from './rtnetlink-constants.js';

/** NUD_* states by name. */
export const NUD = {
  INCOMPLETE: 0x01,
  REACHABLE: 0x02,
  STALE: 0x04,
  DELAY: 0x08,
  PROBE: 0x10,
  FAILED: 0x20,
  NOARP: 0x40,
  PERMANENT: 0x80,
} as const;

/** A neighbour (ARP/NDP) entry or, with family AF_BRIDGE, a bridge/VXLAN FDB entry (RTM_NEWNEIGH). */
export interface Neighbour {
  family: number;
  index: number;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits (NTF_SELF 2, NTF_MASTER 4, NTF_PROXY 8, NTF_EXT_LEARNED 16). */
  flags: number;
  type: number;
  /** NDA_DST: the IP address (neighbours) or the remote VTEP (VXLAN FDB). */
  dst?: string;
  /** NDA_LLADDR: the MAC address. */
  lladdr?: string;
  vlan?: number;
  port?: number;
  vni?: number;
  /** NDA_IFINDEX: the outgoing device of a VXLAN FDB entry. */
  ifindex?: number;
  master?: number;
  probes?: number;
}

/** What `neighbours.*` and `fdb.*` send. */
export interface NeighbourSpec {
  index: number;
  /** AF_INET/AF_INET6 from `dst` unless given; AF_BRIDGE (7) for FDB entries. */
  family?: number;
  dst?: string;
  lladdr?: string;
  /** NUD_PERMANENT unless told. */
  state?: number;
  flags?: number;
  /** RTN_UNICAST (1) as flannel sets for its ARP entries, else 0. */
  type?: number;
  vlan?: number;
  port?: number;
  vni?: number;
  ifindex?: number;
  master?: number;
}

export const NDMSG_LEN = 12;

export function writeNeighbourRequest(b: MessageBuilder, n: NeighbourSpec): void {
  const dst = n.dst !== undefined ? ipBytes(n.dst) : undefined;
  const at = b.reserve(NDMSG_LEN);
  b.u8At(at, n.family ?? dst?.family ?? AF_BRIDGE);
  b.u32At(at + 4, n.index);
  b.u16At(at + 8, n.state ?? NUD.PERMANENT);
  b.u8At(at + 10, n.flags ?? 0);
  b.u8At(at + 11, n.type ?? 0);
  if (dst) b.bytes(C.NDA_DST, dst.bytes);
  if (n.lladdr !== undefined) b.bytes(C.NDA_LLADDR, macBytes(n.lladdr));
  if (n.vlan !== undefined) b.u16(C.NDA_VLAN, n.vlan);
  if (n.port !== undefined) b.be16(C.NDA_PORT, n.port);
  if (n.vni !== undefined) b.u32(C.NDA_VNI, n.vni);
  if (n.ifindex !== undefined) b.u32(C.NDA_IFINDEX, n.ifindex);
  if (n.master !== undefined) b.u32(C.NDA_MASTER, n.master);
}

export function decodeNeighbour(m: NetlinkMessage): Neighbour {
  const p = m.payloadStart;
  if (m.end - p < NDMSG_LEN) throw new DecodeError('truncated', 'rtnetlink.neigh', p, 'ndmsg needs 12 bytes');
  const b = m.buf;
  const n: Neighbour = {
    family: b[p],
    index: readHostU32(b, p + 4),
    state: readHostU16(b, p + 8),
    flags: b[p + 10],
    type: b[p + 11],
  };
  const c = new AttributeCursor(b, p + NDMSG_LEN, m.end, 'rtnetlink.neigh');
  while (c.next()) {
    switch (c.type) {
      case C.NDA_DST:
        n.dst = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.NDA_LLADDR:
        n.lladdr = formatAddress(b, c.valueStart, c.valueEnd);
        break;
      case C.NDA_VLAN:
        n.vlan = c.u16();
        break;
      case C.NDA_PORT:
        n.port = c.be16();
        break;
      case C.NDA_VNI:
        n.vni = c.u32();
        break;
      case C.NDA_IFINDEX:
        n.ifindex = c.u32();
        break;
      case C.NDA_MASTER:
        n.master = c.u32();
        break;
      case C.NDA_PROBES:
        n.probes = c.u32();
        break;
    }
  }
  return n;
}
