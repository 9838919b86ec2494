import {
  BgpFramer,
  type BgpSession,
  decodeMessage,
  type ExtendedCommunity,
  formatCommunity,
  formatRouteDistinguisher,
  type LargeCommunity,
  type Nlri,
  negotiateSession,
  type OpenMessage,
  type PathAttribute,
} from '@cnikit/bgp';
import {
  formatIpv4,
  formatIpv6,
  formatMac,
  formatPrefix,
  maskIpv4,
  maskIpv6,
  readU16,
  readU32,
} from '@cnikit/wire';
import type { CapturedPacket } from '../../../../test/support/capture-reader.js';

/*
 * The BGP byte stream of each TCP connection of a capture (per direction, in sequence order,
 * retransmitted bytes dropped), cut into messages by our framer; UPDATEs replayed into the table
 * of routes the receiver holds from the sender; and the same table as each daemon prints it.
 */

/** One direction of one TCP connection. */
export interface TcpFlow {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  /** Each message with the 0-based index of the packet that completed it. */
  readonly messages: { readonly bytes: Uint8Array; readonly packet: number }[];
  /** Packets whose payload the framer received (retransmissions of earlier bytes left out). */
  segments: number;
  /** Packets whose new bytes begin inside a message an earlier packet began. */
  readonly continued: number[];
  /** Packets that carried only bytes already seen (retransmissions). */
  readonly repeated: number[];
}

interface Endpoints {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  syn: boolean;
  fin: boolean;
  payload: Uint8Array;
}

/** Ethernet, IPv4 or IPv6 (no extension headers), TCP: what tcpdump records on these veths. */
function tcpOf(data: Uint8Array): Endpoints | undefined {
  const etherType = readU16(data, 12);
  let at = 14;
  let src: string;
  let dst: string;
  let end: number;
  if (etherType === 0x0800) {
    if (data[at + 9] !== 6) return undefined;
    src = formatIpv4(readU32(data, at + 12));
    dst = formatIpv4(readU32(data, at + 16));
    end = at + readU16(data, at + 2);
    at += (data[at] & 15) * 4;
  } else if (etherType === 0x86dd) {
    if (data[at + 6] !== 6) return undefined;
    src = formatIpv6(data, at + 8);
    dst = formatIpv6(data, at + 24);
    end = at + 40 + readU16(data, at + 4);
    at += 40;
  } else {
    return undefined;
  }
  const flags = data[at + 13];
  return {
    src,
    dst,
    sport: readU16(data, at),
    dport: readU16(data, at + 2),
    seq: readU32(data, at + 4),
    syn: (flags & 2) !== 0,
    fin: (flags & 1) !== 0,
    payload: data.subarray(at + (data[at + 12] >> 4) * 4, end),
  };
}

/** The flows of a capture, in the order their first packet appears. */
export function tcpFlows(packets: readonly CapturedPacket[]): TcpFlow[] {
  const flows = new Map<string, TcpFlow & { next: number | undefined; framer: BgpFramer }>();
  for (const p of packets) {
    const t = tcpOf(p.data);
    if (!t) continue;
    const key = `${t.src}|${t.sport}|${t.dst}|${t.dport}`;
    let flow = flows.get(key);
    if (!flow || (t.syn && flow.next !== undefined && flow.messages.length > 0)) {
      flow = {
        src: t.src,
        dst: t.dst,
        sport: t.sport,
        dport: t.dport,
        messages: [],
        segments: 0,
        continued: [],
        repeated: [],
        next: undefined,
        framer: new BgpFramer({ extendedMessage: true }),
      };
      flows.set(key, flow);
    }
    if (t.syn) {
      flow.next = (t.seq + 1) >>> 0;
      continue;
    }
    if (t.payload.length === 0) continue;
    if (flow.next === undefined) throw new Error(`${key}: data before the SYN`);
    const skip = (flow.next - t.seq) | 0;
    if (skip < 0) throw new Error(`${key}: ${-skip} bytes missing before packet ${p.index + 1}`);
    if (skip >= t.payload.length) {
      flow.repeated.push(p.index);
      continue;
    }
    const fresh = t.payload.subarray(skip);
    flow.next = (flow.next + fresh.length) >>> 0;
    flow.segments++;
    if (flow.framer.buffered > 0) flow.continued.push(p.index);
    const messages = flow.framer.push(fresh);
    for (const m of messages) flow.messages.push({ bytes: m.slice(), packet: p.index });
  }
  return [...flows.values()].map(({ next: _n, framer: _f, ...flow }) => flow);
}

