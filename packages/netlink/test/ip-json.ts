/**
 * How `ip -j` (iproute2 6.1) prints what our decoders return: each function maps one of our
 * objects to the fields `ip -j` shows for it, so a test can compare them one by one.
 */
import type { Address, Link, Neighbour, Route, Rule } from '../src/index.js';

type Json = Record<string, unknown>;

const FLAG_NAMES: [number, string][] = [
  [0x1, 'UP'],
  [0x2, 'BROADCAST'],
  [0x8, 'LOOPBACK'],
  [0x10, 'POINTOPOINT'],
  [0x80, 'NOARP'],
  [0x100, 'PROMISC'],
  [0x1000, 'MULTICAST'],
  [0x10000, 'LOWER_UP'],
];

export const LINK_FLAG_NAMES = FLAG_NAMES.map(([, n]) => n);

export function linkFlagNames(flags: number): string[] {
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);
}

const SCOPES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };
const TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
const PROTOCOLS: Record<number, string> = { 2: 'kernel', 3: 'boot', 4: 'static' };
const ROUTE_TYPES: Record<number, string> = {
  1: 'unicast',
  2: 'local',
  3: 'broadcast',
  4: 'anycast',
  5: 'multicast',
  6: 'blackhole',
  7: 'unreachable',
  8: 'prohibit',
};
const NUD_NAMES: [number, string][] = [
  [0x01, 'INCOMPLETE'],
  [0x02, 'REACHABLE'],
  [0x04, 'STALE'],
  [0x08, 'DELAY'],
  [0x10, 'PROBE'],
  [0x20, 'FAILED'],
  [0x40, 'NOARP'],
  [0x80, 'PERMANENT'],
];

export function tableName(t: number): string {
  return TABLES[t] ?? String(t);
}

/** The `ip -j -d link` fields of a link; `names` maps indexes to names for master/link. */
export function linkAsIp(l: Link, names: Map<number, string>): Json {
  const j: Json = {
    ifindex: l.index,
    ifname: l.name,
    mtu: l.mtu,
    operstate: l.operstate,
    txqlen: l.txqlen,
    address: l.address,
    broadcast: l.broadcast,
    promiscuity: l.promiscuity,
    min_mtu: l.minMtu,
    max_mtu: l.maxMtu,
    num_tx_queues: l.numTxQueues,
    num_rx_queues: l.numRxQueues,
    qdisc: l.qdisc,
  };
  if (l.master !== undefined) j.master = names.get(l.master);
  if (l.link !== undefined && l.link !== l.index && l.linkNetnsId === undefined) j.link = names.get(l.link);
  if (l.alias !== undefined) j.ifalias = l.alias;
  if (l.kind !== undefined) j.info_kind = l.kind;
  if (l.slaveKind !== undefined) j.info_slave_kind = l.slaveKind;
  if (l.vxlan) {
    const v = l.vxlan;
    Object.assign(j, {
      'vxlan.id': v.id,
      'vxlan.local': v.local,
      'vxlan.link': v.link !== undefined ? names.get(v.link) : undefined,
      'vxlan.port': v.port,
      'vxlan.learning': v.learning,
      'vxlan.proxy': v.proxy,
      'vxlan.l2miss': v.l2miss,
      'vxlan.l3miss': v.l3miss,
      'vxlan.ttl': v.ttl,
      'vxlan.ageing': v.ageing,
      'vxlan.udp_csum': v.udpCsum,
      'vxlan.udp_zero_csum6_tx': v.udpZeroCsum6Tx,
      'vxlan.udp_zero_csum6_rx': v.udpZeroCsum6Rx,
      'vxlan.gbp': v.gbp ?? false,
      'vxlan.port_range': v.portRange,
      'vxlan.remote': v.group,
    });
  }
  if (l.bridge) {
    const b = l.bridge;
    Object.assign(j, {
      'bridge.forward_delay': b.forwardDelay,
      'bridge.hello_time': b.helloTime,
      'bridge.max_age': b.maxAge,
      'bridge.ageing_time': b.ageingTime,
      'bridge.stp_state': b.stpState,
      'bridge.priority': b.priority,
      'bridge.vlan_filtering': b.vlanFiltering === undefined ? undefined : Number(b.vlanFiltering),
      'bridge.mcast_snooping': b.mcastSnooping === undefined ? undefined : Number(b.mcastSnooping),
    });
  }
  if (l.macvlan) j['macvlan.mode'] = l.macvlan.mode;
  return j;
}

