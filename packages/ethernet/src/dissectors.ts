import type { DissectorSet } from '@cnikit/wire';
import { arpBindings, dissectArp } from './arp.js';
import { dissectEthernet, ethernetBindings } from './ethernet.js';
import { ethernetFields } from './field-descriptions.js';
import { dissectIcmpv4, icmpv4Bindings } from './icmpv4.js';
import { dissectIcmpv6, icmpv6Bindings } from './icmpv6.js';
import { dissectIgmp, igmpBindings } from './igmp.js';
import { dissectIpv4, dissectRawIp, ipv4Bindings } from './ipv4.js';
import { dissectIpv6, ipv6Bindings } from './ipv6.js';
import { dissectTcp, tcpBindings } from './tcp.js';
import { dissectUdp, udpBindings } from './udp.js';
import { dissectQinQ, dissectVlan, vlanBindings } from './vlan.js';
import {
  walkArp,
  walkEthernet,
  walkIcmpv4,
  walkIcmpv6,
  walkIgmp,
  walkIpv4,
  walkIpv6,
  walkQinQ,
  walkRawIp,
  walkTcp,
  walkUdp,
  walkVlan,
} from './walkers.js';

/**
 * Every layer of this package and the table keys that lead to it, for `composeDissectors`:
 * link types 1 (Ethernet), 101 (raw IP), 228 (IPv4), 229 (IPv6); EtherTypes 0x0800, 0x0806,
 * 0x8100, 0x88a8, 0x86dd; IP protocols 1, 2, 4, 6, 17, 41, 58.
 *
 * ```ts
 * const registry = composeDissectors(ethernetDissectors);
 * const { layers } = dissect(registry, frame);
 * console.log(formatTree(layers));
 * ```
 */
export const ethernetDissectors: DissectorSet = {
  layers: {
    eth: dissectEthernet,
    vlan: dissectVlan,
    ieee8021ad: dissectQinQ,
    arp: dissectArp,
    ip: dissectIpv4,
    raw: dissectRawIp,
    ipv6: dissectIpv6,
    icmpv6: dissectIcmpv6,
    udp: dissectUdp,
    tcp: dissectTcp,
    icmp: dissectIcmpv4,
    igmp: dissectIgmp,
  },
  // Each layer's cheap twin for `dissectLayerPath` (`cnikit stats`): same path, same errors, no nodes.
  walkers: {
    eth: walkEthernet,
    vlan: walkVlan,
    ieee8021ad: walkQinQ,
    arp: walkArp,
    ip: walkIpv4,
    raw: walkRawIp,
    ipv6: walkIpv6,
    icmpv6: walkIcmpv6,
    udp: walkUdp,
    tcp: walkTcp,
    icmp: walkIcmpv4,
    igmp: walkIgmp,
  },
  // Types and value names of every field emitted: filter checks, value names in trees.
  fields: ethernetFields,
  // A pure-annotated call, not an array spread: esbuild keeps a spread (it may run an iterator)
  // and with it every dissector, even in bundles that only import one view.
  bindings: /* @__PURE__ */ [
    ethernetBindings,
    vlanBindings,
    arpBindings,
    ipv4Bindings,
    ipv6Bindings,
    icmpv6Bindings,
    udpBindings,
    tcpBindings,
    icmpv4Bindings,
    igmpBindings,
  ].flat(),
};
