/**
 * Hand-written reference for case (b): Ethernet / 802.1Q / IPv6 + hop-by-hop / TCP with options,
 * one DataView per buffer. Walks the hop-by-hop and TCP options generically (their layout varies
 * per packet), checking every length as a safe decoder must, and reads every field.
 * `ethVlanIpv6TcpLoop` reads byte strings as numbers and offsets (the practical limit, and the
 * forms ours reads); `ethVlanIpv6TcpLoopViews` makes a subarray for each, as the byte-string
 * getters return them.
 */
import { bytesAt, bytesView, ipv6AddressAt, ipv6AddressView, mac48At, mac48View } from './field-values.mjs';

/** Sum of hop-by-hop options in dv[o, end): type + where its data is; throws on a bad length. */
function hopByHopOptionsSum(dv, o, end) {
  let s = 0;
  while (o < end) {
    const type = dv.getUint8(o);
    if (type === 0) {
      o++; // Pad1 counts 0
      continue;
    }
    if (o + 2 > end || o + 2 + dv.getUint8(o + 1) > end) throw new Error('bad hop-by-hop option');
    const length = dv.getUint8(o + 1);
    s += type + bytesAt(o + 2, length);
    o += 2 + length;
  }
  return s;
}

/**
 * Sum of TCP options in dv[o, end): kind + decoded values of each option; EOL and NOP are padding
 * and count 0 (as Pad1 does in hop-by-hop). Throws on a bad length.
 */
function tcpOptionsSum(dv, o, end) {
  let s = 0;
  while (o < end) {
    const kind = dv.getUint8(o);
    if (kind <= 1) {
      o++; // EOL, NOP
      continue;
    }
    if (o + 2 > end) throw new Error('bad TCP option');
    const length = dv.getUint8(o + 1);
    if (length < 2 || o + length > end) throw new Error('bad TCP option');
    if (kind === 2 && length === 4) s += kind + dv.getUint16(o + 2);
    else if (kind === 3 && length === 3) s += kind + dv.getUint8(o + 2);
    else if (kind === 4 && length === 2) s += kind;
    else if (kind === 8 && length === 10) s += kind + dv.getUint32(o + 2) + dv.getUint32(o + 6);
    else if (kind === 5 && length >= 10 && (length - 2) % 8 === 0) {
      s += kind;
      for (let b = o + 2; b < o + length; b += 8) s += dv.getUint32(b) + dv.getUint32(b + 4);
    } else s += kind + bytesAt(o + 2, length - 2);
    o += length;
  }
  return s;
}

/**
 * Checks the layout and sums every numeric field and option; `out` receives the offsets the
 * byte-string fields need ([hop-by-hop start, TCP start, TCP header end, IPv6 end]).
 * @param {DataView} dv @param {Int32Array} out
 */
export function ethVlanIpv6TcpScalars(dv, s, e, out) {
  if (e - s < 18 + 40 || dv.getUint16(s + 12) !== 0x8100) throw new Error('not 802.1Q');
  const tci = dv.getUint16(s + 14);
  if (dv.getUint16(s + 16) !== 0x86dd) throw new Error('not IPv6');
  const ip = s + 18;
  const word0 = dv.getUint32(ip);
  const payloadLength = dv.getUint16(ip + 4);
  const ipEnd = ip + 40 + payloadLength;
  if (word0 >>> 28 !== 6 || ipEnd > e || dv.getUint8(ip + 6) !== 0) throw new Error('not IPv6 + hop-by-hop');
  const hbh = ip + 40;
  if (hbh + 8 > ipEnd) throw new Error('bad hop-by-hop');
  const hbhEnd = hbh + (dv.getUint8(hbh + 1) + 1) * 8;
  if (hbhEnd > ipEnd || dv.getUint8(hbh) !== 6 || hbhEnd + 20 > ipEnd) throw new Error('not TCP');
  const tcp = hbhEnd;
  const dataOffset = dv.getUint8(tcp + 12) >>> 4;
  const tcpHeaderEnd = tcp + dataOffset * 4;
  if (dataOffset < 5 || tcpHeaderEnd > ipEnd) throw new Error('bad TCP data offset');
  out[0] = hbh;
  out[1] = tcp;
  out[2] = tcpHeaderEnd;
  out[3] = ipEnd;
  return (
    dv.getUint16(s + 12) + // TPID
    (tci >>> 13) + // PCP
    ((tci >>> 12) & 1) + // DEI
    (tci & 0x0fff) + // VID
    dv.getUint16(s + 16) + // ethertype
    (word0 >>> 28) + // version
    ((word0 >>> 20) & 0xff) + // traffic class
    (word0 & 0xfffff) + // flow label
    payloadLength +
    dv.getUint8(ip + 6) + // next header
    dv.getUint8(ip + 7) + // hop limit
    dv.getUint8(hbh) + // hop-by-hop next header
    (hbhEnd - hbh) + // hop-by-hop length in bytes
    hopByHopOptionsSum(dv, hbh + 2, hbhEnd) +
    dv.getUint16(tcp) + // source port
    dv.getUint16(tcp + 2) + // destination port
    dv.getUint32(tcp + 4) + // sequence number
    dv.getUint32(tcp + 8) + // acknowledgment number
    dataOffset +
    (dv.getUint16(tcp + 12) & 0x0fff) + // flags
    dv.getUint16(tcp + 14) + // window
    dv.getUint16(tcp + 16) + // checksum
    dv.getUint16(tcp + 18) + // urgent pointer
    tcpOptionsSum(dv, tcp + 20, tcpHeaderEnd)
  );
}

const offsets = new Int32Array(4);

/** @param {DataView} dv */
export function ethVlanIpv6TcpLoop(dv, s, e) {
  const sum = ethVlanIpv6TcpScalars(dv, s, e, offsets);
  const ip = s + 18;
  return (
    sum +
    mac48At(dv, s) +
    mac48At(dv, s + 6) +
    ipv6AddressAt(dv, ip + 8) +
    ipv6AddressAt(dv, ip + 24) +
    bytesAt(offsets[2], offsets[3] - offsets[2]) // payload
  );
}

/** @param {DataView} dv @param {Uint8Array} buf the same bytes as dv */
export function ethVlanIpv6TcpLoopViews(dv, buf, s, e) {
  const sum = ethVlanIpv6TcpScalars(dv, s, e, offsets);
  const ip = s + 18;
  return (
    sum +
    mac48View(buf.subarray(s, s + 6)) +
    mac48View(buf.subarray(s + 6, s + 12)) +
    ipv6AddressView(buf.subarray(ip + 8, ip + 24)) +
    ipv6AddressView(buf.subarray(ip + 24, ip + 40)) +
    bytesView(buf.subarray(offsets[2], offsets[3]))
  );
}
