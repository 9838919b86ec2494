import { Icmpv4Message } from '@cnikit/ethernet';
import { encodeEncapsulated, Vtep } from '@cnikit/vxlan';
import { formatMac, verifyChecksum } from '@cnikit/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab, sleep } from '../../../../test/support/netns.js';
import { icmpEchoRequest, udpDatagram } from '../inner-frames.js';
import {
  asCaptured,
  decodeUnderlay,
  hex,
  icmpTypeOf,
  inject,
  innerFramesFrom,
  ipv4At,
  outerHeaders,
  startListener,
  udpListen,
  udpSend,
  writeScripts,
} from './harness.js';
import { buildOverlay, type Overlay, type OverlayMode, replaceVxlanDevice } from './overlay.js';

const blocker = kernelTestBlocker();
announceKernelTestBlocker(blocker, 'vxlan kernel interop tests');

const runs: { mode: OverlayMode; underlay: 4 | 6 }[] = [
  { mode: 'bridged', underlay: 4 },
  { mode: 'flannel', underlay: 4 },
  { mode: 'bridged', underlay: 6 },
  { mode: 'flannel', underlay: 6 },
];

/** Inner endpoints of a frame from pod B to pod A as node B's kernel would tunnel it. */
function podBToPodA(overlay: Overlay) {
  const [a, b] = overlay.nodes;
  const eth =
    overlay.mode === 'bridged'
      ? { srcMac: b.podMac, dstMac: a.podMac }
      : { srcMac: b.vtepMac, dstMac: a.vtepMac };
  return { ...eth, srcIp: b.podIp, dstIp: a.podIp };
}

const text = (s: string) => new TextEncoder().encode(s);