/** The same fields read from one `ip -j -d link` entry (flattened kind data; ttl 0 printed as absent). */
export function ipLinkFields(e: Json): Json {
  const info = (e.linkinfo ?? {}) as Json;
  const data = (info.info_data ?? {}) as Json;
  const j: Json = {
    ifindex: e.ifindex,
    ifname: e.ifname,
    mtu: e.mtu,
    operstate: e.operstate,
    txqlen: e.txqlen,
    address: e.address,
    broadcast: e.broadcast,
    promiscuity: e.promiscuity,
    min_mtu: e.min_mtu,
    max_mtu: e.max_mtu,
    num_tx_queues: e.num_tx_queues,
    num_rx_queues: e.num_rx_queues,
    qdisc: e.qdisc,
  };
  if (e.master !== undefined) j.master = e.master;
  if (e.link !== undefined) j.link = e.link;
  if (e.ifalias !== undefined) j.ifalias = e.ifalias;
  if (info.info_kind !== undefined) j.info_kind = info.info_kind;
  if (info.info_slave_kind !== undefined) j.info_slave_kind = info.info_slave_kind;
  if (info.info_kind === 'vxlan') {
    for (const k of [
      'id',
      'local',
      'link',
      'port',
      'learning',
      'proxy',
      'l2miss',
      'l3miss',
      'ttl',
      'ageing',
      'udp_csum',
      'udp_zero_csum6_tx',
      'udp_zero_csum6_rx',
      'port_range',
      'remote',
    ]) {
      j[`vxlan.${k}`] = data[k];
    }
    for (const k of ['local6', 'remote6', 'group', 'group6']) {
      if (data[k] !== undefined) j[k === 'local6' ? 'vxlan.local' : 'vxlan.remote'] = data[k];
    }
    j['vxlan.gbp'] = data.gbp ?? false;
    // iproute2 prints ttl only when set and l2miss/l3miss/proxy only when true.
    if (data.ttl === undefined) j['vxlan.ttl'] = 0;
    for (const k of ['proxy', 'l2miss', 'l3miss']) if (data[k] === undefined) j[`vxlan.${k}`] = false;
  }
  if (info.info_kind === 'bridge') {
    for (const k of [
      'forward_delay',
      'hello_time',
      'max_age',
      'ageing_time',
      'stp_state',
      'priority',
      'vlan_filtering',
      'mcast_snooping',
    ]) {
      j[`bridge.${k}`] = data[k];
    }
  }
  if (info.info_kind === 'macvlan') j['macvlan.mode'] = data.mode;
  return j;
}

export function addressAsIp(a: Address): Json {
  const j: Json = {
    family: a.family === 2 ? 'inet' : 'inet6',
    local: a.local ?? a.address,
    prefixlen: a.prefixLength,
    scope: SCOPES[a.scope] ?? String(a.scope),
    valid_life_time: a.validLifetime,
    preferred_life_time: a.preferredLifetime,
  };
  if (a.broadcast !== undefined) j.broadcast = a.broadcast;
  if (a.label !== undefined) j.label = a.label;
  if (a.local !== undefined && a.address !== undefined && a.address !== a.local) j.address = a.address;
  return j;
}

export function ipAddressFields(e: Json): Json {
  const j: Json = {};
  for (const k of [
    'family',
    'local',
    'prefixlen',
    'scope',
    'valid_life_time',
    'preferred_life_time',
    'broadcast',
    'label',
    'address',
  ]) {
    if (e[k] !== undefined) j[k] = e[k];
  }
  return j;
}

function ipDst(dst: string | undefined, family: number): string {
  if (dst === undefined) return 'default';
  const full = family === 2 ? '/32' : '/128';
  return dst.endsWith(full) ? dst.slice(0, -full.length) : dst;
}

export function routeAsIp(r: Route, names: Map<number, string>): Json {
  const j: Json = {
    type: ROUTE_TYPES[r.type] ?? String(r.type),
    dst: ipDst(r.dst, r.family),
    table: tableName(r.table),
    protocol: PROTOCOLS[r.protocol] ?? String(r.protocol),
    scope: SCOPES[r.scope] ?? String(r.scope),
  };
  if (r.gateway !== undefined) j.gateway = r.gateway;
  if (r.oif !== undefined) j.dev = names.get(r.oif);
  if (r.priority !== undefined) j.metric = r.priority;
  if (r.prefsrc !== undefined) j.prefsrc = r.prefsrc;
  if (r.metrics) j.metrics = [r.metrics];
  if (r.flags & 4) j.onlink = true;
  if (r.multipath) {
    j.nexthops = r.multipath.map((h) => ({
      gateway: h.gateway,
      dev: names.get(h.oif ?? 0),
      weight: h.weight,
    }));
  }
  return j;
}

