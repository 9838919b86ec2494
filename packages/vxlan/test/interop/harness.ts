import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UdpChecksumStatus } from '@cnikit/ethernet';
import { readGbp, SourcePortRange, VxlanDecapsulator, type VxlanGbpHeader } from '@cnikit/vxlan';
import { formatIpv4, formatIpv6 } from '@cnikit/wire';
import { expect } from 'vitest';
import type { CapturedPacket } from '../../../../test/support/capture-reader.js';
import { type Lab, sleep } from '../../../../test/support/netns.js';
import { pcapFile } from '../pcap-file.js';
import type { Overlay, OverlayNode } from './overlay.js';

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Sends `count` datagrams 'cnikit-<n>' to host:port (run inside a pod with Node). */
const UDP_SEND = `const s = require('dgram').createSocket('udp4');
const [host, port, count] = process.argv.slice(2);
let n = 0;
const next = () => n < Number(count)
  ? s.send(Buffer.from('cnikit-' + n++), Number(port), host, next)
  : s.close();
next();`;

/** Prints 'ready', then the first datagram it gets as JSON, and exits 0 (2 after 20 s). */
const UDP_LISTEN = `const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => { console.log(JSON.stringify({ data: m.toString('hex'), from: r.address, port: r.port })); process.exit(0); });
s.bind(Number(process.argv[2]), () => console.log('ready'));
setTimeout(() => process.exit(2), 20000);`;

/**
 * The same with the datagram's skb mark, which Node cannot read: SO_RCVMARK (Linux 5.19+) hands
 * it over as an SO_MARK control message.
 */
const UDP_LISTEN_MARK = `import json, socket, struct, sys
SO_MARK, SO_RCVMARK = 36, 75
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_RCVMARK, 1)
s.bind(('0.0.0.0', int(sys.argv[1])))
s.settimeout(20)
print('ready', flush=True)
data, anc, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(4))
mark = [struct.unpack('I', d[:4])[0] for (lvl, typ, d) in anc if lvl == socket.SOL_SOCKET and typ == SO_MARK]
print(json.dumps({'data': data.hex(), 'from': addr[0], 'port': addr[1], 'mark': mark[0] if mark else None}), flush=True)
`;

/** Writes the helper scripts into the lab's directory; `script(lab, name)` is the command. */
export function writeScripts(lab: Lab): void {
  writeFileSync(join(lab.dir, 'udp-send.cjs'), UDP_SEND);
  writeFileSync(join(lab.dir, 'udp-listen.cjs'), UDP_LISTEN);
  writeFileSync(join(lab.dir, 'udp-listen-mark.py'), UDP_LISTEN_MARK);
}

export function udpSend(lab: Lab, host: string, port: number, count: number): string {
  return `${process.execPath} ${join(lab.dir, 'udp-send.cjs')} ${host} ${port} ${count}`;
}

/** A one-datagram UDP listener: Node's, or Python's reporting the skb mark as well. */
export function udpListen(lab: Lab, port: number, withMark = false): string {
  return withMark
    ? `python3 ${join(lab.dir, 'udp-listen-mark.py')} ${port}`
    : `${process.execPath} ${join(lab.dir, 'udp-listen.cjs')} ${port}`;
}

export interface Received {
  data: string;
  from: string;
  port: number;
  mark?: number | null;
}

export interface Listener {
  /** The first datagram, or undefined if none came within `ms` (the listener exited otherwise). */
  received(ms?: number): Promise<Received | undefined>;
}

/** Starts a listener command from `udpListen` in `ns` and resolves once it prints 'ready'. */
export async function startListener(lab: Lab, ns: string, command: string): Promise<Listener> {
  const proc = lab.spawn(ns, command);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  for (let i = 0; i < 100 && !out.includes('ready'); i++) await sleep(50);
  if (!out.includes('ready')) throw new Error(`listener did not start: ${command}: ${err}`);
  const message = () => out.split('\n').find((l) => l.startsWith('{'));
  return {
    async received(ms = 10_000) {
      await Promise.race([exited, sleep(ms)]);
      const line = message();
      return line === undefined ? undefined : (JSON.parse(line) as Received);
    },
  };
}

