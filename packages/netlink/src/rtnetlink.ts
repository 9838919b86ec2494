import {
  type Address,
  type AddressSpec,
  decodeAddress,
  IFADDRMSG_LEN,
  writeAddressRequest,
} from './address.js';
import { MessageBuilder } from './builder.js';
import { DumpInterruptedError } from './errors.js';
import { decodeLink, type Link, type LinkAttributes, writeIfinfomsg, writeLinkAttributes } from './link.js';
import type { NetlinkMessage } from './message.js';
import {
  decodeNeighbour,
  NDMSG_LEN,
  type Neighbour,
  type NeighbourSpec,
  writeNeighbourRequest,
} from './neighbour.js';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  NLM_F_ACK,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
} from './netlink-constants.js';
import { decodeRoute, type Route, type RouteSpec, RTMSG_LEN, writeRouteRequest } from './route.js';
import * as C from './rtnetlink-constants.js';
import { decodeRule, FIB_RULE_HDR_LEN, type Rule, type RuleSpec, writeRuleRequest } from './rule.js';
import type { NetlinkSocket } from './socket.js';

/** A link by index or by name. */
export type LinkRef = number | string;

/** How many times `list()` re-reads a dump the kernel marked NLM_F_DUMP_INTR before it gives up. */
const DUMP_ATTEMPTS = 4;

function request(type: number, flags: number): MessageBuilder {
  return new MessageBuilder(256).begin(type, NLM_F_REQUEST | flags);
}

const CREATE = NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
/** IFLA_EXT_MASK bit: leave IFLA_STATS/IFLA_STATS64 out of link dumps (linux/rtnetlink.h). */
const RTEXT_FILTER_SKIP_STATS = 1 << 3;
const REPLACE = NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;

async function* stream<T>(
  socket: NetlinkSocket,
  build: () => Uint8Array,
  decode: (m: NetlinkMessage) => T | undefined,
  operation: string,
): AsyncGenerator<T, void, undefined> {
  for await (const batch of socket.exchange(build(), decode, operation)) yield* batch;
}

/** Collects a dump, reading it again when the kernel says it changed meanwhile (NLM_F_DUMP_INTR). */
async function collect<T>(
  socket: NetlinkSocket,
  build: () => Uint8Array,
  decode: (m: NetlinkMessage) => T | undefined,
  operation: string,
): Promise<T[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await socket.request(build(), decode, operation);
    } catch (e) {
      if (!(e instanceof DumpInterruptedError) || attempt >= DUMP_ATTEMPTS) {
        if (e instanceof DumpInterruptedError) throw new DumpInterruptedError(operation, attempt);
        throw e;
      }
    }
  }
}

async function ack(socket: NetlinkSocket, b: MessageBuilder, operation: string): Promise<void> {
  await socket.request(b.finish(), () => undefined, operation);
}

function linkRef(b: MessageBuilder, ref: LinkRef, up?: boolean): void {
  writeIfinfomsg(b, typeof ref === 'number' ? ref : 0, up);
  if (typeof ref === 'string') b.string(C.IFLA_IFNAME, ref);
}

/**
 * The RTM_NEWLINK request `links.create` sends (NLM_F_REQUEST|ACK|CREATE|EXCL, sequence 0): the
 * same bytes as `ip link add` for the same link (attributes in iproute2's order).
 */
export function encodeLinkCreate(link: LinkAttributes & { name: string }): Uint8Array {
  const b = request(C.RTM_NEWLINK, CREATE);
  writeIfinfomsg(b, 0, link.up, 0, link.flags);
  writeLinkAttributes(b, link);
  return b.finish();
}

/** Settings of a bridge port (IFLA_BRPORT_*). */
export interface BridgePortSettings {
  /** Send frames back out of the port they came in on (what CNI's `hairpinMode` sets). */
  hairpin?: boolean;
  learning?: boolean;
  cost?: number;
  priority?: number;
}

/** Links: `ip link`. */
export class Links {
  constructor(private readonly socket: NetlinkSocket) {}

  /** Every link, streamed (`ip link show`). */
  dump(): AsyncIterable<Link> {
    return stream(
      this.socket,
      () => this.dumpRequest(),
      (m) => this.decode(m),
      'RTM_GETLINK dump',
    );
  }

