/** Case (c): Ethernet / IPv4 / UDP bound, then three fields read: IPv4 dst, UDP dst port, protocol. */
import { EthernetFrame, FrameDecoder, Ipv4Packet, UdpDatagram } from '@cnikit/ethernet';
import { FrameRing, readFrame } from '../harness/frames.mjs';
import { ethIpv4UdpLazyLoop } from '../references/loop-eth-ipv4-udp-lazy.mjs';

/** @param {FrameDecoder} decoder */
function oursLazy(decoder, buf, s, e) {
  if (!decoder.decode(buf, s, e)) throw decoder.error;
  return decoder.ipv4.dst + decoder.udp.dstPort + decoder.ipv4.protocol;
}

/** The same with the three views bound by hand (informational: what FrameDecoder adds). */
function oursBind(eth, ip, udp, buf, s, e) {
  eth.bind(buf, s, e);
  ip.bind(buf, eth.payloadOffset, e);
  udp.bind(buf, ip.payloadOffset, ip.end);
  return ip.dst + udp.dstPort + ip.protocol;
}

/** @type {import('../harness/case-file.mjs').BenchCase} */
export const ethIpv4UdpLazy = {
  id: 'eth-ipv4-udp-lazy',
  title: '(c) Eth/IPv4/UDP lazy 3 fields',
  peer: { gopacket: 'BenchmarkDecodeEthIpv4Udp' },
  formats: true,
  // issue #12: the loop ratio guards
  targets: [{ vs: 'loop', max: 2 }, { allocationFree: 'ours' }, { of: 'ours-cjs', vs: 'ours', max: 1.1 }],
  allocation: ['ours', 'loop', 'ours-bind'],
  setup() {
    const { buf, starts, ends, mask } = new FrameRing(readFrame('eth-ipv4-udp'));
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const eth = new EthernetFrame();
    const ip = new Ipv4Packet();
    const udp = new UdpDatagram();
    const decoder = new FrameDecoder();
    let a = 0;
    let b = 0;
    let c = 0;
    return {
      ours: () => oursLazy(decoder, buf, starts[(a = (a + 1) & mask)], ends[a]),
      loop: () => ethIpv4UdpLazyLoop(dv, starts[(b = (b + 1) & mask)], ends[b]),
      'ours-bind': () => oursBind(eth, ip, udp, buf, starts[(c = (c + 1) & mask)], ends[c]),
    };
  },
};