/** Writes `frames` to a pcap file and sends them with tcpreplay out of `from`'s underlay veth. */
export function inject(lab: Lab, from: OverlayNode, frames: readonly Uint8Array[], name: string): void {
  const file = join(lab.dir, `inject-${name}.pcap`);
  writeFileSync(file, pcapFile(frames));
  lab.run(from.ns, `tcpreplay -q -i ${from.underlayDev} ${file}`);
}

/** The outer encapsulation settings node `from` would use to reach node `to` in `overlay`. */
export function outerHeaders(overlay: Overlay, from: OverlayNode, to: OverlayNode) {
  return {
    srcMac: from.underlayMac,
    dstMac: to.underlayMac,
    src: from.underlayIp,
    dst: to.underlayIp,
    vni: overlay.vni,
    port: overlay.port,
  };
}

/** One VXLAN frame of an underlay capture, as our decapsulate reads it. */
export interface UnderlayFrame {
  /** Outer source IP, IPv4 or IPv6 text. */
  readonly src: string;
  readonly srcPort: number;
  /** The VXLAN flags word (upper 16 bits of the first 32-bit word). */
  readonly flags: number;
  /** The GBP reading of the header (undefined when its G flag is clear). */
  readonly gbp: Required<VxlanGbpHeader> | undefined;
  readonly checksum: UdpChecksumStatus;
  /** A copy of the inner Ethernet frame. */
  readonly inner: Uint8Array;
  /** A copy of the whole captured frame. */
  readonly frame: Uint8Array;
}

/** Frames we built, as capture records, for decodeUnderlay. */
export function asCaptured(frames: readonly Uint8Array[]): CapturedPacket[] {
  return frames.map((data, index) => ({ data, linkType: 1, originalLength: data.length, index }));
}

/**
 * Decapsulates every packet of an underlay capture with our `VxlanDecapsulator` (each must be a
 * VXLAN frame of this overlay's VNI and port, over the overlay's underlay family).
 */
export function decodeUnderlay(packets: readonly CapturedPacket[], overlay: Overlay): UnderlayFrame[] {
  const d = new VxlanDecapsulator({ ports: [overlay.port] });
  return packets.map((p) => {
    d.bind(p.data);
    expect(d.vxlan.vni).toBe(overlay.vni);
    expect(d.udp.dstPort).toBe(overlay.port);
    expect(d.ipv6 ? 6 : 4).toBe(overlay.underlay);
    return {
      src: d.ipv4 ? formatIpv4(d.ipv4.src) : formatIpv6(d.ipv6!.src),
      srcPort: d.udp.srcPort,
      flags: d.vxlan.flags,
      gbp: readGbp(d.vxlan),
      checksum: d.udp.checksumStatus(d.ipContext()),
      inner: p.data.slice(d.inner.start, d.inner.end),
      frame: p.data.slice(),
    };
  });
}

/**
 * Inner frames of the VXLAN frames in a capture that node `fromIp`'s kernel sent, decapsulated
 * by us, checking what a kernel VTEP with default settings writes: flags I only, a source port
 * from its flow hash inside net.ipv4.ip_local_port_range, and (`udpcsum`, on by default with
 * today's iproute2, and `noudp6zerocsumtx`) a UDP checksum that checks out, over IPv4 and IPv6.
 */
export function innerFramesFrom(
  packets: readonly CapturedPacket[],
  fromIp: string,
  overlay: Overlay,
): Uint8Array[] {
  return decodeUnderlay(packets, overlay)
    .filter((f) => f.src === fromIp)
    .map((f) => {
      expect(f.flags).toBe(0x0800);
      expect(f.srcPort).toBeGreaterThanOrEqual(SourcePortRange.linux.min);
      expect(f.srcPort).toBeLessThanOrEqual(SourcePortRange.linux.max);
      expect(f.checksum).toBe('good');
      return f.inner;
    });
}

/** The ICMP type of an inner Ethernet + IPv4 + ICMP frame, or -1 for any other frame. */
export function icmpTypeOf(inner: Uint8Array): number {
  return inner[12] === 0x08 && inner[13] === 0x00 && inner[23] === 1 ? inner[34] : -1;
}

/** The IPv4 address at `b[o..o+4)` as text. */
export function ipv4At(b: Uint8Array, o: number): string {
  return formatIpv4(((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0);
}