/** What a receiver can tell of a route; `null` where the UPDATE did not carry it. */
export interface RouteFacts {
  origin: number;
  asPath: string;
  nextHop: string;
  med: number | null;
  localPref: number | null;
  communities: string;
  largeCommunities: string;
  extendedCommunities: string;
  /** PMSI tunnel type and the 3-octet label field (with VXLAN the VNI), EVPN type 3. */
  pmsi: string;
  /** EVPN type 2 label field (RFC 8365: the VNI). */
  vni: number | null;
  /** ADD-PATH path identifier, 0 without. */
  pathId: number;
}

export type RouteTable = Map<string, RouteFacts>;

export function asPathText(segments: readonly { type: number; asns: readonly number[] }[]): string {
  return segments
    .map((s) => (s.type === 1 || s.type === 4 ? `{${s.asns.join(',')}}` : s.asns.join(' ')))
    .filter((s) => s !== '')
    .join(' ');
}

export const largeText = (l: LargeCommunity) => `${l.global}:${l.local1}:${l.local2}`;
const sorted = (list: readonly string[]) => [...list].sort().join(' ');

/** FRR's spelling of route targets and the encapsulation community: `RT:65002:100 ET:8`. */
export function extendedText(list: readonly ExtendedCommunity[]): string {
  return list
    .map((c) => {
      if (c.kind === 'route-target')
        return `RT:${c.type === 1 || c.type === 0x41 ? formatIpv4(c.global) : c.global}:${c.local}`;
      if (c.kind === 'encapsulation') return `ET:${c.tunnelType}`;
      return `${c.kind}`;
    })
    .join(' ');
}

function nextHopText(nh: Uint8Array): string {
  if (nh.length === 4) return formatIpv4(readU32(nh, 0));
  return formatIpv6(nh, 0);
}

/** The key of an NLRI: `ipv4 10.0.0.0/24`, `ipv6 fd00::/48`, `evpn 65002:100 [2]:[0]:[02:..]:[10.2.0.2]`. */
export function nlriKey(afi: number, n: Nlri): string {
  if (n.kind === 'prefix') {
    const p = n.prefix;
    const text =
      p.family === 4
        ? formatPrefix({ family: 4, address: maskIpv4(p.address, p.length), length: p.length })
        : formatPrefix({ family: 6, address: maskIpv6(p.address, p.length), length: p.length });
    return `${afi === 1 ? 'ipv4' : 'ipv6'} ${text}`;
  }
  if (n.kind === 'evpn') return evpnKey(n.route);
  return `raw ${Array.from(n.bytes).join(',')}`;
}

function ipText(ip: Uint8Array): string {
  return ip.length === 4 ? formatIpv4(readU32(ip, 0)) : ip.length === 16 ? formatIpv6(ip, 0) : '';
}

function evpnKey(r: Extract<Nlri, { kind: 'evpn' }>['route']): string {
  if (!('rd' in r)) return `evpn type ${r.routeType}`;
  const rd = formatRouteDistinguisher(r.rd);
  if (r.routeType === 2 && 'mac' in r)
    return `evpn ${rd} [2]:[${r.ethernetTag}]:[${formatMac(r.mac)}]:[${ipText(r.ip)}]`;
  if (r.routeType === 3 && 'originatorIp' in r)
    return `evpn ${rd} [3]:[${r.ethernetTag}]:[${ipText(r.originatorIp)}]`;
  return `evpn ${rd} type ${r.routeType}`;
}

export interface Replay {
  /** The receiver's table after the messages of packets before `until`. */
  readonly table: RouteTable;
  /** Messages decoded, by type name. */
  readonly counts: Record<string, number>;
  readonly withdrawn: Set<string>;
}

/** UPDATE messages (type 2) in a flow. */
const updates = (f: TcpFlow) => f.messages.filter((m) => m.bytes[18] === 2).length;