  /** Every link (a dump re-read if the kernel interrupted it). */
  list(): Promise<Link[]> {
    return collect(
      this.socket,
      () => this.dumpRequest(),
      (m) => this.decode(m),
      'RTM_GETLINK dump',
    );
  }

  private dumpRequest(): Uint8Array {
    const b = request(C.RTM_GETLINK, NLM_F_DUMP);
    writeIfinfomsg(b, 0);
    return b.finish();
  }

  private decode(m: NetlinkMessage): Link | undefined {
    return m.type === C.RTM_NEWLINK ? decodeLink(m) : undefined;
  }

  /** One link by index or name; a NetlinkError ENODEV when there is none. */
  async get(ref: LinkRef): Promise<Link> {
    const b = request(C.RTM_GETLINK, 0);
    linkRef(b, ref);
    const [link] = await this.socket.request(b.finish(), (m) => this.decode(m), `RTM_GETLINK ${ref}`);
    return link;
  }

  /** `ip link add`: fails with EEXIST if the name is taken. Returns the new link as the kernel reports it. */
  async create(link: LinkAttributes & { name: string }): Promise<Link> {
    await this.socket.request(encodeLinkCreate(link), () => undefined, `RTM_NEWLINK ${link.name}`);
    if (link.netns !== undefined) return { index: 0, name: link.name, type: 0, flags: 0, up: !!link.up };
    return this.get(link.name);
  }

  /**
   * Creates every link of `links`, pipelined (up to 64 requests in flight, one ack each, no read
   * back): what `ip -batch` of `link add` lines does. Each is created or refused on its own; once
   * all are answered, the first refusal is thrown as a NetlinkError naming its link, and the links
   * that were created stay.
   */
  async createMany(links: readonly (LinkAttributes & { name: string })[]): Promise<void> {
    const results = await this.socket.acknowledgeAll(
      links.map((l) => encodeLinkCreate(l)),
      (i) => `RTM_NEWLINK ${links[i].name}`,
    );
    const failed = results.find((r) => r !== undefined);
    if (failed) throw failed;
  }

  /** `ip link set`: changes what `changes` names (up/down, mtu, master, name, address, namespace…). */
  async set(ref: LinkRef, changes: LinkAttributes): Promise<void> {
    const b = request(C.RTM_NEWLINK, NLM_F_ACK);
    const byName = typeof ref === 'string';
    writeIfinfomsg(b, byName ? 0 : ref, changes.up, 0, changes.flags);
    // Renaming by name: the old name must find the link, so it goes by index instead.
    if (byName && changes.name !== undefined && changes.name !== ref) {
      const { index } = await this.get(ref);
      b.u32At(16 + 4, index);
    } else if (byName) {
      b.string(C.IFLA_IFNAME, ref);
      changes = { ...changes, name: undefined };
    }
    writeLinkAttributes(b, changes);
    await ack(this.socket, b, `RTM_NEWLINK ${ref} (set)`);
  }

  /**
   * Bridge port settings (`bridge link set dev X hairpin on learning off cost N`): RTM_SETLINK
   * with AF_BRIDGE and IFLA_PROTINFO, as the CNI bridge plugin sets hairpin mode.
   */
  async setBridgePort(ref: LinkRef, port: BridgePortSettings): Promise<void> {
    const index = await this.index(ref);
    const b = request(C.RTM_SETLINK, NLM_F_ACK);
    writeIfinfomsg(b, index, undefined, AF_BRIDGE);
    const nest = b.nestStart(C.IFLA_PROTINFO, true);
    if (port.hairpin !== undefined) b.u8(C.IFLA_BRPORT_MODE, port.hairpin ? 1 : 0);
    if (port.learning !== undefined) b.u8(C.IFLA_BRPORT_LEARNING, port.learning ? 1 : 0);
    if (port.cost !== undefined) b.u32(C.IFLA_BRPORT_COST, port.cost);
    if (port.priority !== undefined) b.u16(C.IFLA_BRPORT_PRIORITY, port.priority);
    b.nestEnd(nest);
    await ack(this.socket, b, `RTM_SETLINK ${ref} (bridge port)`);
  }

