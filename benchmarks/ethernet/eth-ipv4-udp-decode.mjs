/** Case (a): Ethernet / IPv4 / UDP with a 32-byte payload, every field decoded. */
import { FrameDecoder } from '@cnikit/ethernet';
import { FrameRing, readFrame } from '../harness/frames.mjs';
import { ethIpv4UdpParsedSum, ethIpv4UdpParser } from '../references/binary-parser-eth-ipv4-udp.mjs';
import { ethIpv4UdpLoop, ethIpv4UdpLoopViews } from '../references/loop-eth-ipv4-udp.mjs';
import { ethSum, ipv4Sum, udpSum } from '../references/ours-field-sums.mjs';

/**
 * Decodes with a reused FrameDecoder (as gopacket's DecodingLayerParser is used) and reads every
 * wire field once through its allocation-free getter: MACs and IPv4 addresses through their
 * small-integer halves (`dstMacHi`/`dstMacLo`, `srcHi`/`srcLo`: never boxed), the
 * options area and the payload as offset + length (`flags` for the three flag bits; derived
 * getters such as `headerLength` repeat a field). The subarray getters (`dst`, `optionBytes`,
 * `payload`) cost what the `loop+views` row shows.
 * @param {FrameDecoder} decoder
 */
function oursSum(decoder, buf, s, e) {
  if (!decoder.decode(buf, s, e)) throw decoder.error;
  return (ethSum(decoder.ethernet) + ipv4Sum(decoder.ipv4) + udpSum(decoder.udp)) | 0;
}

/** @type {import('../harness/case-file.mjs').BenchCase} */
export const ethIpv4UdpDecode = {
  id: 'eth-ipv4-udp-decode',
  title: '(a) Eth/IPv4/UDP decode every field',
  peer: { gopacket: 'BenchmarkDecodeEthIpv4Udp' },
  // Issue #12: ahead of gopacket's DecodingLayerParser, allocation-free; the loop ratio guards
  // against regressions.
  formats: true,
  targets: [
    { vs: 'gopacket', max: 0.9 },
    { allocationFree: 'ours' },
    { vs: 'loop', max: 2.7 },
    { vs: 'binary-parser', max: 0.2 },
    { of: 'ours-cjs', vs: 'ours', max: 1.1 },
  ],
  allocation: ['ours', 'loop'],
  setup() {
    const { buf, starts, ends, copies, mask } = new FrameRing(readFrame('eth-ipv4-udp'));
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const decoder = new FrameDecoder();
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    return {
      ours: () => oursSum(decoder, buf, starts[(a = (a + 1) & mask)], ends[a]),
      loop: () => ethIpv4UdpLoop(dv, starts[(b = (b + 1) & mask)], ends[b]),
      'loop+views': () => ethIpv4UdpLoopViews(dv, buf, starts[(c = (c + 1) & mask)], ends[c]),
      'binary-parser': () =>
        ethIpv4UdpParsedSum(ethIpv4UdpParser.parse(copies[(d = (d + 1) & mask)]), starts[d]),
    };
  },
};