export function ipRouteFields(e: Json): Json {
  const j: Json = {};
  for (const k of [
    'type',
    'dst',
    'table',
    'protocol',
    'scope',
    'gateway',
    'dev',
    'metric',
    'prefsrc',
    'metrics',
  ]) {
    if (e[k] !== undefined) j[k] = e[k];
  }
  if ((e.flags as string[] | undefined)?.includes('onlink')) j.onlink = true;
  if (e.nexthops) {
    j.nexthops = (e.nexthops as Json[]).map((h) => ({ gateway: h.gateway, dev: h.dev, weight: h.weight }));
  }
  return j;
}

/** `ip neigh show` leaves out NOARP and NONE entries unless asked. */
export function shownByIpNeigh(n: Neighbour): boolean {
  return n.dst !== undefined && n.state !== 0 && (n.state & 0x40) === 0;
}

export function neighbourAsIp(n: Neighbour, names: Map<number, string>): Json {
  const j: Json = {
    dst: n.dst,
    dev: names.get(n.index),
    state: NUD_NAMES.filter(([b]) => n.state & b).map(([, s]) => s),
  };
  if (n.lladdr !== undefined) j.lladdr = n.lladdr;
  return j;
}

export function ipNeighbourFields(e: Json): Json {
  const j: Json = { dst: e.dst, dev: e.dev, state: e.state };
  if (e.lladdr !== undefined) j.lladdr = e.lladdr;
  return j;
}

/** `bridge -j fdb show dev X` fields (dev omitted by bridge when filtered by dev). */
export function fdbAsBridge(n: Neighbour, deviceVni?: number): Json {
  const j: Json = { mac: n.lladdr, state: n.state & 0x80 ? 'permanent' : n.state & 0x40 ? 'static' : '' };
  if (n.dst !== undefined) j.dst = n.dst;
  if (n.port !== undefined) j.port = n.port;
  if (n.vni !== undefined && n.vni !== deviceVni) j.vni = n.vni;
  const flags: string[] = [];
  if (n.flags & 2) flags.push('self');
  if (n.flags & 4) flags.push('master');
  j.flags = flags;
  return j;
}

export function bridgeFdbFields(e: Json): Json {
  const j: Json = { mac: e.mac, state: e.state, flags: e.flags };
  for (const k of ['dst', 'port', 'vni']) if (e[k] !== undefined) j[k] = e[k];
  return j;
}

export function ruleAsIp(r: Rule): Json {
  const j: Json = { priority: r.priority ?? 0, table: tableName(r.table) };
  if (r.src !== undefined) {
    const [a, len] = r.src.split('/');
    j.src = a;
    if (Number(len) !== (r.family === 2 ? 32 : 128)) j.srclen = Number(len);
  } else j.src = 'all';
  if (r.dst !== undefined) {
    const [a, len] = r.dst.split('/');
    j.dst = a;
    if (Number(len) !== (r.family === 2 ? 32 : 128)) j.dstlen = Number(len);
  }
  if (r.iifname !== undefined) j.iif = r.iifname;
  if (r.oifname !== undefined) j.oif = r.oifname;
  if (r.fwmark !== undefined) j.fwmark = `0x${r.fwmark.toString(16)}`;
  return j;
}

export function ipRuleFields(e: Json): Json {
  const j: Json = {};
  for (const k of ['priority', 'table', 'src', 'srclen', 'dst', 'dstlen', 'iif', 'oif', 'fwmark']) {
    if (e[k] !== undefined) j[k] = e[k];
  }
  return j;
}

/** Counts every value compared, so a test can say how many it checked. */
export class Agreement {
  compared = 0;
  readonly mismatches: string[] = [];

  /** The mismatches so far, cleared. */
  take(): string[] {
    return this.mismatches.splice(0);
  }

  compare(what: string, ours: Json, theirs: Json): void {
    const keys = new Set([...Object.keys(ours), ...Object.keys(theirs)]);
    for (const k of keys) {
      if (ours[k] === undefined && theirs[k] === undefined) continue;
      this.compared++;
      const a = JSON.stringify(ours[k]);
      const b = JSON.stringify(theirs[k]);
      if (a !== b) this.mismatches.push(`${what}.${k}: ours ${a}, ip ${b}`);
    }
  }
}
