/** Case (d): Ethernet / IPv4 / UDP + 32-byte payload written into a caller's buffer, both checksums computed. */
import {
  EthernetFrame,
  Ipv4Packet,
  UdpDatagram,
  writeEthernet,
  writeEthernetIpv4Udp,
  writeIpv4,
  writeUdp,
} from '@cnikit/ethernet';
import { readFrame } from '../harness/frames.mjs';
import { writeEthIpv4UdpLoop } from '../references/loop-encode-eth-ipv4-udp.mjs';

const FRAME = readFrame('eth-ipv4-udp');
const INPUTS = 64;
const EMPTY = new Uint8Array(0);

/**
 * INPUTS header sets: frame (a)'s values, with identification and source port varied so that no
 * input is a compile-time constant. Input 0 is frame (a) exactly.
 */
function makeInputs() {
  const eth = EthernetFrame.parse(FRAME).toJSON();
  const ip = Ipv4Packet.parse(FRAME, 14).toJSON();
  const udp = UdpDatagram.parse(FRAME, 34).toJSON();
  return Array.from({ length: INPUTS }, (_, i) => {
    const ipHeader = { ...ip, identification: ip.identification + i, checksum: undefined, payload: EMPTY };
    return {
      eth: { ...eth, payload: EMPTY },
      // Lengths of the outer layers are the caller's to give when it writes layer by layer.
      ip: { ...ipHeader, totalLength: 20 + 8 + udp.payload.length },
      udp: { srcPort: udp.srcPort + i, dstPort: udp.dstPort, payload: udp.payload },
      udpOptions: { ip: { family: 4, src: ip.src, dst: ip.dst } }, // made once, as a caller would
    };
  });
}

/** Ours: the one-call writer for this stack (checks every field once, then writes). */
function oursWrite(out, x) {
  return writeEthernetIpv4Udp(x, out, 0);
}

/** Ours layer by layer: three writers, outermost first, the UDP checksum over an IpContext. */
function oursLayersWrite(out, x) {
  let o = writeEthernet(x.eth, out, 0);
  o += writeIpv4(x.ip, out, o);
  o += writeUdp(x.udp, out, o, x.udpOptions);
  return o;
}

/** Bytes written plus both checksums read back, so equal sums mean equal checksums. */
function written(out, n) {
  return n + ((out[24] << 8) | out[25]) + ((out[40] << 8) | out[41]);
}

/** @type {import('../harness/case-file.mjs').BenchCase} */
export const ethIpv4UdpEncode = {
  id: 'eth-ipv4-udp-encode',
  title: '(d) Eth/IPv4/UDP encode + checksums',
  peer: { gopacket: 'BenchmarkEncodeEthIpv4Udp' },
  formats: true,
  targets: [
    { vs: 'loop', max: 1.3 },
    { of: 'ours-cjs', vs: 'ours', max: 1.1 },
  ], // issue #12: the loop ratio guards
  allocation: ['ours', 'loop'],
  setup() {
    const inputs = makeInputs();
    const mask = INPUTS - 1;
    const oursOut = new Uint8Array(128);
    const layersOut = new Uint8Array(128);
    const loopOut = new Uint8Array(128);
    const loopView = new DataView(loopOut.buffer);
    let a = 0;
    let b = 0;
    let c = 0;
    return {
      ours: () => written(oursOut, oursWrite(oursOut, inputs[(a = (a + 1) & mask)])),
      'ours-layers': () => written(layersOut, oursLayersWrite(layersOut, inputs[(c = (c + 1) & mask)])),
      loop: () => {
        const x = inputs[(b = (b + 1) & mask)];
        return written(loopOut, writeEthIpv4UdpLoop(loopView, loopOut, 0, x.eth, x.ip, x.udp));
      },
    };
  },
  verify() {
    const [first] = makeInputs();
    for (const [name, write] of [
      ['ours', (out) => oursWrite(out, first)],
      ['ours-layers', (out) => oursLayersWrite(out, first)],
      [
        'loop',
        (out) => writeEthIpv4UdpLoop(new DataView(out.buffer), out, 0, first.eth, first.ip, first.udp),
      ],
    ]) {
      const out = new Uint8Array(128);
      const n = write(out);
      if (Buffer.compare(out.subarray(0, n), FRAME) !== 0)
        throw new Error(`${name} does not encode frame (a) exactly`);
    }
  },
};