  /** `ip link del`. */
  async delete(ref: LinkRef): Promise<void> {
    const b = request(C.RTM_DELLINK, NLM_F_ACK);
    linkRef(b, ref);
    await ack(this.socket, b, `RTM_DELLINK ${ref}`);
  }

  /**
   * Deletes every link of `refs` in one kernel operation: each is moved into a link group no other
   * link here uses (RTM_NEWLINK IFLA_GROUP), then one RTM_DELLINK by that group unregisters them
   * together (unregister_netdevice_many: one RCU grace period for the lot, where deleting one at a
   * time waits for one per link; deleting veth pairs this way is ~20× faster here). A ref that does
   * not exist fails with ENODEV before anything is deleted (a refused group move, which the kernel
   * has no reason for, would leave the links moved so far in that group). Deleting one end of a
   * veth pair deletes its peer, as `delete` does.
   */
  async deleteMany(refs: readonly LinkRef[]): Promise<void> {
    if (refs.length === 0) return;
    // Names, indexes and groups only: a dump without statistics (RTEXT_FILTER_SKIP_STATS).
    const lean = () => {
      const b = request(C.RTM_GETLINK, NLM_F_DUMP);
      writeIfinfomsg(b, 0);
      b.u32(C.IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
      return b.finish();
    };
    const links = await collect(this.socket, lean, (m) => this.decode(m), 'RTM_GETLINK dump');
    const byName = new Map(links.map((l) => [l.name, l.index]));
    const byIndex = new Set(links.map((l) => l.index));
    const groups = new Set(links.map((l) => l.group ?? 0));
    const indexes: number[] = [];
    for (const ref of refs) {
      const known = typeof ref === 'number' ? (byIndex.has(ref) ? ref : undefined) : byName.get(ref);
      // Not in the dump: the kernel's own answer (ENODEV) for it, before anything changes.
      indexes.push(known ?? (await this.get(ref)).index);
    }
    let group: number;
    do group = 0x4000_0000 + Math.floor(Math.random() * 0x3fff_ffff);
    while (groups.has(group));
    const moves = indexes.map((index) => {
      const m = request(C.RTM_NEWLINK, NLM_F_ACK);
      writeIfinfomsg(m, index);
      m.u32(C.IFLA_GROUP, group);
      return m.finish();
    });
    const moved = await this.socket.acknowledgeAll(moves, (i) => `RTM_NEWLINK ${refs[i]} (group ${group})`);
    const failed = moved.find((r) => r !== undefined);
    if (failed) throw failed;
    const b = request(C.RTM_DELLINK, NLM_F_ACK);
    writeIfinfomsg(b, 0);
    b.u32(C.IFLA_GROUP, group);
    await ack(this.socket, b, `RTM_DELLINK group ${group} (${indexes.length} links)`);
  }

  /** The index of a link by name. */
  async index(ref: LinkRef): Promise<number> {
    return typeof ref === 'number' ? ref : (await this.get(ref)).index;
  }
}

/** Filters of `addresses.list`. */
export interface AddressFilter {
  family?: 4 | 6;
  index?: number;
}

/** Addresses: `ip addr`. */
export class Addresses {
  constructor(private readonly socket: NetlinkSocket) {}

  dump(filter: AddressFilter = {}): AsyncIterable<Address> {
    return stream(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m, filter),
      'RTM_GETADDR dump',
    );
  }

