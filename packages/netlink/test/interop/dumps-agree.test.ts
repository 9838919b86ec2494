/**
 * Objects made with iproute2 in a namespace of the test's own: what our dumps decode equals what
 * `ip -j -d` / `bridge -j` print for them, field by field (see ../ip-json.ts for the mapping).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { Netlink } from '../../src/index.js';
import {
  Agreement,
  addressAsIp,
  bridgeFdbFields,
  fdbAsBridge,
  ipAddressFields,
  ipLinkFields,
  ipNeighbourFields,
  ipRouteFields,
  ipRuleFields,
  LINK_FLAG_NAMES,
  linkAsIp,
  linkFlagNames,
  neighbourAsIp,
  routeAsIp,
  ruleAsIp,
  shownByIpNeigh,
} from '../ip-json.js';
import { bridgeJson, ipJson, kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink dump agreement with iproute2');
type Json = Record<string, unknown>;

describe.skipIf(blocker)('our dumps equal ip -j for objects iproute2 made', () => {
  let lab: Lab;
  let ns: string;
  let nl: Netlink;
  let names: Map<number, string>;
  const agreement = new Agreement();

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('dumps');
    const script = [
      'ip link add v0 type veth peer name v1',
      'ip link add br0 type bridge forward_delay 700 stp_state 0 priority 4096',
      'ip link set v1 master br0',
      'ip link add vx0 type vxlan id 7 local 10.0.0.1 dstport 4789 dev v0 nolearning proxy l2miss l3miss ttl 5 srcport 1000 2000 gbp ageing 120',
      'ip link add vx6 type vxlan id 8 local fd00::1 remote fd00::2 dstport 8472 udp6zerocsumtx udp6zerocsumrx',
      'ip link add mv0 link v0 type macvlan mode bridge',
      'ip link add mv1 link v0 type macvlan mode private',
      'ip link set v0 up mtu 1400 alias uplink',
      'ip link set lo up',
      'ip addr add 10.0.0.1/24 brd + dev v0 label v0:x',
      'ip addr add 10.0.1.1/32 dev v0 valid_lft 1000 preferred_lft 500',
      'ip -6 addr add fd00::1/64 dev v0 nodad',
      'ip route add 10.2.0.0/16 via 10.0.0.2 metric 10 mtu 1300 advmss 1200',
      'ip route add 10.3.0.0/24 dev v0 table 100 proto static',
      'ip route add 10.4.0.0/24 nexthop via 10.0.0.2 weight 3 nexthop via 10.0.0.3 weight 1',
      'ip route add 10.5.0.0/24 via 192.168.99.1 dev v0 onlink',
      'ip route add blackhole 10.6.0.0/24',
      'ip route add 10.7.0.5 via 10.0.0.2 src 10.0.0.1',
      'ip -6 route add fd01::/64 via fd00::2 metric 100',
      'ip neigh add 10.0.0.9 lladdr 02:00:00:00:00:09 dev v0',
      'ip neigh add 10.0.0.10 lladdr 02:00:00:00:00:0a dev v0 nud reachable',
      'ip -6 neigh add fd00::9 lladdr 02:00:00:00:00:19 dev v0',
      'ip rule add from 10.3.0.0/16 table 100 pref 100',
      'ip rule add to 10.8.0.0/24 iif v0 table 200 pref 200',
      'ip rule add fwmark 0x10 table main pref 300',
      'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.5 vni 70 port 4790',
      'bridge fdb add 02:00:00:00:00:55 dev vx0 dst 10.0.0.6',
    ];
    lab.run(ns, script.join(' && '));
    nl = await Netlink.open({ netns: nsPath(ns) });
    names = new Map((await nl.links.list()).map((l) => [l.index, l.name]));
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
    if (agreement.compared) console.log(`dump agreement: ${agreement.compared} values compared with ip -j`);
  });

  it('links (ip -j -d link show): every field, kind data of veth, bridge, vxlan (v4 and v6), macvlan', async () => {
    const ours = await nl.links.list();
    const theirs = ipJson(lab, ns, '-d link show') as Json[];
    expect(ours.map((l) => l.name).sort()).toEqual(theirs.map((e) => e.ifname as string).sort());
    for (const e of theirs) {
      const l = ours.find((x) => x.index === e.ifindex)!;
      agreement.compare(`link ${l.name}`, linkAsIp(l, names), ipLinkFields(e));
      const flags = (e.flags as string[]).filter((f) => LINK_FLAG_NAMES.includes(f)).sort();
      agreement.compare(`link ${l.name}`, { flags: linkFlagNames(l.flags).sort() }, { flags });
    }
    expect(agreement.take()).toEqual([]);
    const vx0 = ours.find((l) => l.name === 'vx0')!;
    expect(vx0.vxlan).toMatchObject({ id: 7, gbp: true, l3miss: true, portRange: { low: 1000, high: 2000 } });
  });

  it('addresses (ip -j -d addr show): v4 with broadcast, label, lifetimes; v6', async () => {
    const ours = await nl.addresses.list();
    const theirs = (ipJson(lab, ns, '-d addr show') as Json[]).flatMap((l) =>
      (l.addr_info as Json[]).map((a) => ({ ...a, ifindex: l.ifindex })),
    );
    expect(ours).toHaveLength(theirs.length);
    for (const e of theirs) {
      const a = ours.find((x) => x.index === e.ifindex && (x.local ?? x.address) === e.local)!;
      expect(a, `address ${e.local}`).toBeDefined();
      // valid/preferred lifetimes count down between the two reads: compare those within 2 s
      const ip = ipAddressFields(e);
      const mine = addressAsIp(a);
      for (const k of ['valid_life_time', 'preferred_life_time']) {
        if (Math.abs(Number(ip[k]) - Number(mine[k])) <= 2) mine[k] = ip[k];
      }
      agreement.compare(`addr ${e.local}`, mine, ip);
    }
    expect(agreement.take()).toEqual([]);
  });

  it('routes of every table, IPv4 and IPv6 (ip -j -d route show table all): gateway, metrics, multipath, onlink, blackhole', async () => {
    const ours = [
      ...(await nl.routes.list({ table: 0, family: 4 })),
      ...(await nl.routes.list({ table: 0, family: 6 })),
    ];
    const theirs = [
      ...(ipJson(lab, ns, '-4 -d route show table all') as Json[]),
      ...(ipJson(lab, ns, '-6 -d route show table all') as Json[]),
    ];
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((r, i) => {
      agreement.compare(`route ${r.dst ?? 'default'}`, routeAsIp(r, names), ipRouteFields(theirs[i]));
    });
    expect(agreement.take()).toEqual([]);
    const mp = ours.find((r) => r.dst === '10.4.0.0/24')!;
    expect(mp.multipath?.map((h) => h.weight)).toEqual([3, 1]);
  });

  it('routes of one table through the kernel filter (table 100) equal ip route show table 100', async () => {
    const ours = await nl.routes.list({ table: 100 });
    const theirs = ipJson(lab, ns, '-d route show table 100') as Json[];
    expect(ours.map((r) => r.dst)).toEqual(['10.3.0.0/24']);
    // ip leaves out the table when one table is shown
    agreement.compare(
      'route table 100',
      { ...routeAsIp(ours[0], names), table: undefined },
      ipRouteFields(theirs[0]),
    );
    expect(agreement.take()).toEqual([]);
  });

  it('neighbours (ip -j neigh show), IPv4 and IPv6', async () => {
    const ours = (await nl.neighbours.list()).filter(shownByIpNeigh);
    const theirs = [
      ...(ipJson(lab, ns, '-4 neigh show') as Json[]),
      ...(ipJson(lab, ns, '-6 neigh show') as Json[]),
    ];
    expect(ours).toHaveLength(theirs.length);
    for (const e of theirs) {
      const n = ours.find((x) => x.dst === e.dst)!;
      agreement.compare(`neigh ${e.dst}`, neighbourAsIp(n, names), ipNeighbourFields(e));
    }
    expect(agreement.take()).toEqual([]);
  });

  it('VXLAN FDB (bridge -j fdb show dev vx0): NDA_DST, NDA_VNI, NDA_PORT, NTF_SELF', async () => {
    const vx0 = [...names].find(([, n]) => n === 'vx0')![0];
    const ours = await nl.fdb.list({ index: vx0 });
    const theirs = bridgeJson(lab, ns, 'fdb show dev vx0') as Json[];
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((n, i) => {
      agreement.compare(`fdb ${n.lladdr}`, fdbAsBridge(n, 7), bridgeFdbFields(theirs[i]));
    });
    expect(agreement.take()).toEqual([]);
    expect(ours.find((n) => n.dst === '10.0.0.5')).toMatchObject({ vni: 70, port: 4790, flags: 2 });
  });

  it('rules (ip -j rule show)', async () => {
    const ours = await nl.rules.list();
    const theirs = ipJson(lab, ns, 'rule show') as Json[];
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((r, i) => {
      agreement.compare(`rule ${r.priority}`, ruleAsIp(r), ipRuleFields(theirs[i]));
    });
    expect(agreement.take()).toEqual([]);
    expect(agreement.compared).toBeGreaterThan(350);
  });
});