for (const { mode, underlay } of runs) {
  const port = mode === 'bridged' ? 4789 : 8472;
  describe.skipIf(blocker !== undefined)(`kernel vxlan interop, ${mode}, IPv${underlay} underlay`, () => {
    let lab: Lab;
    let overlay: Overlay;

    beforeAll(() => {
      lab = new Lab();
      overlay = buildOverlay(lab, mode, { underlay });
      writeScripts(lab);
    });
    afterAll(() => lab?.cleanup());

    it(`(a) decapsulate yields exactly the frames pod A sent (dstport ${port}); the kernel's outer UDP checksums check out`, async () => {
      const [a, b] = overlay.nodes;
      const underlay = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
      const pod = await lab.capture(a.pod, 'eth0', '');
      lab.run(a.pod, `ping -c 3 -i 0.2 -W 2 ${b.podIp}`);
      lab.run(a.pod, udpSend(lab, b.podIp, 9999, 3));
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
        for (const f of decodeUnderlay(underlayPackets, overlay)) {
          if (f.src === a.underlayIp) expect(model.receive(f.frame).delivered).toBe(true);
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
        const podIp = podFrames.filter((f) => f[12] === 0x08 && f[13] === 0x00 && ipv4At(f, 30) === b.podIp);
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

    it(`(b) the kernel delivers frames built by encapsulate: a UDP datagram (outer UDP checksum: encapsulate's IPv${underlay} default, ${underlay === 4 ? 'zero' : 'computed'}) and an ICMP echo`, async () => {
      const [a, b] = overlay.nodes;
      const endpoints = podBToPodA(overlay);
      if (mode === 'bridged')
        lab.run(a.pod, `ip neigh replace ${b.podIp} lladdr ${b.podMac} dev eth0 nud permanent`);
      const outer = outerHeaders(overlay, b, a);
      const payload = text('built by cnikit encapsulate');
      const echoData = Uint8Array.from({ length: 40 }, (_, i) => i);
      const frames = [
        encodeEncapsulated(udpDatagram(endpoints, 45678, 7777, payload), outer),
        encodeEncapsulated(icmpEchoRequest(endpoints, 0x4242, 7, echoData), { ...outer, udpChecksum: true }),
      ];
      expect(decodeUnderlay(asCaptured(frames), overlay).map((f) => f.checksum)).toEqual([
        underlay === 4 ? 'none' : 'good',
        'good',
      ]);
      const listener = await startListener(lab, a.pod, udpListen(lab, 7777));
      const underlayCapture = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
      inject(lab, b, frames, `${mode}-${underlay}`);
      const message = await listener.received();
      await sleep(300);
      const captured = await underlayCapture.stop();

      expect(message).toEqual({ data: hex(payload), from: b.podIp, port: 45678 });

      // The echo reply came back through the tunnel; our decapsulate finds it.
      const replies = innerFramesFrom(captured, a.underlayIp, overlay).filter((f) => icmpTypeOf(f) === 0);
      expect(replies.length).toBe(1);
      const reply = replies[0];
      expect(ipv4At(reply, 26)).toBe(a.podIp);
      expect(ipv4At(reply, 30)).toBe(b.podIp);
      const icmp = Icmpv4Message.parse(reply, 34, reply.length);
      expect(icmp.type).toBe(0);
      expect(icmp.identifier).toBe(0x4242);
      expect(icmp.sequence).toBe(7);
      expect(hex(icmp.payload)).toBe(hex(echoData));
    });

    if (underlay === 6) {
      it('(c) IPv6, noudp6zerocsumrx (the default): the kernel drops our zero-checksum frame (RFC 6935/6936) and one with a wrong checksum, counting both in Udp6InCsumErrors, and delivers the checksummed one behind them', async () => {
        const [a, b] = overlay.nodes;
        expect(lab.run(a.ns, `ip -d link show ${overlay.vxlanDev}`)).toContain(' noudp6zerocsumrx');
        const outer = outerHeaders(overlay, b, a);
        const datagram = (s: string) => udpDatagram(podBToPodA(overlay), 45679, 7778, text(s));
        const zero = encodeEncapsulated(datagram('zero outer checksum'), { ...outer, udpChecksum: false });
        const wrong = encodeEncapsulated(datagram('wrong outer checksum'), outer);
        wrong[14 + 40 + 6] ^= 0x5a; // outer UDP checksum, high byte
        const good = encodeEncapsulated(datagram('good outer checksum'), outer);
        expect(decodeUnderlay(asCaptured([zero, wrong, good]), overlay).map((f) => f.checksum)).toEqual([
          'zero-ipv6',
          'bad',
          'good',
        ]);
        const before = lab.snmp6(a.ns, 'Udp6InCsumErrors');
        const listener = await startListener(lab, a.pod, udpListen(lab, 7778));
        inject(lab, b, [zero, wrong, good], `${mode}-zero-csum-rx-off`);
        // The listener takes the first datagram that reaches the pod: the third frame's.
        expect(await listener.received()).toEqual({
          data: hex(text('good outer checksum')),
          from: b.podIp,
          port: 45679,
        });
        expect(lab.snmp6(a.ns, 'Udp6InCsumErrors') - before).toBe(2);
      });

      it('(d) IPv6, udp6zerocsumrx: the kernel accepts our zero-checksum frame; with udp6zerocsumtx it sends zero outer checksums itself and decapsulate reads those frames (checksum status zero-ipv6)', async () => {
        const [a, b] = overlay.nodes;
        // Neither flag can be changed on a live device: create both devices again.
        replaceVxlanDevice(lab, overlay, 0, 'udp6zerocsumrx');
        replaceVxlanDevice(lab, overlay, 1, 'udp6zerocsumtx');
        expect(lab.run(a.ns, `ip -d link show ${overlay.vxlanDev}`)).toContain(' udp6zerocsumrx');
        expect(lab.run(b.ns, `ip -d link show ${overlay.vxlanDev}`)).toContain(' udp6zerocsumtx');

        const payload = text('zero outer checksum, udp6zerocsumrx');
        const zero = encodeEncapsulated(udpDatagram(podBToPodA(overlay), 45680, 7779, payload), {
          ...outerHeaders(overlay, b, a),
          udpChecksum: false,
        });
        const before = lab.snmp6(a.ns, 'Udp6InCsumErrors');
        const listener = await startListener(lab, a.pod, udpListen(lab, 7779));
        inject(lab, b, [zero], `${mode}-zero-csum-rx-on`);
        expect(await listener.received()).toEqual({ data: hex(payload), from: b.podIp, port: 45680 });
        expect(lab.snmp6(a.ns, 'Udp6InCsumErrors')).toBe(before);

        // Node B's kernel now sends zero outer checksums; node A (udp6zerocsumrx) takes them, so
        // the pings get answered (ping exits non-zero otherwise), and node A still checksums.
        const capture = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
        lab.run(b.pod, `ping -c 2 -i 0.2 -W 2 ${a.podIp}`);
        await sleep(300);
        const frames = decodeUnderlay(await capture.stop(), overlay);
        const fromB = frames.filter((f) => f.src === b.underlayIp);
        const fromA = frames.filter((f) => f.src === a.underlayIp);
        expect(fromB.map((f) => f.checksum)).toEqual(fromB.map(() => 'zero-ipv6'));
        expect(fromA.map((f) => f.checksum)).toEqual(fromA.map(() => 'good'));
        const echo = (frames: typeof fromB, type: number, src: string, dst: string) =>
          frames.filter(
            (f) => icmpTypeOf(f.inner) === type && ipv4At(f.inner, 26) === src && ipv4At(f.inner, 30) === dst,
          ).length;
        expect(echo(fromB, 8, b.podIp, a.podIp)).toBe(2);
        expect(echo(fromA, 0, a.podIp, b.podIp)).toBe(2);
      });
    }
  });
}
