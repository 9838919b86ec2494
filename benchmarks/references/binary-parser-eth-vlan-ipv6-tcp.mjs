/**
 * binary-parser reference for case (b): nested per-layer parsers chosen by type fields, options
 * as arrays of per-kind choices, as one would write a generic decoder with binary-parser.
 */
import { Parser } from 'binary-parser';
import { bytesView, ipv6AddressView, macView } from './field-values.mjs';

const empty = new Parser();

const tcpOption = new Parser().uint8('kind').choice({
  tag: 'kind',
  choices: {
    0: empty,
    1: empty,
    2: new Parser().uint8('length').uint16be('mss'),
    3: new Parser().uint8('length').uint8('shift'),
    4: new Parser().uint8('length'),
    8: new Parser().uint8('length').uint32be('tsval').uint32be('tsecr'),
  },
  defaultChoice: new Parser().uint8('length').buffer('data', {
    length() {
      return this.length - 2;
    },
  }),
});

export const tcpParser = new Parser()
  .uint16be('srcPort')
  .uint16be('dstPort')
  .uint32be('seq')
  .uint32be('ack')
  .bit4('dataOffset')
  .bit12('flags')
  .uint16be('window')
  .uint16be('checksum')
  .uint16be('urgentPointer')
  .array('options', {
    type: tcpOption,
    lengthInBytes() {
      return this.dataOffset * 4 - 20;
    },
  })
  .buffer('payload', { readUntil: 'eof' });

const ipv6Option = new Parser().uint8('type').choice({
  tag: 'type',
  choices: { 0: empty },
  defaultChoice: new Parser().uint8('length').buffer('data', { length: 'length' }),
});

const hopByHopParser = new Parser()
  .uint8('nextHeader')
  .uint8('hdrExtLen')
  .array('options', {
    type: ipv6Option,
    lengthInBytes() {
      return (this.hdrExtLen + 1) * 8 - 2;
    },
  })
  .choice('tcp', { tag: 'nextHeader', choices: { 6: tcpParser } });

const ipv6Parser = new Parser()
  .bit4('version')
  .bit8('trafficClass')
  .bit20('flowLabel')
  .uint16be('payloadLength')
  .uint8('nextHeader')
  .uint8('hopLimit')
  .buffer('src', { length: 16 })
  .buffer('dst', { length: 16 })
  .choice('hopByHop', { tag: 'nextHeader', choices: { 0: hopByHopParser } });

const vlanParser = new Parser()
  .bit3('pcp')
  .bit1('dei')
  .bit12('vid')
  .uint16be('etherType')
  .choice('ipv6', { tag: 'etherType', choices: { 34525: ipv6Parser } });

export const ethVlanIpv6TcpParser = new Parser()
  .buffer('dst', { length: 6 })
  .buffer('src', { length: 6 })
  .uint16be('etherType')
  .choice('vlan', { tag: 'etherType', choices: { 33024: vlanParser } });

function tcpOptionSum(o) {
  switch (o.kind) {
    case 0:
    case 1:
    case 4:
      return o.kind;
    case 2:
      return o.kind + o.mss;
    case 3:
      return o.kind + o.shift;
    case 8:
      return o.kind + o.tsval + o.tsecr;
    default:
      return o.kind + bytesView(o.data);
  }
}

/** The field sum of one parsed frame (same fields, same folding as the other implementations). */
export function ethVlanIpv6TcpParsedSum(f) {
  const vlan = f.vlan;
  const ip = vlan.ipv6;
  const hbh = ip.hopByHop;
  const tcp = hbh.tcp;
  let s =
    macView(f.dst) +
    macView(f.src) +
    f.etherType +
    vlan.pcp +
    vlan.dei +
    vlan.vid +
    vlan.etherType +
    ip.version +
    ip.trafficClass +
    ip.flowLabel +
    ip.payloadLength +
    ip.nextHeader +
    ip.hopLimit +
    ipv6AddressView(ip.src) +
    ipv6AddressView(ip.dst) +
    hbh.nextHeader +
    (hbh.hdrExtLen + 1) * 8;
  for (const o of hbh.options) s += o.type === 0 ? 0 : o.type + bytesView(o.data); // Pad1 counts 0
  s +=
    tcp.srcPort +
    tcp.dstPort +
    tcp.seq +
    tcp.ack +
    tcp.dataOffset +
    tcp.flags +
    tcp.window +
    tcp.checksum +
    tcp.urgentPointer +
    bytesView(tcp.payload);
  for (const o of tcp.options) s += tcpOptionSum(o);
  return s;
}