/**
 * The direction `sender` → `receiver` of the connection that carried the session: the one with
 * the most UPDATEs (a connection that lost a collision closes before Established, with none).
 */
export function sessionFlow(flows: readonly TcpFlow[], sender: string, receiver: string): TcpFlow {
  let best: TcpFlow | undefined;
  for (const f of flows)
    if (f.src === sender && f.dst === receiver && (!best || updates(f) > updates(best))) best = f;
  if (!best) throw new Error(`no connection from ${sender} to ${receiver}`);
  return best;
}

/**
 * Replays one session's UPDATEs from `sender` to `receiver` (on the connection sessionFlow picks),
 * decoded with the session both OPENs negotiate, up to (not including) packet index `until`.
 */
export function replay(
  flows: readonly TcpFlow[],
  sender: string,
  receiver: string,
  ibgp: boolean,
  until = Number.POSITIVE_INFINITY,
): Replay {
  const out = sessionFlow(flows, sender, receiver);
  const back = flows.find(
    (f) => f.src === receiver && f.dst === sender && f.sport === out.dport && f.dport === out.sport,
  );
  const open = (f: TcpFlow | undefined) => {
    const m = f?.messages.find((x) => x.bytes[18] === 1);
    return m ? (decodeMessage(m.bytes) as OpenMessage) : undefined;
  };
  const sent = open(out);
  const got = open(back);
  if (!sent || !got) throw new Error(`no OPENs both ways between ${sender} and ${receiver}`);
  const session: BgpSession = negotiateSession(got, sent, ibgp);
  const table: RouteTable = new Map();
  const withdrawn = new Set<string>();
  const counts: Record<string, number> = {};
  for (const { bytes, packet } of out.messages) {
    if (packet >= until) break;
    const m = decodeMessage(bytes, session);
    counts[m.type] = (counts[m.type] ?? 0) + 1;
    if (m.type !== 'update') continue;
    const attrs = m.attributes;
    const facts = factsOf(attrs);
    const drop = (afi: number, list: readonly Nlri[]) => {
      for (const n of list) {
        const key = `${nlriKey(afi, n)}#${pathIdOf(n)}`;
        table.delete(key);
        withdrawn.add(key);
      }
    };
    const add = (afi: number, list: readonly Nlri[], nextHop: string) => {
      for (const n of list) {
        const vni = n.kind === 'evpn' && n.route.routeType === 2 && 'label' in n.route ? n.route.label : null;
        table.set(`${nlriKey(afi, n)}#${pathIdOf(n)}`, { ...facts, nextHop, vni, pathId: pathIdOf(n) });
      }
    };
    drop(1, m.withdrawn);
    const nh = attrs.find((a) => a.kind === 'next-hop');
    add(1, m.nlri, nh?.kind === 'next-hop' ? formatIpv4(nh.nextHop) : '');
    for (const a of attrs) {
      if (a.kind === 'mp-unreach') drop(a.afi, a.withdrawn);
      if (a.kind === 'mp-reach') add(a.afi, a.nlri, nextHopText(a.nextHop));
    }
  }
  return { table, counts, withdrawn };
}

function pathIdOf(n: Nlri): number {
  return n.kind === 'raw' ? 0 : (n.pathId ?? 0);
}

function factsOf(attrs: readonly PathAttribute[]): Omit<RouteFacts, 'nextHop' | 'vni' | 'pathId'> {
  const facts: Omit<RouteFacts, 'nextHop' | 'vni' | 'pathId'> = {
    origin: -1,
    asPath: '',
    med: null,
    localPref: null,
    communities: '',
    largeCommunities: '',
    extendedCommunities: '',
    pmsi: '',
  };
  for (const a of attrs) {
    if (a.kind === 'origin') facts.origin = a.origin;
    else if (a.kind === 'as-path') facts.asPath = asPathText(a.segments);
    else if (a.kind === 'med') facts.med = a.med;
    else if (a.kind === 'local-pref') facts.localPref = a.localPref;
    else if (a.kind === 'communities') facts.communities = sorted(a.communities.map(formatCommunity));
    else if (a.kind === 'large-communities') facts.largeCommunities = sorted(a.communities.map(largeText));
    else if (a.kind === 'extended-communities') facts.extendedCommunities = extendedText(a.communities);
    else if (a.kind === 'pmsi-tunnel') facts.pmsi = `${a.tunnelType}/${a.label}`;
  }
  return facts;
}

