/**
 * binary-parser reference for case (a): one compiled parser with a nested structure per layer,
 * each next layer chosen by its type field as a generic decoder must. It reads the same forms as
 * ours and the loop: MACs as numbers (16 + 32 bits), the options area and the payload as where
 * they are (`saveOffset`, then `seek` past them) instead of copied buffers.
 */
import { Parser } from 'binary-parser';

const TWO_32 = 2 ** 32;

/** The UDP header, then where its payload starts; the caller says what follows. */
export function udpHeader() {
  return new Parser()
    .uint16be('srcPort')
    .uint16be('dstPort')
    .uint16be('length')
    .uint16be('checksum')
    .saveOffset('payloadOffset');
}

/** The IPv4 header with the options area skipped, then `udp` when the protocol is 17. */
export function ipv4Header(udp) {
  return new Parser()
    .bit4('version')
    .bit4('ihl')
    .bit6('dscp')
    .bit2('ecn')
    .uint16be('totalLength')
    .uint16be('identification')
    .bit3('flags')
    .bit13('fragmentOffset')
    .uint8('ttl')
    .uint8('protocol')
    .uint16be('checksum')
    .uint32be('src')
    .uint32be('dst')
    .saveOffset('optionsOffset')
    .seek(function () {
      return this.ihl * 4 - 20;
    })
    .choice('udp', { tag: 'protocol', choices: { 17: udp } });
}

/** The Ethernet header (MACs as 16 + 32 bits), then `ipv4` when the EtherType is 0x0800. */
export function ethernetHeader(ipv4) {
  return new Parser()
    .uint16be('dstHi')
    .uint32be('dstLo')
    .uint16be('srcHi')
    .uint32be('srcLo')
    .uint16be('etherType')
    .choice('ip', { tag: 'etherType', choices: { 2048: ipv4 } });
}

export const udpParser = udpHeader().seek(function () {
  return this.length - 8;
});

export const ipv4Parser = ipv4Header(udpParser);

export const ethIpv4UdpParser = ethernetHeader(ipv4Parser);

/**
 * The field sum of one parsed frame (same fields, same folding as the other implementations);
 * `s` is where the parsed copy starts in the ring, since saved offsets are relative to it.
 */
export function ethIpv4UdpParsedSum(f, s) {
  const ip = f.ip;
  const udp = ip.udp;
  return (
    f.dstHi * TWO_32 +
    f.dstLo +
    (f.srcHi * TWO_32 + f.srcLo) +
    f.etherType +
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
    ip.dst +
    (s + ip.optionsOffset + (ip.ihl * 4 - 20)) +
    udp.srcPort +
    udp.dstPort +
    udp.length +
    udp.checksum +
    (s + udp.payloadOffset + (udp.length - 8))
  );
}
