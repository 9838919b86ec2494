/** Case (b): Ethernet / 802.1Q / IPv6 + hop-by-hop / TCP + options, every field decoded. */
import { FrameDecoder, readIpv6Options } from '@cnikit/ethernet';
import { FrameRing, readFrame } from '../harness/frames.mjs';
import {
  ethVlanIpv6TcpParsedSum,
  ethVlanIpv6TcpParser,
} from '../references/binary-parser-eth-vlan-ipv6-tcp.mjs';
import { bytesView, ipv6AddressView, macView } from '../references/field-values.mjs';
import { ethVlanIpv6TcpLoop, ethVlanIpv6TcpLoopViews } from '../references/loop-eth-vlan-ipv6-tcp.mjs';

/** @param {import('@cnikit/ethernet').TcpOption} o */
function tcpOptionValue(o) {
  switch (o.kind) {
    case 'eol':
      return 0;
    case 'nop':
      return 1;
    case 'mss':
      return 2 + o.mss;
    case 'window-scale':
      return 3 + o.shift;
    case 'sack-permitted':
      return 4;
    case 'timestamps':
      return 8 + o.tsval + o.tsecr;
    case 'sack': {
      let s = 5;
      for (const b of o.blocks) s += b.left + b.right;
      return s;
    }
    case 'unknown':
      return o.code + bytesView(o.data);
    default:
      return bytesView(o.data);
  }
}

/**
 * Decodes with a reused FrameDecoder and sums every field, options and extension headers decoded
 * through the public API (`ipv6.extensions()`, `readIpv6Options`, `tcp.options`).
 * @param {FrameDecoder} decoder
 */
function oursSum(decoder, buf, s, e) {
  if (!decoder.decode(buf, s, e)) throw decoder.error;
  const { ethernet: eth, ipv6: ip, tcp } = decoder;
  const vlan = decoder.vlans[0];
  let sum =
    macView(eth.dst) +
    macView(eth.src) +
    eth.etherType +
    vlan.pcp +
    (vlan.dei ? 1 : 0) +
    vlan.vid +
    vlan.etherType +
    ip.version +
    ip.trafficClass +
    ip.flowLabel +
    ip.payloadLength +
    ip.nextHeader +
    ip.hopLimit +
    ipv6AddressView(ip.src) +
    ipv6AddressView(ip.dst);
  for (const x of ip.extensions()) {
    sum += x.nextHeader + x.length;
    for (const o of readIpv6Options(x.buf, x.start + 2, x.end))
      sum += o.type === 0 ? 0 : o.type + bytesView(o.data);
  }
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
    bytesView(tcp.payload);
  for (const o of tcp.options) sum += tcpOptionValue(o);
  return sum;
}

/** @type {import('../harness/case-file.mjs').BenchCase} */
export const ethVlanIpv6TcpDecode = {
  id: 'eth-vlan-ipv6-tcp-decode',
  title: '(b) Eth/802.1Q/IPv6+HBH/TCP+opts decode all',
  peer: { gopacket: 'BenchmarkDecodeEthVlanIpv6Tcp' },
  targets: [
    { vs: 'loop', max: 1.5 },
    { vs: 'binary-parser', max: 0.2 },
  ],
  allocation: ['ours', 'loop'],
  setup() {
    const ring = new FrameRing(readFrame('eth-vlan-ipv6-tcp'));
    const { buf, starts, ends, copies, mask } = ring;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const decoder = new FrameDecoder();
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    return {
      ours: () => oursSum(decoder, buf, starts[(a = (a + 1) & mask)], ends[a]),
      loop: () => ethVlanIpv6TcpLoop(dv, starts[(b = (b + 1) & mask)], ends[b]),
      'loop+views': () => ethVlanIpv6TcpLoopViews(dv, buf, starts[(c = (c + 1) & mask)], ends[c]),
      'binary-parser': () =>
        ethVlanIpv6TcpParsedSum(ethVlanIpv6TcpParser.parse(copies[(d = (d + 1) & mask)])),
    };
  },
};
