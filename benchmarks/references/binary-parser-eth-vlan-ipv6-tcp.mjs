/**
 * binary-parser reference for case (b): nested per-layer parsers chosen by type fields, options
 * as arrays of per-kind choices, as one would write a generic decoder with binary-parser. It reads
 * the same forms as ours and the loop: MACs as numbers, IPv6 addresses as four 32-bit words,
 * option data and the payload as where they are (`saveOffset` + `seek`) instead of buffers.
 */
import { Parser } from 'binary-parser';

const TWO_32 = 2 ** 32;
const empty = new Parser();

const rawOptionData = new Parser()
  .uint8('length')
  .saveOffset('dataOffset')
  .seek(function () {
    return this.length - 2;
  });

const sackBlock = new Parser().uint32be('left').uint32be('right');

const tcpOption = new Parser().uint8('kind').choice({
  tag: 'kind',
  choices: {
    0: empty,
    1: empty,
    2: new Parser().uint8('length').uint16be('mss'),
    3: new Parser().uint8('length').uint8('shift'),
    4: new Parser().uint8('length'),
    5: new Parser().uint8('length').array('blocks', {
      type: sackBlock,
      lengthInBytes() {
        return this.length - 2;
      },
    }),
    8: new Parser().uint8('length').uint32be('tsval').uint32be('tsecr'),
  },
  defaultChoice: rawOptionData,
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
  .saveOffset('payloadOffset');

const ipv6Option = new Parser().uint8('type').choice({
  tag: 'type',
  choices: { 0: empty },
  defaultChoice: new Parser().uint8('length').saveOffset('dataOffset').seek('length'),
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
  .uint32be('src0')
  .uint32be('src1')
  .uint32be('src2')
  .uint32be('src3')
  .uint32be('dst0')
  .uint32be('dst1')
  .uint32be('dst2')
  .uint32be('dst3')
  .choice('hopByHop', { tag: 'nextHeader', choices: { 0: hopByHopParser } });

const vlanParser = new Parser()
  .bit3('pcp')
  .bit1('dei')
  .bit12('vid')
  .uint16be('etherType')
  .choice('ipv6', { tag: 'etherType', choices: { 34525: ipv6Parser } });

export const ethVlanIpv6TcpParser = new Parser()
  .uint16be('dstHi')
  .uint32be('dstLo')
  .uint16be('srcHi')
  .uint32be('srcLo')
  .uint16be('etherType')
  .choice('vlan', { tag: 'etherType', choices: { 33024: vlanParser } });

/** EOL and NOP are padding and count 0, as in the loop. */
function tcpOptionSum(o, s) {
  switch (o.kind) {
    case 0:
    case 1:
      return 0;
    case 2:
      return o.kind + o.mss;
    case 3:
      return o.kind + o.shift;
    case 4:
      return o.kind;
    case 5: {
      let sum = o.kind;
      for (const b of o.blocks) sum += b.left + b.right;
      return sum;
    }
    case 8:
      return o.kind + o.tsval + o.tsecr;
    default:
      return o.kind + (s + o.dataOffset + (o.length - 2));
  }
}

/**
 * The field sum of one parsed frame (same fields, same folding as the other implementations);
 * `s` is where the parsed copy starts in the ring, since saved offsets are relative to it.
 */
export function ethVlanIpv6TcpParsedSum(f, s) {
  const vlan = f.vlan;
  const ip = vlan.ipv6;
  const hbh = ip.hopByHop;
  const tcp = hbh.tcp;
  let sum =
    f.dstHi * TWO_32 +
    f.dstLo +
    (f.srcHi * TWO_32 + f.srcLo) +
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
    (ip.src0 + ip.src1 + ip.src2 + ip.src3) +
    (ip.dst0 + ip.dst1 + ip.dst2 + ip.dst3) +
    hbh.nextHeader +
    (hbh.hdrExtLen + 1) * 8;
  for (const o of hbh.options) sum += o.type === 0 ? 0 : o.type + (s + o.dataOffset + o.length); // Pad1 counts 0
  const ipEnd = 18 + 40 + ip.payloadLength;
  sum +=
    tcp.srcPort +
    tcp.dstPort +
    tcp.seq +
    tcp.ack +
    tcp.dataOffset +
    tcp.flags +
    tcp.window +
    tcp.checksum +
    tcp.urgentPointer +
    (s + tcp.payloadOffset + (ipEnd - tcp.payloadOffset));
  for (const o of tcp.options) sum += tcpOptionSum(o, s);
  return sum;
}
