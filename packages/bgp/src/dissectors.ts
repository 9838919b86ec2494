import type { DissectorSet } from '@cnikit/wire';
import { dissectBgp } from './dissect-bgp.js';
import { bgpPduFraming } from './dissect-framing.js';
import { bgpFields } from './field-descriptions.js';

export { dissectBgp } from './dissect-bgp.js';
export { bgpPduFraming } from './dissect-framing.js';
export { bgpFields } from './field-descriptions.js';

/** The TCP port BGP listens on (RFC 4271 §8.2.1). */
export const BGP_PORT = 179;

/**
 * BGP bound on TCP port 179 in table `tcp.port`, for `composeDissectors`:
 * `composeDissectors(ethernetDissectors, bgpDissectors)`. `framings.bgp` tells a TCP reassembler
 * (`TcpReassembly` in @cnikit/pcap) where messages end; `dissect` alone sees one segment at a time.
 */
export const bgpDissectors: DissectorSet = {
  layers: { bgp: dissectBgp },
  bindings: [{ table: 'tcp.port', key: BGP_PORT, layer: 'bgp' }],
  fields: bgpFields,
  framings: { bgp: bgpPduFraming },
};