  list(filter: AddressFilter = {}): Promise<Address[]> {
    return collect(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m, filter),
      'RTM_GETADDR dump',
    );
  }

  private dumpRequest(f: AddressFilter): Uint8Array {
    const b = request(C.RTM_GETADDR, NLM_F_DUMP);
    const at = b.reserve(IFADDRMSG_LEN);
    b.u8At(at, family(f.family));
    b.u32At(at + 4, f.index ?? 0);
    return b.finish();
  }

  private decode(m: NetlinkMessage, f: AddressFilter): Address | undefined {
    if (m.type !== C.RTM_NEWADDR) return undefined;
    const a = decodeAddress(m);
    return f.index === undefined || a.index === f.index ? a : undefined;
  }

  /** `ip addr add`: EEXIST if the address is already there. */
  add(a: AddressSpec): Promise<void> {
    const b = request(C.RTM_NEWADDR, CREATE);
    writeAddressRequest(b, a);
    return ack(this.socket, b, `RTM_NEWADDR ${a.address}`);
  }

  /** `ip addr replace`. */
  replace(a: AddressSpec): Promise<void> {
    const b = request(C.RTM_NEWADDR, REPLACE);
    writeAddressRequest(b, a);
    return ack(this.socket, b, `RTM_NEWADDR ${a.address} (replace)`);
  }

  /** `ip addr del`. */
  delete(a: AddressSpec): Promise<void> {
    const b = request(C.RTM_DELADDR, NLM_F_ACK);
    writeAddressRequest(b, a);
    return ack(this.socket, b, `RTM_DELADDR ${a.address}`);
  }
}

function family(f: 4 | 6 | undefined): number {
  return f === 4 ? AF_INET : f === 6 ? AF_INET6 : AF_UNSPEC;
}

/** Filters of `routes.list`: the kernel filters by table and output device (strict checking on). */
export interface RouteFilter {
  family?: 4 | 6;
  /** Main (254) unless told; 0 lists every table. */
  table?: number;
  oif?: number;
  protocol?: number;
}

/** Routes: `ip route`. */
export class Routes {
  constructor(private readonly socket: NetlinkSocket) {}

  dump(filter: RouteFilter = {}): AsyncIterable<Route> {
    return stream(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m, filter),
      'RTM_GETROUTE dump',
    );
  }

  list(filter: RouteFilter = {}): Promise<Route[]> {
    return collect(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m, filter),
      'RTM_GETROUTE dump',
    );
  }

  private dumpRequest(f: RouteFilter): Uint8Array {
    const b = request(C.RTM_GETROUTE, NLM_F_DUMP);
    const at = b.reserve(RTMSG_LEN);
    const table = f.table ?? C.RT_TABLE_MAIN;
    b.u8At(at, family(f.family));
    if (table > 0 && table < 256) b.u8At(at + 4, table);
    if (f.protocol !== undefined) b.u8At(at + 5, f.protocol);
    if (table >= 256) b.u32(C.RTA_TABLE, table);
    if (f.oif !== undefined) b.u32(C.RTA_OIF, f.oif);
    return b.finish();
  }

  private decode(m: NetlinkMessage, f: RouteFilter): Route | undefined {
    if (m.type !== C.RTM_NEWROUTE) return undefined;
    const r = decodeRoute(m);
    const table = f.table ?? C.RT_TABLE_MAIN;
    if (table !== 0 && r.table !== table) return undefined;
    if (f.oif !== undefined && r.oif !== f.oif) return undefined;
    return r;
  }

  /** `ip route add`: EEXIST if the same route exists. */
  add(r: RouteSpec): Promise<void> {
    const b = request(C.RTM_NEWROUTE, CREATE);
    writeRouteRequest(b, r);
    return ack(this.socket, b, `RTM_NEWROUTE ${r.dst}`);
  }

  /** `ip route replace`. */
  replace(r: RouteSpec): Promise<void> {
    const b = request(C.RTM_NEWROUTE, REPLACE);
    writeRouteRequest(b, r);
    return ack(this.socket, b, `RTM_NEWROUTE ${r.dst} (replace)`);
  }

  /** `ip route del`: ESRCH if there is no such route. */
  delete(r: RouteSpec): Promise<void> {
    const b = request(C.RTM_DELROUTE, NLM_F_ACK);
    writeRouteRequest(b, r, true);
    return ack(this.socket, b, `RTM_DELROUTE ${r.dst}`);
  }
}

export interface NeighbourFilter {
  family?: 4 | 6;
  index?: number;
}

/** Neighbours (ARP/NDP): `ip neigh`. */
export class Neighbours {
  constructor(
    private readonly socket: NetlinkSocket,
    private readonly bridge = false,
  ) {}

