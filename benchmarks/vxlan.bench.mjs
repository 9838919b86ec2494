/**
 * @cnikit/vxlan hot paths (issue "@cnikit/vxlan", requirement 4), on frames/vxlan-eth-ipv4-udp.hex
 * (outer Ethernet / IPv4 / UDP 4789 / VXLAN VNI 42 around frames/vxlan-inner.hex, a 64-byte
 * Ethernet / IPv4 / UDP frame with a 32-byte payload, both built by gopacket):
 *   (a) decapsulate and read every field of all seven layers;
 *   (b) only the VNI and the inner destination IPv4 address, allocation-free;
 *   (c) encapsulate the 64-byte inner frame: outer IPv4 checksum, source port from the flow hash.
 * The hand-written references live here (this file is the VXLAN engineer's only one in benchmarks/).
 */
import { Ipv4Packet, UdpDatagram } from '@cnikit/ethernet';
import { decapsulate, VxlanDecapsulator, VxlanEncapsulator } from '@cnikit/vxlan';
import { Parser } from 'binary-parser';
import { FrameRing, readFrame } from './harness/frames.mjs';
import {
  ethernetHeader,
  ethIpv4UdpParsedSum,
  ethIpv4UdpParser,
  ipv4Header,
  udpHeader,
} from './references/binary-parser-eth-ipv4-udp.mjs';
import { bytesAt, mac48At } from './references/field-values.mjs';
import { checkEthIpv4Udp, ethIpv4UdpScalars } from './references/loop-eth-ipv4-udp.mjs';
import {
  ethSum,
  ethViewsSum,
  ipv4Sum,
  ipv4ViewsSum,
  udpSum,
  udpViewsSum,
} from './references/ours-field-sums.mjs';

const FRAME = readFrame('vxlan-eth-ipv4-udp');
const INNER = readFrame('vxlan-inner');
const VXLAN_PORTS = [4789, 8472];

// ---------------------------------------------------------------- field sums (ours)
//
// "Every field" is read in the numeric forms on every side (the tech lead's decision, see
// FINDINGS.md): a MAC as its 48-bit number (`dstMac`, `readMac48`: hi16 * 2^32 + lo32), a byte range
// (IPv4 options, payloads) as offset + length. The subarray getters are timed too, as `ours+views`
// (informational): same sums, MACs folded to the same 48-bit numbers. The Ethernet, IPv4 and UDP
// sums are the ethernet case's (references/ours-field-sums.mjs).

function vxlanSum(vx) {
  return vx.flags + vx.groupPolicyId + vx.vni + vx.reserved8;
}

/**
 * Ours for (a): the reusable decapsulator (outer Ethernet / IPv4 / UDP / VXLAN and the inner
 * Ethernet), then the inner IPv4 and UDP views bound the same way, every field read once in its
 * numeric form (`views`: through the subarray getters instead).
 */
function makeOursAll(views) {
  const d = new VxlanDecapsulator({ ports: VXLAN_PORTS });
  const innerIp = new Ipv4Packet();
  const innerUdp = new UdpDatagram();
  if (views) {
    return (buf, s, e) => {
      bindAll(d, innerIp, innerUdp, buf, s, e);
      return (
        ethViewsSum(d.ethernet) +
        ipv4ViewsSum(d.ipv4View) +
        udpViewsSum(d.udp) +
        vxlanSum(d.vxlan) +
        ethViewsSum(d.inner) +
        ipv4ViewsSum(innerIp) +
        udpViewsSum(innerUdp)
      );
    };
  }
  return (buf, s, e) => {
    bindAll(d, innerIp, innerUdp, buf, s, e);
    return (
      (ethSum(d.ethernet) +
        ipv4Sum(d.ipv4View) +
        udpSum(d.udp) +
        vxlanSum(d.vxlan) +
        ethSum(d.inner) +
        ipv4Sum(innerIp) +
        udpSum(innerUdp)) |
      0
    ); // folded as the driver sinks it: a 48-bit sum returned from a call would be boxed
  };
}

