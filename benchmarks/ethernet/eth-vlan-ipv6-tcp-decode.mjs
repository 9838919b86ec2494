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
 * MACs through their 24-bit halves, IPv6 addresses through their 16-bit groups (small integers,
 * never boxed; folded to the 48-bit MAC numbers and 32-bit words the references read), extension
 * headers and their options through reusable cursors, TCP options through the getters `bind` filled, the payload as offset + length.
 * @param {FrameDecoder} decoder @param {Ipv6ExtensionCursor} extensions @param {Ipv6OptionCursor} options
 */
function oursSum(decoder, extensions, options, buf, s, e) {
  if (!decoder.decode(buf, s, e)) throw decoder.error;
  const { ethernet: eth, ipv6: ip, tcp } = decoder;
  const vlan = decoder.vlans[0];
  let sum =
    (eth.dstMacHi + eth.srcMacHi) * 0x1000000 +
    eth.dstMacLo +
    eth.srcMacLo +
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
    // The addresses as four 32-bit words each, summed from their 16-bit groups (never boxed).
    (ip.srcGroup(0) + ip.srcGroup(2) + ip.srcGroup(4) + ip.srcGroup(6)) * 0x10000 +
    (ip.srcGroup(1) + ip.srcGroup(3) + ip.srcGroup(5) + ip.srcGroup(7)) +
    (ip.dstGroup(0) + ip.dstGroup(2) + ip.dstGroup(4) + ip.dstGroup(6)) * 0x10000 +
    (ip.dstGroup(1) + ip.dstGroup(3) + ip.dstGroup(5) + ip.dstGroup(7));
  for (extensions.reset(ip); extensions.next(); ) {
    sum += extensions.nextHeader + extensions.length;
    if (!extensions.hasOptions) continue;
    for (options.resetTo(extensions); options.next(); ) {
      if (options.type !== 0) sum += options.type + options.dataOffset + options.dataLength; // Pad1 counts 0
    }
  }
  return (
    (sum +
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
      tcpOptionsSum(tcp)) |
    0
  ); // folded as the driver folds it (see references/ours-field-sums.mjs)
}

/** @type {import('../harness/case-file.mjs').BenchCase} */
export const ethVlanIpv6TcpDecode = {
  id: 'eth-vlan-ipv6-tcp-decode',
  title: '(b) Eth/802.1Q/IPv6+HBH/TCP+opts decode all',
  peer: { gopacket: 'BenchmarkDecodeEthVlanIpv6Tcp' },
  // Issue #12: ahead of gopacket's DecodingLayerParser, allocation-free; the loop ratio guards.
  formats: true,
  targets: [
    { vs: 'gopacket', max: 0.9 },
    { allocationFree: 'ours' },
    { vs: 'loop', max: 4.5 },
    { vs: 'binary-parser', max: 0.2 },
    { of: 'ours-cjs', vs: 'ours', max: 1.1 },
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
