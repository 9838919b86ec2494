/**
 * Hand-written reference for case (c): check the Ethernet / IPv4 / UDP layout as a safe decoder
 * must, then read three fields: IPv4 destination, UDP destination port, IP protocol.
 */
import { checkEthIpv4Udp } from './loop-eth-ipv4-udp.mjs';

/** @param {DataView} dv */
export function ethIpv4UdpLazyLoop(dv, s, e) {
  const udp = checkEthIpv4Udp(dv, s, e);
  return dv.getUint32(s + 30) + dv.getUint16(udp + 2) + dv.getUint8(s + 23);
}