/** Decapsulates buf[s, e) into `d`, then binds the inner IPv4 and UDP views. */
function bindAll(d, innerIp, innerUdp, buf, s, e) {
  d.bind(buf, s, e);
  const inner = d.inner;
  if (inner.etherType !== 0x0800) throw new Error('inner frame is not IPv4');
  const ip = innerIp.bind(buf, inner.payloadOffset, inner.end);
  if (ip.protocol !== 17) throw new Error('inner packet is not UDP');
  innerUdp.bind(buf, ip.payloadOffset, ip.end);
}

// ---------------------------------------------------------------- hand-written loop references

/** Checks the outer layers as a safe decapsulator must; returns the VXLAN header's offset. */
function checkOuter(dv, s, e) {
  const udp = checkEthIpv4Udp(dv, s, e);
  const port = dv.getUint16(udp + 2);
  if (port !== 4789 && port !== 8472) throw new Error('not a VXLAN port');
  const udpEnd = udp + dv.getUint16(udp + 4);
  if (udpEnd !== s + 14 + dv.getUint16(s + 16)) throw new Error('UDP and IPv4 lengths disagree');
  if ((dv.getUint16(s + 20) & 0x3fff) !== 0) throw new Error('fragment');
  const vx = udp + 8;
  if (udpEnd - vx < 8 + 14) throw new Error('short VXLAN');
  if ((dv.getUint8(vx) & 0x08) === 0) throw new Error('I flag clear');
  return vx;
}

/** (a) by hand: every field of the seven layers, MACs as 48-bit numbers, byte ranges as offset + length. */
function vxlanLoop(dv, s, e) {
  const vx = checkOuter(dv, s, e);
  const udp = vx - 8;
  const udpEnd = udp + dv.getUint16(udp + 4);
  const i = vx + 8;
  const iudp = checkEthIpv4Udp(dv, i, udpEnd);
  return (
    ethIpv4UdpScalars(dv, s, udp) +
    mac48At(dv, s) +
    mac48At(dv, s + 6) +
    bytesAt(s + 34, udp - s - 34) +
    bytesAt(vx, udpEnd - vx) +
    dv.getUint16(vx) +
    dv.getUint16(vx + 2) +
    (dv.getUint32(vx + 4) >>> 8) +
    dv.getUint8(vx + 7) +
    ethIpv4UdpScalars(dv, i, iudp) +
    mac48At(dv, i) +
    mac48At(dv, i + 6) +
    bytesAt(i + 34, iudp - i - 34) +
    bytesAt(iudp + 8, dv.getUint16(iudp + 4) - 8)
  );
}

/** (b) by hand: the same checks, then only the VNI and the inner destination address. */
function vniAndInnerDstLoop(dv, s, e) {
  const vx = checkOuter(dv, s, e);
  const udpEnd = vx - 8 + dv.getUint16(vx - 4);
  const ip = vx + 8 + 14;
  if (dv.getUint16(vx + 8 + 12) !== 0x0800 || udpEnd - ip < 20) throw new Error('inner frame is not IPv4');
  const vihl = dv.getUint8(ip);
  const ihl = (vihl & 15) * 4;
  if (vihl >>> 4 !== 4 || ihl < 20 || dv.getUint16(ip + 2) < ihl || ip + dv.getUint16(ip + 2) > udpEnd) {
    throw new Error('bad inner IPv4 header');
  }
  return (dv.getUint32(vx + 4) >>> 8) + dv.getUint32(ip + 16);
}

// ---------------------------------------------------------------- binary-parser reference for (a)
//
// The numeric forms too (as references/binary-parser-eth-ipv4-udp.mjs, whose parser reads the inner
// frame): MACs as 16 + 32 bits, byte ranges as saved offsets, skipped with `seek`.

const vxlanParser = new Parser()
  .uint16be('flags')
  .uint16be('gbp')
  .bit24('vni')
  .uint8('reserved8')
  .nest('inner', { type: ethIpv4UdpParser });
const outerUdpParser = udpHeader().choice('vxlan', {
  tag: 'dstPort',
  choices: { 4789: vxlanParser, 8472: vxlanParser },
});
const vxlanFrameParser = ethernetHeader(ipv4Header(outerUdpParser));

/** `s`: where the parsed copy starts in the ring (saved offsets are relative to it). */
function parsedSum(f, s) {
  const vx = f.ip.udp.vxlan;
  return (
    ethIpv4UdpParsedSum(f, s) + vx.flags + vx.gbp + vx.vni + vx.reserved8 + ethIpv4UdpParsedSum(vx.inner, s)
  );
}