/** Field by field: the facts a daemon shows (`theirs`: only the fields it knows) against ours. */
export function compareTables(
  ours: RouteTable,
  theirs: Map<string, Partial<RouteFacts>>,
  counted: Map<string, number>,
): string[] {
  const problems: string[] = [];
  const keys = new Set([...ours.keys(), ...theirs.keys()]);
  for (const key of keys) {
    const mine = ours.get(key);
    const their = theirs.get(key);
    if (!mine || !their) {
      problems.push(`${key}: ${mine ? 'only in our decode' : 'only in the daemon'}`);
      continue;
    }
    for (const [field, value] of Object.entries(their)) {
      const ourValue = mine[field as keyof RouteFacts];
      counted.set(field, (counted.get(field) ?? 0) + 1);
      if (ourValue !== value) problems.push(`${key} ${field}: ours ${ourValue}, daemon ${value}`);
    }
  }
  return problems;
}

// ---- the daemons' own views ----

const ORIGIN: Record<string, number> = { igp: 0, egp: 1, incomplete: 2, '?': 2 };

/**
 * `birdc show route all protocol P`: BIRD shows every BGP attribute it holds. Each route gets
 * LOCAL_PREF 100 on import when eBGP carried none, so `localPref` is left out for eBGP.
 */
export function birdTable(text: string, ibgp: boolean): Map<string, Partial<RouteFacts>> {
  const out = new Map<string, Partial<RouteFacts>>();
  let current: Partial<RouteFacts> | undefined;
  const finish = (f: Partial<RouteFacts>) => {
    f.med ??= null;
    f.communities ??= '';
    f.largeCommunities ??= '';
    if (ibgp) f.localPref ??= null;
    else delete f.localPref;
  };
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f.:]+\/\d+)\s+unicast/.exec(line);
    if (head) {
      if (current) finish(current);
      current = {};
      out.set(`${head[1].includes(':') ? 'ipv6' : 'ipv4'} ${head[1]}#0`, current);
      continue;
    }
    const attr = /^\s+BGP\.(\w+): ?(.*)$/.exec(line);
    if (!current || !attr) continue;
    const [, name, value] = attr;
    if (name === 'origin') current.origin = ORIGIN[value.toLowerCase()];
    else if (name === 'as_path') current.asPath = value.trim();
    else if (name === 'next_hop') current.nextHop = value.split(' ')[0];
    else if (name === 'med') current.med = Number(value);
    else if (name === 'local_pref') current.localPref = Number(value);
    else if (name === 'community')
      current.communities = sorted(
        value.match(/\((\d+),(\d+)\)/g)?.map((c) => c.slice(1, -1).replace(',', ':')) ?? [],
      );
    else if (name === 'large_community')
      current.largeCommunities = sorted(
        value.match(/\((\d+), (\d+), (\d+)\)/g)?.map((c) => c.slice(1, -1).replaceAll(', ', ':')) ?? [],
      );
  }
  if (current) finish(current);
  return out;
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: { segment_type: number; asns: number[] }[];
  nexthop?: string;
  metric?: number;
  communities?: number[];
}

/** `gobgp neighbor X adj-in -a F -j`: prefix → paths with GoBGP's attribute objects. */
export function gobgpTable(json: string, family: 'ipv4' | 'ipv6'): Map<string, Partial<RouteFacts>> {
  const out = new Map<string, Partial<RouteFacts>>();
  const data = JSON.parse(json) as Record<string, { attrs: GobgpAttr[] }[]>;
  for (const [prefix, paths] of Object.entries(data)) {
    for (const p of paths) {
      const f: Partial<RouteFacts> = { med: null, localPref: null, communities: '', largeCommunities: '' };
      for (const a of p.attrs) {
        if (a.type === 1) f.origin = a.value as number;
        else if (a.type === 2)
          f.asPath = asPathText((a.as_paths ?? []).map((s) => ({ type: s.segment_type, asns: s.asns })));
        else if (a.type === 3 || a.type === 14) f.nextHop = a.nexthop;
        else if (a.type === 4) f.med = a.metric ?? null;
        else if (a.type === 5) f.localPref = a.value as number;
        else if (a.type === 8) f.communities = sorted((a.communities ?? []).map(formatCommunity));
        else if (a.type === 32)
          f.largeCommunities = sorted(
            (a.value as { ASN: number; LocalData1: number; LocalData2: number }[]).map((l) =>
              largeText({ global: l.ASN, local1: l.LocalData1, local2: l.LocalData2 }),
            ),
          );
      }
      out.set(`${family} ${prefix}#0`, f);
    }
  }
  return out;
}

