/**
 * Hand-written reference for case (a): Ethernet / IPv4 / UDP read with one DataView made once per
 * buffer. It checks what a safe decoder must check (the layout-deciding fields and lengths) and
 * reads every field. `ethIpv4UdpLoop` reads byte strings as numbers and offsets (the practical
 * limit, and the forms ours reads: `dstMac`, `optionsOffset`/`optionsLength`, …);
 * `ethIpv4UdpLoopViews` makes a subarray for each, as the byte-string getters return them.
 */
import { bytesAt, bytesView, mac48At, mac48View } from './field-values.mjs';

/** Where the UDP header starts in a checked frame at dv[s, e); throws on a malformed one. */
export function checkEthIpv4Udp(dv, s, e) {
  if (e - s < 14 + 20 + 8 || dv.getUint16(s + 12) !== 0x0800) throw new Error('not Ethernet/IPv4');
  const vihl = dv.getUint8(s + 14);
  const ihl = (vihl & 0x0f) * 4;
  const total = dv.getUint16(s + 16);
  if (vihl >>> 4 !== 4 || ihl < 20 || total < ihl || s + 14 + total > e) throw new Error('bad IPv4 header');
  if (dv.getUint8(s + 23) !== 17 || total - ihl < 8) throw new Error('not UDP');
  const udp = s + 14 + ihl;
  const length = dv.getUint16(udp + 4);
  if (length < 8 || udp + length > s + 14 + total) throw new Error('bad UDP length');
  return udp;
}

/** Every numeric field of the three headers. */
export function ethIpv4UdpScalars(dv, s, udp) {
  const ip = s + 14;
  const vihl = dv.getUint8(ip);
  const tos = dv.getUint8(ip + 1);
  const flagsFragment = dv.getUint16(ip + 6);
  return (
    dv.getUint16(s + 12) + // ethertype
    (vihl >>> 4) + // version
    (vihl & 0x0f) + // IHL
    (tos >>> 2) + // DSCP
    (tos & 3) + // ECN
    dv.getUint16(ip + 2) + // total length
    dv.getUint16(ip + 4) + // identification
    (flagsFragment >>> 13) + // flags
    (flagsFragment & 0x1fff) + // fragment offset
    dv.getUint8(ip + 8) + // TTL
    dv.getUint8(ip + 9) + // protocol
    dv.getUint16(ip + 10) + // header checksum
    dv.getUint32(ip + 12) + // source
    dv.getUint32(ip + 16) + // destination
    dv.getUint16(udp) + // source port
    dv.getUint16(udp + 2) + // destination port
    dv.getUint16(udp + 4) + // length
    dv.getUint16(udp + 6) // checksum
  );
}

/** @param {DataView} dv */
export function ethIpv4UdpLoop(dv, s, e) {
  const udp = checkEthIpv4Udp(dv, s, e);
  return (
    ethIpv4UdpScalars(dv, s, udp) +
    mac48At(dv, s) +
    mac48At(dv, s + 6) +
    bytesAt(s + 34, udp - s - 34) + // IPv4 options
    bytesAt(udp + 8, dv.getUint16(udp + 4) - 8) // payload
  );
}

/** @param {DataView} dv @param {Uint8Array} buf the same bytes as dv */
export function ethIpv4UdpLoopViews(dv, buf, s, e) {
  const udp = checkEthIpv4Udp(dv, s, e);
  return (
    ethIpv4UdpScalars(dv, s, udp) +
    mac48View(buf.subarray(s, s + 6)) +
    mac48View(buf.subarray(s + 6, s + 12)) +
    bytesView(buf.subarray(s + 34, udp)) +
    bytesView(buf.subarray(udp + 8, udp + dv.getUint16(udp + 4)))
  );
}