// ---------------------------------------------------------------- (c) encapsulation

const OUTER = {
  srcMac: FRAME.subarray(6, 12),
  dstMac: FRAME.subarray(0, 6),
  src: '192.168.0.1',
  dst: '192.168.0.2',
  vni: 42,
  identification: 0x2a2a,
  df: true,
};
const INPUTS = 64;

/** INPUTS inner frames: the reference one with its UDP source port varied, so every flow hashes apart. */
function makeInnerFrames() {
  return Array.from({ length: INPUTS }, (_, i) => {
    const f = INNER.slice();
    const port = ((f[34] << 8) | f[35]) + i;
    f[34] = port >> 8;
    f[35] = port;
    return f;
  });
}

function mix(h, k) {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * (c) by hand, specialised to what it is given (untagged inner IPv4 with ports, outer IPv4): the
 * same flow hash and port mapping as ours (so the ops agree), fixed header words, the IPv4 header
 * checksum from the field values, the inner frame copied. No range checks.
 */
function encapLoop(dv, out, inner, srcMac, dstMac, src, dst) {
  const n = inner.length;
  const total = 50 + n;
  if (total > out.length) throw new RangeError('out is too small');
  out.set(inner, 50);
  const ihl = (inner[14] & 15) * 4;
  let h = mix(0, (inner[26] << 24) | (inner[27] << 16) | (inner[28] << 8) | inner[29]);
  h = mix(h, (inner[30] << 24) | (inner[31] << 16) | (inner[32] << 8) | inner[33]);
  h = mix(h, inner[23]);
  const p = 14 + ihl;
  h = mix(h, (inner[p] << 24) | (inner[p + 1] << 16) | (inner[p + 2] << 8) | inner[p + 3]);
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  const srcPort = 49152 + Math.floor((((h ^ (h << 16)) >>> 16) * 16384) / 0x10000);
  for (let k = 0; k < 6; k++) {
    out[k] = dstMac[k];
    out[6 + k] = srcMac[k];
  }
  dv.setUint16(12, 0x0800);
  const ipLength = total - 14;
  dv.setUint16(14, 0x4500);
  dv.setUint16(16, ipLength);
  dv.setUint16(18, 0x2a2a);
  dv.setUint16(20, 0x4000);
  dv.setUint16(22, 0x4011);
  dv.setUint32(26, src);
  dv.setUint32(30, dst);
  let sum =
    0x4500 +
    ipLength +
    0x2a2a +
    0x4000 +
    0x4011 +
    (src >>> 16) +
    (src & 0xffff) +
    (dst >>> 16) +
    (dst & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(24, ~sum & 0xffff);
  dv.setUint16(34, srcPort);
  dv.setUint16(36, 4789);
  dv.setUint16(38, ipLength - 20);
  dv.setUint16(40, 0);
  dv.setUint32(42, 0x08000000);
  dv.setUint32(46, 42 << 8);
  return total;
}

/** Bytes written plus the IPv4 checksum and UDP source port read back: equal sums, equal headers. */
function written(out, n) {
  return n + ((out[24] << 8) | out[25]) + ((out[34] << 8) | out[35]);
}

/** @type {import('./harness/case-file.mjs').BenchCase[]} */
export const cases = [
  {
    id: 'vxlan-decap-all',
    title: '(a) VXLAN decap, every field of 7 layers',
    peer: { gopacket: 'BenchmarkDecodeVxlan' },
    // Issue #12: ahead of gopacket's DecodingLayerParser, allocation-free; the loop ratio guards.
    formats: true,
    targets: [
      { vs: 'gopacket', max: 0.9 },
      { allocationFree: 'ours' },
      { vs: 'loop', max: 2.3 },
      { vs: 'binary-parser', max: 0.2 },
      { of: 'ours-cjs', vs: 'ours', max: 1.1 },
    ],
    allocation: ['ours', 'loop'],
    setup() {
      const { buf, starts, ends, copies, mask } = new FrameRing(FRAME);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const ours = makeOursAll(false);
      const oursViews = makeOursAll(true);
      let a = 0;
      let b = 0;
      let c = 0;
      let v = 0;
      return {
        ours: () => ours(buf, starts[(a = (a + 1) & mask)], ends[a]),
        'ours+views': () => oursViews(buf, starts[(v = (v + 1) & mask)], ends[v]),
        loop: () => vxlanLoop(dv, starts[(b = (b + 1) & mask)], ends[b]),
        'binary-parser': () => parsedSum(vxlanFrameParser.parse(copies[(c = (c + 1) & mask)]), starts[c]),
      };
    },
    verify() {
      const d = decapsulate(FRAME);
      if (
        d.vxlan.vni !== 42 ||
        Buffer.compare(d.inner.buf.subarray(d.inner.start, d.inner.end), INNER) !== 0
      ) {
        throw new Error('decapsulate does not give back frames/vxlan-inner.hex');
      }
    },
  },
  {
    id: 'vxlan-decap-lazy',
    title: '(b) VXLAN decap, VNI + inner dst IP only',
    peer: { gopacket: 'BenchmarkDecodeVxlan' },
    formats: true,
    // issue #12: the loop ratio guards
    targets: [{ vs: 'loop', max: 2.5 }, { allocationFree: 'ours' }, { of: 'ours-cjs', vs: 'ours', max: 1.1 }],
    allocation: ['ours', 'loop'],
    setup() {
      const { buf, starts, ends, mask } = new FrameRing(FRAME);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const d = new VxlanDecapsulator({ ports: VXLAN_PORTS });
      const innerIp = new Ipv4Packet();
      let a = 0;
      let b = 0;
      return {
        ours: () => {
          d.bind(buf, starts[(a = (a + 1) & mask)], ends[a]);
          const inner = d.inner;
          if (inner.etherType !== 0x0800) throw new Error('inner frame is not IPv4');
          return d.vni + innerIp.bind(buf, inner.payloadOffset, inner.end).dst;
        },
        loop: () => vniAndInnerDstLoop(dv, starts[(b = (b + 1) & mask)], ends[b]),
      };
    },
  },
  {
    id: 'vxlan-encap',
    title: '(c) VXLAN encap of a 64-byte frame (IPv4 checksum, flow-hash port)',
    peer: { gopacket: 'BenchmarkEncapVxlan' },
    formats: true,
    // issue #12: gopacket ÷2 withdrawn
    targets: [{ vs: 'loop', max: 1.5 }, { allocationFree: 'ours' }, { of: 'ours-cjs', vs: 'ours', max: 1.1 }],
    allocation: ['ours', 'loop'],
    setup() {
      const inners = makeInnerFrames();
      const mask = INPUTS - 1;
      const enc = new VxlanEncapsulator(OUTER);
      const oursOut = new Uint8Array(256);
      const loopOut = new Uint8Array(256);
      const loopView = new DataView(loopOut.buffer);
      const src = 0xc0a80001;
      const dst = 0xc0a80002;
      let a = 0;
      let b = 0;
      return {
        ours: () => written(oursOut, enc.encapsulate(inners[(a = (a + 1) & mask)], oursOut, 0)),
        loop: () =>
          written(
            loopOut,
            encapLoop(loopView, loopOut, inners[(b = (b + 1) & mask)], OUTER.srcMac, OUTER.dstMac, src, dst),
          ),
      };
    },
    verify() {
      const enc = new VxlanEncapsulator(OUTER);
      for (const inner of makeInnerFrames()) {
        const ours = new Uint8Array(256);
        const loop = new Uint8Array(256);
        const n = enc.encapsulate(inner, ours, 0);
        const m = encapLoop(
          new DataView(loop.buffer),
          loop,
          inner,
          OUTER.srcMac,
          OUTER.dstMac,
          0xc0a80001,
          0xc0a80002,
        );
        if (n !== m || Buffer.compare(ours.subarray(0, n), loop.subarray(0, m)) !== 0) {
          throw new Error('ours and the loop encapsulate differently');
        }
        if (Buffer.compare(decapsulate(ours.subarray(0, n)).inner.payload, inner.subarray(14)) !== 0) {
          throw new Error('the encapsulated frame does not decapsulate to its inner frame');
        }
      }
    },
  },
];
