import type { Lab } from './netns.js';

/** Two nodes on a veth underlay, each with a kernel vxlan device and one pod behind it. */
export interface Overlay {
  readonly mode: OverlayMode;
  readonly port: number;
  readonly vni: number;
  readonly vxlanDev: string;
  readonly nodes: readonly [OverlayNode, OverlayNode];
}

export interface OverlayNode {
  readonly ns: string;
  readonly pod: string;
  /** Underlay veth in the node namespace, its MAC and IP. */
  readonly underlayDev: string;
  readonly underlayMac: string;
  readonly underlayIp: string;
  /** MAC of the node's vxlan device. */
  readonly vtepMac: string;
  readonly podMac: string;
  readonly podIp: string;
}

/**
 * `bridged`: dstport 4789 with learning, pods on one L2 segment (vxlan device and pod veth in a
 * bridge), broadcast and unknown unicast replicated to the all-zeros FDB entry's remote.
 * `flannel`: dstport 8472, `nolearning`, routed pods, static neighbour and FDB entries per remote
 * node, as flannel's vxlan backend installs them.
 */
export type OverlayMode = 'bridged' | 'flannel';

export function buildOverlay(lab: Lab, mode: OverlayMode): Overlay {
  const port = mode === 'bridged' ? 4789 : 8472;
  const vni = mode === 'bridged' ? 42 : 1;
  const vxlanDev = mode === 'bridged' ? 'vx0' : 'flannel.1';
  const nodes = ([1, 2] as const).map((i) => ({
    ns: lab.ns(`n${i}`),
    pod: lab.ns(`p${i}`),
    underlayDev: `u${i}`,
    underlayMac: `02:00:00:00:01:0${i}`,
    underlayIp: `192.168.100.${i}`,
    vtepMac: `02:00:00:00:0a:0${i}`,
    podMac: `02:00:00:00:00:0${i}`,
    podIp: mode === 'bridged' ? `10.244.0.${i}` : `10.244.${i}.2`,
  })) as unknown as [OverlayNode, OverlayNode];
  const [a, b] = nodes;
  for (const ns of [a.ns, a.pod, b.ns, b.pod]) {
    lab.run(ns, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
  }
  lab.run(a.ns, `ip link add ${a.underlayDev} type veth peer name ${b.underlayDev} netns ${b.ns}`);
  for (const [i, n] of nodes.entries()) {
    const remote = nodes[1 - i];
    lab.run(n.ns, `ip link set ${n.underlayDev} address ${n.underlayMac} up`);
    lab.run(n.ns, `ip addr add ${n.underlayIp}/24 dev ${n.underlayDev}`);
    lab.run(n.pod, `ip link add eth0 type veth peer name veth-pod netns ${n.ns}`);
    lab.run(n.pod, `ip link set eth0 address ${n.podMac} mtu 1450 up`);
    lab.run(n.ns, 'ip link set veth-pod up');
    const vxlan = `ip link add ${vxlanDev} address ${n.vtepMac} type vxlan id ${vni} dstport ${port} local ${n.underlayIp} dev ${n.underlayDev}`;
    if (mode === 'bridged') {
      lab.run(n.ns, vxlan);
      lab.run(n.ns, `bridge fdb append 00:00:00:00:00:00 dev ${vxlanDev} dst ${remote.underlayIp}`);
      lab.run(n.ns, 'ip link add br0 type bridge stp_state 0 && ip link set br0 up');
      lab.run(n.ns, `ip link set ${vxlanDev} master br0 up && ip link set veth-pod master br0`);
      lab.run(n.pod, `ip addr add ${n.podIp}/24 dev eth0`);
    } else {
      lab.run(n.ns, `${vxlan} nolearning`);
      lab.run(n.ns, `ip addr add 10.244.${i + 1}.0/32 dev ${vxlanDev} && ip link set ${vxlanDev} up`);
      lab.run(n.ns, `ip addr add 10.244.${i + 1}.1/24 dev veth-pod && sysctl -qw net.ipv4.ip_forward=1`);
      const subnet = `10.244.${2 - i}`;
      lab.run(n.ns, `ip route add ${subnet}.0/24 via ${subnet}.0 dev ${vxlanDev} onlink`);
      lab.run(n.ns, `ip neigh add ${subnet}.0 lladdr ${remote.vtepMac} dev ${vxlanDev} nud permanent`);
      lab.run(
        n.ns,
        `bridge fdb add ${remote.vtepMac} dev ${vxlanDev} dst ${remote.underlayIp} self permanent`,
      );
      lab.run(n.pod, `ip addr add ${n.podIp}/24 dev eth0 && ip route add default via 10.244.${i + 1}.1`);
    }
  }
  return { mode, port, vni, vxlanDev, nodes };
}