interface FrrPath {
  aspath?: { string: string };
  path?: string;
  origin: string;
  metric?: number;
  locPrf?: number;
  community?: { list: string[] };
  largeCommunity?: { list: string[] };
  extendedCommunity?: { string: string };
  pmsi?: { tunnelType: string; label: number };
  addpathRxId?: number;
  vni?: string;
  nexthops: { ip: string; scope?: string }[];
  peer?: { peerId: string };
  peerId?: string;
}

function frrFacts(p: FrrPath, ibgp: boolean): Partial<RouteFacts> {
  const path = p.aspath?.string ?? p.path ?? '';
  const f: Partial<RouteFacts> = {
    origin: ORIGIN[p.origin.toLowerCase()],
    asPath: path === 'Local' ? '' : path,
    nextHop: (p.nexthops.find((n) => n.scope !== 'link-local') ?? p.nexthops[0]).ip,
    med: p.metric ?? null,
    communities: sorted(p.community?.list ?? []),
    largeCommunities: sorted(p.largeCommunity?.list ?? []),
    pathId: p.addpathRxId ?? 0,
  };
  // FRR shows LOCAL_PREF on iBGP paths only (every iBGP UPDATE here carries one).
  if (ibgp) f.localPref = p.locPrf ?? null;
  return f;
}

/**
 * FRR's detail of one unicast prefix (`show bgp ipv6 unicast P json`), the paths from `peer`,
 * keyed with their ADD-PATH identifier.
 */
export function frrPrefixPaths(
  json: string,
  family: 'ipv4' | 'ipv6',
  peer: string,
  ibgp: boolean,
): Map<string, Partial<RouteFacts>> {
  const out = new Map<string, Partial<RouteFacts>>();
  const d = JSON.parse(json) as { prefix?: string; paths?: FrrPath[] };
  for (const p of d.paths ?? []) {
    if (p.peer?.peerId !== peer) continue;
    out.set(`${family} ${d.prefix}#${p.addpathRxId ?? 0}`, frrFacts(p, ibgp));
  }
  return out;
}

/** `show bgp l2vpn evpn route detail json`: type 2 and 3 routes from `peer`. */
export function frrEvpnTable(json: string, peer: string): Map<string, Partial<RouteFacts>> {
  const out = new Map<string, Partial<RouteFacts>>();
  const d = JSON.parse(json) as Record<string, Record<string, unknown>>;
  for (const [rd, routes] of Object.entries(d)) {
    if (typeof routes !== 'object' || routes === null) continue;
    for (const r of Object.values(routes)) {
      if (typeof r !== 'object' || r === null) continue;
      const route = r as {
        routeType: number;
        ethTag: number;
        mac?: string;
        ip?: string;
        paths: FrrPath[][];
      };
      for (const p of route.paths.flat()) {
        if (p.peer?.peerId !== peer) continue;
        const key =
          route.routeType === 2
            ? `evpn ${rd} [2]:[${route.ethTag}]:[${route.mac}]:[${route.ip ?? ''}]#0`
            : `evpn ${rd} [3]:[${route.ethTag}]:[${route.ip}]#0`;
        const f = frrFacts(p, true);
        f.extendedCommunities = p.extendedCommunity?.string ?? '';
        if (route.routeType === 2) f.vni = Number(p.vni);
        if (route.routeType === 3 && p.pmsi)
          f.pmsi = `${p.pmsi.tunnelType === 'Ingress Replication' ? 6 : p.pmsi.tunnelType}/${p.pmsi.label}`;
        out.set(key, f);
      }
    }
  }
  return out;
}
