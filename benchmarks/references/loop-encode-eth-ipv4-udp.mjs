/**
 * Hand-written reference for case (d): writes Ethernet / IPv4 / UDP + payload from the same
 * header objects our writers take, computing the lengths, the IPv4 header checksum (from the
 * field values) and the UDP checksum (pseudo-header + header, summed while the payload is copied).
 * Like most hand-written encoders it does not range-check the values.
 */

function fold(sum) {
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

/**
 * @param {DataView} dv over `out`
 * @param {Uint8Array} out
 * @param {{ dst: Uint8Array, src: Uint8Array, etherType: number }} eth
 * @param {{ dscp: number, ecn: number, identification: number, reservedFlag?: boolean, dontFragment: boolean,
 *   moreFragments: boolean, fragmentOffset: number, ttl: number, protocol: number, src: number, dst: number }} ip
 * @param {{ srcPort: number, dstPort: number, payload: Uint8Array }} udp
 * @returns {number} bytes written
 */
export function writeEthIpv4UdpLoop(dv, out, o, eth, ip, udp) {
  const payload = udp.payload;
  const n = payload.length;
  const udpLength = 8 + n;
  const totalLength = 20 + udpLength;
  if (o + 14 + totalLength > out.length) throw new RangeError('out is too small');
  const dst = eth.dst;
  const src = eth.src;
  for (let k = 0; k < 6; k++) {
    out[o + k] = dst[k];
    out[o + 6 + k] = src[k];
  }
  dv.setUint16(o + 12, eth.etherType);

  const h = o + 14;
  const word0 = 0x4500 | (ip.dscp << 2) | ip.ecn;
  const flags = (ip.reservedFlag ? 4 : 0) | (ip.dontFragment ? 2 : 0) | (ip.moreFragments ? 1 : 0);
  const word3 = (flags << 13) | ip.fragmentOffset;
  const word4 = (ip.ttl << 8) | ip.protocol;
  const srcIp = ip.src;
  const dstIp = ip.dst;
  dv.setUint16(h, word0);
  dv.setUint16(h + 2, totalLength);
  dv.setUint16(h + 4, ip.identification);
  dv.setUint16(h + 6, word3);
  dv.setUint16(h + 8, word4);
  dv.setUint32(h + 12, srcIp);
  dv.setUint32(h + 16, dstIp);
  const addresses = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff);
  dv.setUint16(h + 10, ~fold(word0 + totalLength + ip.identification + word3 + word4 + addresses) & 0xffff);

  const u = h + 20;
  const p = u + 8;
  let sum = addresses + ip.protocol + udpLength + udp.srcPort + udp.dstPort + udpLength;
  const even = n & ~1;
  for (let k = 0; k < even; k += 2) {
    const hi = payload[k];
    const lo = payload[k + 1];
    out[p + k] = hi;
    out[p + k + 1] = lo;
    sum += (hi << 8) | lo;
  }
  if (n & 1) {
    out[p + even] = payload[even];
    sum += payload[even] << 8;
  }
  dv.setUint16(u, udp.srcPort);
  dv.setUint16(u + 2, udp.dstPort);
  dv.setUint16(u + 4, udpLength);
  dv.setUint16(u + 6, ~fold(sum) & 0xffff || 0xffff);
  return 14 + totalLength;
}
