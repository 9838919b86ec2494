/**
 * Our side of the field sums for the Ethernet / IPv4 / UDP layers, shared by the ethernet case (a)
 * and the VXLAN cases. "Every field" is read in the numeric forms on every side: a MAC as its
 * 48-bit number (`dstMac`), a byte range (IPv4 options, payloads) as offset + length. The `*ViewsSum`
 * forms read the subarray getters instead and fold them to the same numbers (field-values.mjs).
 */
import { bytesView, mac48View } from './field-values.mjs';

export function ethSum(eth) {
  return eth.dstMac + eth.srcMac + eth.etherType;
}

/** Every numeric field of an IPv4 header, the options area left out. */
function ipv4ScalarSum(ip) {
  return (
    ip.version +
    ip.ihl +
    ip.dscp +
    ip.ecn +
    ip.totalLength +
    ip.identification +
    ip.flags +
    ip.fragmentOffset +
    ip.ttl +
    ip.protocol +
    ip.checksum +
    ip.src +
    ip.dst
  );
}

/** Every wire field of an IPv4 header, as the ethernet cases read them. */
export function ipv4Sum(ip) {
  return ipv4ScalarSum(ip) + ip.optionsOffset + ip.optionsLength;
}

export function udpSum(udp) {
  return udp.srcPort + udp.dstPort + udp.length + udp.checksum + udp.payloadOffset + udp.payloadLength;
}

export function ethViewsSum(eth) {
  return mac48View(eth.dst) + mac48View(eth.src) + eth.etherType;
}

export function ipv4ViewsSum(ip) {
  return ipv4ScalarSum(ip) + bytesView(ip.optionBytes);
}

export function udpViewsSum(udp) {
  return udp.srcPort + udp.dstPort + udp.length + udp.checksum + bytesView(udp.payload);
}
