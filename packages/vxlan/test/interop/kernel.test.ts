import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Icmpv4Message } from '@cnikit/ethernet';
import { encodeEncapsulated, SourcePortRange, Vtep, VxlanDecapsulator } from '@cnikit/vxlan';
import { formatIpv4, formatMac, verifyChecksum } from '@cnikit/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedPacket } from '../../../../test/support/capture-reader.js';
import { icmpEchoRequest, udpDatagram } from '../inner-frames.js';
import { pcapFile } from '../pcap-file.js';
import { kernelTestBlocker, Lab, sleep } from './netns.js';
import { buildOverlay, type Overlay, type OverlayMode } from './overlay.js';

const blocker = kernelTestBlocker();
if (blocker) {
  const line = '!'.repeat(72);
  console.warn(`\n${line}\n!!! SKIPPED vxlan kernel interop tests: ${blocker}\n${line}\n`);
  if (process.env.CI === 'true') throw new Error(`vxlan kernel interop tests cannot run in CI: ${blocker}`);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const UDP_SEND = `const s = require('dgram').createSocket('udp4');
const [host, port, count] = process.argv.slice(2);
let n = 0;
const next = () => n < Number(count)
  ? s.send(Buffer.from('cnikit-' + n++), Number(port), host, next)
  : s.close();
next();`;

const UDP_LISTEN = `const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => { console.log(JSON.stringify({ data: m.toString('hex'), from: r.address, port: r.port })); process.exit(0); });
s.bind(Number(process.argv[2]), () => console.log('ready'));
setTimeout(() => process.exit(2), 20000);`;

/** Inner frames of the VXLAN frames in a capture that node `fromIp` sent, decapsulated by us. */
function innerFramesFrom(packets: readonly CapturedPacket[], fromIp: string, overlay: Overlay): Uint8Array[] {
  const d = new VxlanDecapsulator({ ports: [overlay.port] });
  const out: Uint8Array[] = [];
  for (const p of packets) {
    d.bind(p.data);
    expect(d.vxlan.vni).toBe(overlay.vni);
    expect(d.vxlan.flags).toBe(0x0800);
    expect(d.udp.dstPort).toBe(overlay.port);
    if (formatIpv4(d.ipv4!.src) !== fromIp) continue;
    // The kernel's source port: a flow hash inside net.ipv4.ip_local_port_range (Linux's default).
    expect(d.udp.srcPort).toBeGreaterThanOrEqual(SourcePortRange.linux.min);
    expect(d.udp.srcPort).toBeLessThanOrEqual(SourcePortRange.linux.max);
    out.push(p.data.slice(d.inner.start, d.inner.end));
  }
  return out;
}

for (const mode of ['bridged', 'flannel'] as OverlayMode[]) {
  describe.skipIf(blocker !== undefined)(`kernel vxlan interop, ${mode}`, () => {
    let lab: Lab;
    let overlay: Overlay;

    beforeAll(() => {
      lab = new Lab();
      overlay = buildOverlay(lab, mode);
      writeFileSync(join(lab.dir, 'udp-send.cjs'), UDP_SEND);
      writeFileSync(join(lab.dir, 'udp-listen.cjs'), UDP_LISTEN);
    });
    afterAll(() => lab?.cleanup());

    it(`(a) decapsulate yields exactly the frames pod A sent (dstport ${mode === 'bridged' ? 4789 : 8472})`, async () => {
      const [a, b] = overlay.nodes;
      const underlay = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
      const pod = await lab.capture(a.pod, 'eth0', '');
      lab.run(a.pod, `ping -c 3 -i 0.2 -W 2 ${b.podIp}`);
      lab.run(a.pod, `${process.execPath} ${join(lab.dir, 'udp-send.cjs')} ${b.podIp} 9999 3`);
      await sleep(300);
      const underlayPackets = await underlay.stop();
      const podFrames = (await pod.stop()).map((p) => p.data).filter((f) => formatMac(f, 6) === a.podMac);
      const inner = innerFramesFrom(underlayPackets, a.underlayIp, overlay);
      // 3 echo requests + 3 UDP datagrams (+ the ARP request when bridged)
      expect(inner.length).toBeGreaterThanOrEqual(6);

      if (mode === 'bridged') {
        // Bridged: the pod's frames cross the tunnel unchanged, byte for byte, in order (the
        // bridge's own IGMP reports also cross it; they are not the pod's).
        const fromPod = inner.filter((f) => formatMac(f, 6) === a.podMac);
        expect(fromPod.map(hex)).toEqual(podFrames.map(hex));
        expect(inner.some((f) => f[12] === 0x08 && f[13] === 0x06)).toBe(true);
        // Our VTEP model, fed node B the same underlay frames, learns what node B's kernel learned.
        const model = new Vtep({
          vni: overlay.vni,
          localMac: b.underlayMac,
          localIp: b.underlayIp,
          port: overlay.port,
          underlayMac: () => a.underlayMac,
        });
        for (const p of underlayPackets) {
          if (formatIpv4(readU32(p.data, 26)) !== a.underlayIp) continue;
          expect(model.receive(p.data).delivered).toBe(true);
        }
        const learned = model.fdb
          .entries()
          .filter((e) => !e.static)
          .map((e) => `${e.mac} dst ${e.remotes.join(',')}`)
          .sort();
        const kernel = lab
          .run(b.ns, `bridge fdb show dev ${overlay.vxlanDev}`)
          .split('\n')
          .filter((l) => / dst /.test(l) && !l.includes('permanent'))
          .map((l) => l.replace(/ self.*$/, '').trim())
          .sort();
        // The kernel may also have learned from frames sent outside the capture window (the
        // bridge's own IGMP/ND chatter during setup), so every entry the model learned must be
        // the kernel's, and the pod's entry must be in both.
        expect(learned).toContain(`${a.podMac} dst ${a.underlayIp}`);
        expect(kernel).toContain(`${a.podMac} dst ${a.underlayIp}`);
        expect(kernel).toEqual(expect.arrayContaining(learned));
      } else {
        // Routed (flannel): the inner frame is VTEP MAC to VTEP MAC, and the pod's IP packet with
        // TTL one lower and the header checksum updated; every other byte is the pod's.
        const podIp = podFrames.filter(
          (f) => f[12] === 0x08 && f[13] === 0x00 && formatIpv4(readU32(f, 30)) === b.podIp,
        );
        expect(inner.length).toBe(podIp.length);
        inner.forEach((f, i) => {
          const sent = podIp[i];
          expect(formatMac(f, 0)).toBe(b.vtepMac);
          expect(formatMac(f, 6)).toBe(a.vtepMac);
          expect(f[14 + 8]).toBe(sent[14 + 8] - 1);
          expect(verifyChecksum(f, 14, 34)).toBe(true);
          const mask = (x: Uint8Array) => {
            const c = x.slice(14);
            c[8] = 0;
            c[10] = 0;
            c[11] = 0;
            return hex(c);
          };
          expect(mask(f)).toBe(mask(sent));
        });
      }
      const kinds = inner.map((f) => (f[12] === 0x08 && f[13] === 0 ? f[23] : -1));
      expect(kinds.filter((k) => k === 1).length).toBe(3);
      expect(kinds.filter((k) => k === 17).length).toBe(3);
    });

    it('(b) the kernel delivers frames built by encapsulate: a UDP datagram and an ICMP echo', async () => {
      const [a, b] = overlay.nodes;
      const innerEth =
        mode === 'bridged'
          ? { srcMac: b.podMac, dstMac: a.podMac }
          : { srcMac: b.vtepMac, dstMac: a.vtepMac };
      const endpoints = { ...innerEth, srcIp: b.podIp, dstIp: a.podIp };
      if (mode === 'bridged')
        lab.run(a.pod, `ip neigh replace ${b.podIp} lladdr ${b.podMac} dev eth0 nud permanent`);
      const outer = {
        srcMac: b.underlayMac,
        dstMac: a.underlayMac,
        src: b.underlayIp,
        dst: a.underlayIp,
        vni: overlay.vni,
        port: overlay.port,
      };
      const payload = new TextEncoder().encode('built by cnikit encapsulate');
      const echoData = Uint8Array.from({ length: 40 }, (_, i) => i);
      const frames = [
        encodeEncapsulated(udpDatagram(endpoints, 45678, 7777, payload), outer),
        encodeEncapsulated(icmpEchoRequest(endpoints, 0x4242, 7, echoData), { ...outer, udpChecksum: true }),
      ];
      const listener = lab.spawn(a.pod, `${process.execPath} ${join(lab.dir, 'udp-listen.cjs')} 7777`);
      let listenerOut = '';
      listener.stdout?.on('data', (d: Buffer) => {
        listenerOut += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => listener.on('exit', (code) => resolve(code)));
      for (let i = 0; i < 100 && !listenerOut.includes('ready'); i++) await sleep(50);
      expect(listenerOut).toContain('ready');

      const underlay = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
      const file = join(lab.dir, `inject-${mode}.pcap`);
      writeFileSync(file, pcapFile(frames));
      lab.run(b.ns, `tcpreplay -q -i ${b.underlayDev} ${file}`);
      expect(await Promise.race([exited, sleep(10_000).then(() => 'timeout')])).toBe(0);
      await sleep(300);
      const captured = await underlay.stop();

      const message = JSON.parse(listenerOut.split('\n').find((l) => l.startsWith('{')) ?? '{}');
      expect(message).toEqual({ data: hex(payload), from: b.podIp, port: 45678 });

      // The echo reply came back through the tunnel; our decapsulate finds it.
      const replies = innerFramesFrom(captured, a.underlayIp, overlay).filter((f) => f[23] === 1);
      expect(replies.length).toBe(1);
      const reply = replies[0];
      expect(formatIpv4(readU32(reply, 26))).toBe(a.podIp);
      expect(formatIpv4(readU32(reply, 30))).toBe(b.podIp);
      const icmp = Icmpv4Message.parse(reply, 34, reply.length);
      expect(icmp.type).toBe(0);
      expect(icmp.identifier).toBe(0x4242);
      expect(icmp.sequence).toBe(7);
      expect(hex(icmp.payload)).toBe(hex(echoData));
    });
  });
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