  dump(filter: NeighbourFilter = {}): AsyncIterable<Neighbour> {
    return stream(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m, filter),
      this.op('dump'),
    );
  }

  list(filter: NeighbourFilter = {}): Promise<Neighbour[]> {
    return collect(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m, filter),
      this.op('dump'),
    );
  }

  private op(what: string): string {
    return `RTM_${what === 'dump' ? 'GET' : what}NEIGH${this.bridge ? ' (fdb)' : ''}${what === 'dump' ? ' dump' : ''}`;
  }

  private dumpRequest(f: NeighbourFilter): Uint8Array {
    const b = request(C.RTM_GETNEIGH, NLM_F_DUMP);
    const at = b.reserve(NDMSG_LEN);
    b.u8At(at, this.bridge ? AF_BRIDGE : family(f.family));
    if (f.index !== undefined) b.u32(C.NDA_IFINDEX, f.index);
    return b.finish();
  }

  private decode(m: NetlinkMessage, f: NeighbourFilter): Neighbour | undefined {
    if (m.type !== C.RTM_NEWNEIGH) return undefined;
    const n = decodeNeighbour(m);
    if (f.index !== undefined && n.index !== f.index) return undefined;
    return n;
  }

  private spec(n: NeighbourSpec): NeighbourSpec {
    return this.bridge ? { family: AF_BRIDGE, flags: C.NTF_SELF, ...n } : n;
  }

  /** `ip neigh add` / `bridge fdb add`: EEXIST if present. */
  add(n: NeighbourSpec): Promise<void> {
    const b = request(C.RTM_NEWNEIGH, CREATE);
    writeNeighbourRequest(b, this.spec(n));
    return ack(this.socket, b, this.op('NEW'));
  }

  /** `ip neigh replace` / `bridge fdb replace`. */
  replace(n: NeighbourSpec): Promise<void> {
    const b = request(C.RTM_NEWNEIGH, REPLACE);
    writeNeighbourRequest(b, this.spec(n));
    return ack(this.socket, b, this.op('NEW'));
  }

  /** `bridge fdb append`: another remote for the same MAC (all-zero MAC entries for BUM flooding). */
  append(n: NeighbourSpec): Promise<void> {
    const b = request(C.RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND);
    writeNeighbourRequest(b, this.spec(n));
    return ack(this.socket, b, this.op('NEW'));
  }

  /** `ip neigh del` / `bridge fdb del`. */
  delete(n: NeighbourSpec): Promise<void> {
    const b = request(C.RTM_DELNEIGH, NLM_F_ACK);
    writeNeighbourRequest(b, { state: 0, ...this.spec(n) });
    return ack(this.socket, b, this.op('DEL'));
  }
}

export interface RuleFilter {
  family?: 4 | 6;
}

/** Policy routing rules: `ip rule`. */
export class Rules {
  constructor(private readonly socket: NetlinkSocket) {}

  dump(filter: RuleFilter = {}): AsyncIterable<Rule> {
    return stream(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m),
      'RTM_GETRULE dump',
    );
  }

  list(filter: RuleFilter = {}): Promise<Rule[]> {
    return collect(
      this.socket,
      () => this.dumpRequest(filter),
      (m) => this.decode(m),
      'RTM_GETRULE dump',
    );
  }

  private dumpRequest(f: RuleFilter): Uint8Array {
    const b = request(C.RTM_GETRULE, NLM_F_DUMP);
    const at = b.reserve(FIB_RULE_HDR_LEN);
    b.u8At(at, family(f.family ?? 4));
    return b.finish();
  }

  private decode(m: NetlinkMessage): Rule | undefined {
    return m.type === C.RTM_NEWRULE ? decodeRule(m) : undefined;
  }

  /** `ip rule add`. */
  add(r: RuleSpec): Promise<void> {
    const b = request(C.RTM_NEWRULE, CREATE);
    writeRuleRequest(b, r);
    return ack(this.socket, b, 'RTM_NEWRULE');
  }

  /** `ip rule del`: the first rule matching what `r` names. */
  delete(r: RuleSpec): Promise<void> {
    const b = request(C.RTM_DELRULE, NLM_F_ACK);
    writeRuleRequest(b, r, true);
    return ack(this.socket, b, 'RTM_DELRULE');
  }
}
