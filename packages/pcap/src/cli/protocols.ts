import { bgpDissectors } from '@cnikit/bgp';
import { ethernetDissectors } from '@cnikit/ethernet';
import { netlinkDissectors } from '@cnikit/netlink';
import { VxlanPort, vxlanDissectorsForPorts } from '@cnikit/vxlan';
import { composeDissectors, type DissectorRegistry, LINK_TABLE } from '@cnikit/wire';
import { pcapLinkDissectors } from '../dissectors.js';
import { TCP_REASSEMBLY_FIELDS } from '../tcp-reassembly.js';
import { FRAME_FIELDS } from './frame.js';

/**
 * Every protocol the `cnikit` command decodes, composed in this one place: a new protocol
 * package plugs in by adding its DissectorSet here. Nothing else in the CLI names a protocol.
 * VXLAN is bound to flannel's/Linux's UDP 8472 as well as IANA's 4789, since CNI traffic uses both.
 * BGP is bound to TCP port 179; the commands reassemble its TCP streams (`TcpReassembly`), as
 * tshark does by default. Netlink (nlmon captures,
 * LINKTYPE_NETLINK, and SLL captures of a netlink device) comes from @cnikit/netlink's pure-TS dissectors.
 */
export const cliDissectors: DissectorRegistry = composeDissectors(
  pcapLinkDissectors,
  ethernetDissectors,
  vxlanDissectorsForPorts([VxlanPort.IANA, VxlanPort.Linux]),
  bgpDissectors,
  netlinkDissectors,
  { layers: {}, bindings: [], fields: { ...FRAME_FIELDS, ...TCP_REASSEMBLY_FIELDS } },
);

/** Whether the CLI has a first-layer dissector for this pcap LINKTYPE. */
export function decodesLinkType(linkType: number): boolean {
  return cliDissectors.tables.get(LINK_TABLE)?.has(linkType) ?? false;
}
