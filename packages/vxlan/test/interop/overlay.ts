import type { Lab } from '../../../../test/support/netns.js';

/** Two nodes on a veth underlay, each with a kernel vxlan device and one pod behind it. */
export interface Overlay {
  readonly mode: OverlayMode;
  /** Address family of the underlay (the outer IP header); the pods are IPv4 either way. */
  readonly underlay: 4 | 6;
  readonly port: number;
  readonly vni: number;
  readonly vxlanDev: string;
  /** Extra `ip link add … type vxlan` arguments both devices were created with (e.g. `gbp`). */
  readonly vxlanArgs: string;
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

export interface OverlayOptions {
  /** 4 (192.168.100.0/24, the default) or 6 (fd00:100::/64, added `nodad`). */
  readonly underlay?: 4 | 6;
  /** Extra `ip link add … type vxlan` arguments for both devices: `gbp`, `udp6zerocsumtx`, … */
  readonly vxlanArgs?: string;
}

export function buildOverlay(lab: Lab, mode: OverlayMode, options: OverlayOptions = {}): Overlay {
  const underlay = options.underlay ?? 4;
  const nodes = ([1, 2] as const).map((i) => ({
    ns: lab.ns(`n${i}`),
    pod: lab.ns(`p${i}`),
    underlayDev: `u${i}`,
    underlayMac: `02:00:00:00:01:0${i}`,
    underlayIp: underlay === 4 ? `192.168.100.${i}` : `fd00:100::${i}`,
    vtepMac: `02:00:00:00:0a:0${i}`,
    podMac: `02:00:00:00:00:0${i}`,
    podIp: mode === 'bridged' ? `10.244.0.${i}` : `10.244.${i}.2`,
  })) as unknown as [OverlayNode, OverlayNode];
  const overlay: Overlay = {
    mode,
    underlay,
    port: mode === 'bridged' ? 4789 : 8472,
    vni: mode === 'bridged' ? 42 : 1,
    vxlanDev: mode === 'bridged' ? 'vx0' : 'flannel.1',
    vxlanArgs: options.vxlanArgs ?? '',
    nodes,
  };
  const [a, b] = nodes;
  for (const ns of [a.pod, b.pod]) {
    lab.run(ns, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
  }
  for (const n of nodes) {
    // IPv6 only where the underlay needs it: the vxlan device, bridge and pod veth stay without
    // it, so no ND/MLD chatter crosses the tunnel.
    const all = underlay === 6 ? 0 : 1;
    lab.run(n.ns, `sysctl -qw net.ipv6.conf.all.disable_ipv6=${all} net.ipv6.conf.default.disable_ipv6=1`);
  }
  lab.run(a.ns, `ip link add ${a.underlayDev} type veth peer name ${b.underlayDev} netns ${b.ns}`);
  for (const [i, n] of nodes.entries()) {
    lab.run(n.ns, `ip link set ${n.underlayDev} address ${n.underlayMac} up`);
    // veth offloads UDP checksums: a capture would show only the pseudo-header sum the NIC is
    // to complete. With tx checksumming off on the underlay and pod veths the kernel writes real
    // checksums, inner and outer, as on a NIC without offload, and the pod's capture holds the
    // bytes the tunnel carries.
    lab.run(n.ns, `ethtool -K ${n.underlayDev} tx off >/dev/null`);
    if (underlay === 4) lab.run(n.ns, `ip addr add ${n.underlayIp}/24 dev ${n.underlayDev}`);
    else {
      lab.run(n.ns, `sysctl -qw net.ipv6.conf.${n.underlayDev}.disable_ipv6=0`);
      lab.run(n.ns, `ip addr add ${n.underlayIp}/64 dev ${n.underlayDev} nodad`);
    }
    lab.run(n.pod, `ip link add eth0 type veth peer name veth-pod netns ${n.ns}`);
    // The tunnel costs 50 bytes over IPv4, 70 over IPv6.
    lab.run(n.pod, `ip link set eth0 address ${n.podMac} mtu ${underlay === 4 ? 1450 : 1430} up`);
    lab.run(n.pod, 'ethtool -K eth0 tx off >/dev/null');
    lab.run(n.ns, 'ip link set veth-pod up');
    if (mode === 'bridged') {
      lab.run(n.ns, 'ip link add br0 type bridge stp_state 0 && ip link set br0 up');
      lab.run(n.ns, 'ip link set veth-pod master br0');
      lab.run(n.pod, `ip addr add ${n.podIp}/24 dev eth0`);
    } else {
      lab.run(n.ns, `ip addr add 10.244.${i + 1}.1/24 dev veth-pod && sysctl -qw net.ipv4.ip_forward=1`);
      lab.run(n.pod, `ip addr add ${n.podIp}/24 dev eth0 && ip route add default via 10.244.${i + 1}.1`);
    }
    addVxlanDevice(lab, overlay, i as 0 | 1);
  }
  return overlay;
}

/**
 * Creates node `index`'s vxlan device (with the overlay's `vxlanArgs` and `extraArgs`) and wires
 * it as its mode does: into the bridge with the all-zeros FDB entry, or (flannel) with its
 * address, the route to the other node's pod subnet and the static neighbour and FDB entries.
 */
export function addVxlanDevice(lab: Lab, overlay: Overlay, index: 0 | 1, extraArgs = ''): void {
  const n = overlay.nodes[index];
  const remote = overlay.nodes[1 - index];
  const dev = overlay.vxlanDev;
  const args = `${overlay.vxlanArgs} ${extraArgs}`.trim();
  const vxlan = `ip link add ${dev} address ${n.vtepMac} type vxlan id ${overlay.vni} dstport ${overlay.port} local ${n.underlayIp} dev ${n.underlayDev} ${args}`;
  if (overlay.mode === 'bridged') {
    lab.run(n.ns, vxlan);
    lab.run(n.ns, `bridge fdb append 00:00:00:00:00:00 dev ${dev} dst ${remote.underlayIp}`);
    lab.run(n.ns, `ip link set ${dev} master br0 up`);
  } else {
    lab.run(n.ns, `${vxlan} nolearning`);
    lab.run(n.ns, `ip addr add 10.244.${index + 1}.0/32 dev ${dev} && ip link set ${dev} up`);
    const subnet = `10.244.${2 - index}`;
    lab.run(n.ns, `ip route add ${subnet}.0/24 via ${subnet}.0 dev ${dev} onlink`);
    lab.run(n.ns, `ip neigh add ${subnet}.0 lladdr ${remote.vtepMac} dev ${dev} nud permanent`);
    lab.run(n.ns, `bridge fdb add ${remote.vtepMac} dev ${dev} dst ${remote.underlayIp} self permanent`);
  }
}

/**
 * Deletes node `index`'s vxlan device and creates it again with `extraArgs`: the kernel refuses
 * to change some flags of a live device (`cannot change UDP_ZERO_CSUM6_RX flag`).
 */
export function replaceVxlanDevice(lab: Lab, overlay: Overlay, index: 0 | 1, extraArgs: string): void {
  lab.run(overlay.nodes[index].ns, `ip link del ${overlay.vxlanDev}`);
  addVxlanDevice(lab, overlay, index, extraArgs);
}
