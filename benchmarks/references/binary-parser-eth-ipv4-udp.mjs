/**
 * binary-parser reference for case (a): one compiled parser with a nested structure per layer,
 * each next layer chosen by its type field as a generic decoder must.
 */
import { Parser } from 'binary-parser';
import { bytesView, macView } from './field-values.mjs';

export const udpParser = new Parser()
  .uint16be('srcPort')
  .uint16be('dstPort')
  .uint16be('length')
  .uint16be('checksum')
  .buffer('payload', {
    length() {
      return this.length - 8;
    },
  });

export const ipv4Parser = new Parser()
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
  .buffer('options', {
    length() {
      return this.ihl * 4 - 20;
    },
  })
  .choice('udp', { tag: 'protocol', choices: { 17: udpParser } });

export const ethIpv4UdpParser = new Parser()
  .buffer('dst', { length: 6 })
  .buffer('src', { length: 6 })
  .uint16be('etherType')
  .choice('ip', { tag: 'etherType', choices: { 2048: ipv4Parser } });

/** The field sum of one parsed frame (same fields, same folding as the other implementations). */
export function ethIpv4UdpParsedSum(f) {
  const ip = f.ip;
  const udp = ip.udp;
  return (
    macView(f.dst) +
    macView(f.src) +
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
    bytesView(ip.options) +
    udp.srcPort +
    udp.dstPort +
    udp.length +
    udp.checksum +
    bytesView(udp.payload)
  );
}
