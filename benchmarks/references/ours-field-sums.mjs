/**
 * Our side of the field sums for the Ethernet / IPv4 / UDP layers, shared by the ethernet case (a)
 * and the VXLAN cases. "Every field" is read in the numeric forms on every side: a MAC as its
 * 48-bit number (`dstMac`), a byte range (IPv4 options, payloads) as offset + length. The `*ViewsSum`
 * forms read the subarray getters instead and fold them to the same numbers (field-values.mjs).
 *
 * Our sums are folded to int32 (`| 0`), as the timing driver folds every op's result: a sum at or
 * above 2^31 returned from a helper call TurboFan does not inline would be a heap number, an
 * allocation of the benchmark's, not of the views. The runner compares the sums of every
 * implementation folded the same way (harness/worker.mjs).
 */
import { bytesView, mac48View } from './field-values.mjs';

/**
 * MACs through their 24-bit halves (`dstMacHi`/`dstMacLo`), which are small integers: the same
 * 48-bit number as `dstMac`, folded here, with nothing boxed when a getter is not inlined.
 */
export function ethSum(eth) {
  return ((eth.dstMacHi + eth.srcMacHi) * 0x1000000 + eth.dstMacLo + eth.srcMacLo + eth.etherType) | 0;
}

/**
 * Every numeric field of an IPv4 header, the options area left out; the addresses through their
 * 16-bit halves (`srcHi`/`srcLo`), small integers like the MAC halves, folded to `src` + `dst`.
 */
function ipv4ScalarSum(ip) {
  return (
    (ip.version +
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
      (ip.srcHi + ip.dstHi) * 0x10000 +
      ip.srcLo +
      ip.dstLo) |
    0
  );
}

/** Every wire field of an IPv4 header, as the ethernet cases read them. */
export function ipv4Sum(ip) {
  return (ipv4ScalarSum(ip) + ip.optionsOffset + ip.optionsLength) | 0;
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
