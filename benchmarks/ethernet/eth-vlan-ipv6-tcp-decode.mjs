/** Case (b): Ethernet / 802.1Q / IPv6 + hop-by-hop / TCP + options, every field decoded. */
import { FrameDecoder, Ipv6ExtensionCursor, Ipv6OptionCursor } from '@cnikit/ethernet';
import { FrameRing, readFrame } from '../harness/frames.mjs';
import {
  ethVlanIpv6TcpParsedSum,
  ethVlanIpv6TcpParser,
} from '../references/binary-parser-eth-vlan-ipv6-tcp.mjs';
import { ethVlanIpv6TcpLoop, ethVlanIpv6TcpLoopViews } from '../references/loop-eth-vlan-ipv6-tcp.mjs';

/** Known TCP options through the getters `bind` filled; EOL and NOP are padding and count 0. */
function tcpOptionsSum(tcp) {
  let sum = 0;
  if (tcp.mss >= 0) sum += 2 + tcp.mss;
  if (tcp.windowScale >= 0) sum += 3 + tcp.windowScale;
  if (tcp.sackPermitted) sum += 4;
  if (tcp.tsval >= 0) sum += 8 + tcp.tsval + tcp.tsecr;
  const blocks = tcp.sackBlockCount;
  if (blocks > 0) {
    sum += 5;
    for (let i = 0; i < blocks; i++) sum += tcp.sackLeft(i) + tcp.sackRight(i);
  }
  return sum;
}

/**
 * Decodes with a reused FrameDecoder and sums every field through the allocation-free forms:
 * MACs as numbers, IPv6 addresses as words, extension headers and their options through reusable
 * cursors, TCP options through the getters `bind` filled, the payload as offset + length.
 * @param {FrameDecoder} decoder @param {Ipv6ExtensionCursor} extensions @param {Ipv6OptionCursor} options
 */
function oursSum(decoder, extensions, options, buf, s, e) {
  if (!decoder.decode(buf, s, e)) throw decoder.error;
  const { ethernet: eth, ipv6: ip, tcp } = decoder;
  const vlan = decoder.vlans[0];
  let sum =
    eth.dstMac +
    eth.srcMac +
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
    (ip.srcWord(0) + ip.srcWord(1) + ip.srcWord(2) + ip.srcWord(3)) +
    (ip.dstWord(0) + ip.dstWord(1) + ip.dstWord(2) + ip.dstWord(3));
  for (extensions.reset(ip); extensions.next(); ) {
    sum += extensions.nextHeader + extensions.length;
    if (!extensions.hasOptions) continue;
    for (options.resetTo(extensions); options.next(); ) {
      if (options.type !== 0) sum += options.type + options.dataOffset + options.dataLength; // Pad1 counts 0
    }
  }
  return (
    sum +
    tcp.srcPort +
    tcp.dstPort +
    tcp.seq +
    tcp.ack +
    tcp.dataOffset +
    tcp.flags +
    tcp.window +
    tcp.checksum +
    tcp.urgentPointer +
    (tcp.payloadOffset + tcp.payloadLength) +
    tcpOptionsSum(tcp)
  );
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
    const extensions = new Ipv6ExtensionCursor();
    const options = new Ipv6OptionCursor();
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    return {
      ours: () => oursSum(decoder, extensions, options, buf, starts[(a = (a + 1) & mask)], ends[a]),
      loop: () => ethVlanIpv6TcpLoop(dv, starts[(b = (b + 1) & mask)], ends[b]),
      'loop+views': () => ethVlanIpv6TcpLoopViews(dv, buf, starts[(c = (c + 1) & mask)], ends[c]),
      'binary-parser': () =>
        ethVlanIpv6TcpParsedSum(ethVlanIpv6TcpParser.parse(copies[(d = (d + 1) & mask)]), starts[d]),
    };
  },
};
