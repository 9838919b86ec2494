import { Icmpv4Message } from '@cnikit/ethernet';
import { encodeEncapsulated, Vtep, type VtepOptions, VxlanFlag } from '@cnikit/vxlan';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker, Lab, sleep } from '../../../../test/support/netns.js';
import { icmpEchoRequest, udpDatagram } from '../inner-frames.js';
import {
  asCaptured,
  decodeUnderlay,
  hex,
  icmpTypeOf,
  inject,
  ipv4At,
  outerHeaders,
  startListener,
  udpListen,
  writeScripts,
} from './harness.js';
import { buildOverlay, type Overlay, type OverlayNode, replaceVxlanDevice } from './overlay.js';

// python3: Node cannot read a datagram's skb mark; the listener reads it with SO_RCVMARK.
const blocker = kernelTestBlocker(['python3']);
announceKernelTestBlocker(blocker, 'vxlan kernel GBP interop tests');

/*
 * Linux's vxlan `gbp` (drivers/net/vxlan): on transmit the skb mark becomes the GBP header, its
 * low 16 bits the Group Policy ID, bit 22 the D flag, bit 19 the A flag, and no G flag at all
 * when the mark is 0; on receive the header becomes the skb mark the same way.
 */
const MARK_DONT_LEARN = 1 << 22;
const MARK_POLICY_APPLIED = 1 << 19;

/** The bridge in each node namespace gets an address, so the node itself can send marked pings. */
const bridgeIp = (i: number) => `10.244.0.10${i + 1}`;
const bridgeMac = (i: number) => `02:00:00:00:0b:0${i + 1}`;

/** Our Vtep model standing where node `at`'s kernel device stands, its remote `from`. */
function modelOf(overlay: Overlay, at: OverlayNode, from: OverlayNode, options: Partial<VtepOptions>): Vtep {
  return new Vtep({
    vni: overlay.vni,
    localMac: at.underlayMac,
    localIp: at.underlayIp,
    port: overlay.port,
    underlayMac: () => from.underlayMac,
    ...options,
  });
}

describe.skipIf(blocker !== undefined)('kernel vxlan interop, GBP (bridged, dstport 4789, gbp)', () => {
  let lab: Lab;
  let overlay: Overlay;

  beforeAll(() => {
    lab = new Lab();
    overlay = buildOverlay(lab, 'bridged', { vxlanArgs: 'gbp' });
    writeScripts(lab);
    for (const [i, n] of overlay.nodes.entries()) {
      expect(lab.run(n.ns, `ip -d link show ${overlay.vxlanDev}`)).toMatch(/ gbp /);
      lab.run(n.ns, `ip link set br0 address ${bridgeMac(i)} && ip addr add ${bridgeIp(i)}/24 dev br0`);
    }
    // Static neighbours: no ARP in the captures, every frame is one the test sent.
    const [a, b] = overlay.nodes;
    lab.run(a.ns, `ip neigh replace ${b.podIp} lladdr ${b.podMac} dev br0 nud permanent`);
    lab.run(a.pod, `ip neigh replace ${b.podIp} lladdr ${b.podMac} dev eth0 nud permanent`);
  });
  afterAll(() => lab?.cleanup());

  it('(a) the kernel sends the skb mark as G + Group Policy ID (+ D from mark bit 22, A from bit 19, higher bits dropped) and decapsulate reports it; mark 0 sends no G flag', async () => {
    const [a, b] = overlay.nodes;
    const marks = [
      0x1234,
      MARK_DONT_LEARN | 0x00ab,
      MARK_POLICY_APPLIED | 0x0cd0,
      MARK_DONT_LEARN | MARK_POLICY_APPLIED | 0xffff,
      MARK_DONT_LEARN, // policy ID 0 with G set
      0x10000000 | 0x5555, // bits the header has no room for
    ];
    const capture = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
    // SO_MARK on the node's own ping socket: the mark stays on the skb through br0 to the vxlan device.
    for (const mark of marks) lab.run(a.ns, `ping -c 1 -W 2 -m ${mark} ${b.podIp}`);
    // The pod's frames carry no mark to the vxlan device (see (b)): no G flag.
    lab.run(a.pod, `ping -c 1 -W 2 ${b.podIp}`);
    await sleep(300);
    const frames = decodeUnderlay(await capture.stop(), overlay);

    const requests = frames.filter((f) => f.src === a.underlayIp && icmpTypeOf(f.inner) === 8);
    expect(requests.map((f) => ipv4At(f.inner, 26))).toEqual([...marks.map(() => bridgeIp(0)), a.podIp]);
    const expected = marks.map((mark) => ({
      flags:
        VxlanFlag.GroupPolicy |
        VxlanFlag.Instance |
        (mark & MARK_DONT_LEARN ? VxlanFlag.DontLearn : 0) |
        (mark & MARK_POLICY_APPLIED ? VxlanFlag.PolicyApplied : 0),
      gbp: {
        vni: overlay.vni,
        groupPolicyId: mark & 0xffff,
        dontLearn: (mark & MARK_DONT_LEARN) !== 0,
        policyApplied: (mark & MARK_POLICY_APPLIED) !== 0,
      },
    }));
    expect(requests.map((f) => ({ flags: f.flags, gbp: f.gbp }))).toEqual([
      ...expected,
      { flags: VxlanFlag.Instance, gbp: undefined },
    ]);
    // Node B's frames (the echo replies, pod B's ARP for node A's bridge address) are unmarked:
    // a plain header. Not so the IGMPv3 reports node B's bridge sends now and then: igmpv3_newpack
    // calls skb_tailroom_reserve, whose reserved_tailroom shares the skb's storage with the mark,
    // so they leave with G and a Group Policy ID nobody set (198 on this kernel). Left out of this check.
    const fromB = frames.filter((f) => f.src === b.underlayIp);
    expect(fromB.filter((f) => icmpTypeOf(f.inner) === 0).length).toBe(marks.length + 1);
    const isIgmp = (inner: Uint8Array) => inner[12] === 0x08 && inner[13] === 0x00 && inner[23] === 2;
    for (const f of fromB.filter((f) => !isIgmp(f.inner))) expect(f.flags).toBe(VxlanFlag.Instance);
    for (const f of frames) expect(f.checksum).toBe('good');
  });

  it('(b) GBP frames from encapsulate are delivered; the Group Policy ID, D and A arrive as the skb mark in the node namespace (SO_RCVMARK), and reach the pod with mark 0 (cleared crossing the veth into another namespace)', async () => {
    const [a, b] = overlay.nodes;
    const outer = outerHeaders(overlay, b, a);
    const toNode = { srcMac: b.podMac, dstMac: bridgeMac(0), srcIp: b.podIp, dstIp: bridgeIp(0) };
    const toPod = { srcMac: b.podMac, dstMac: a.podMac, srcIp: b.podIp, dstIp: a.podIp };
    const nodePayload = new TextEncoder().encode('gbp to the node');
    const podPayload = new TextEncoder().encode('gbp to the pod');
    const echoData = Uint8Array.from({ length: 24 }, (_, i) => 0xa0 + i);
    const frames = [
      encodeEncapsulated(udpDatagram(toNode, 45690, 7781, nodePayload), {
        ...outer,
        gbp: { groupPolicyId: 0x2a2a, dontLearn: true, policyApplied: true },
      }),
      encodeEncapsulated(udpDatagram(toPod, 45691, 7782, podPayload), {
        ...outer,
        gbp: { groupPolicyId: 0x0c0c },
      }),
      encodeEncapsulated(icmpEchoRequest(toPod, 0x4747, 3, echoData), {
        ...outer,
        gbp: { groupPolicyId: 0x00ee },
      }),
    ];
    // What we send, as our decoder reads it: G set, the IDs and bits asked for.
    expect(decodeUnderlay(asCaptured(frames), overlay).map((f) => f.gbp)).toEqual([
      { vni: overlay.vni, groupPolicyId: 0x2a2a, dontLearn: true, policyApplied: true },
      { vni: overlay.vni, groupPolicyId: 0x0c0c, dontLearn: false, policyApplied: false },
      { vni: overlay.vni, groupPolicyId: 0x00ee, dontLearn: false, policyApplied: false },
    ]);
    const nodeListener = await startListener(lab, a.ns, udpListen(lab, 7781, true));
    const podListener = await startListener(lab, a.pod, udpListen(lab, 7782, true));
    const capture = await lab.capture(a.ns, a.underlayDev, `udp dst port ${overlay.port}`);
    inject(lab, b, frames, 'gbp');
    const atNode = await nodeListener.received();
    const atPod = await podListener.received();
    await sleep(300);
    const replies = decodeUnderlay(await capture.stop(), overlay).filter(
      (f) => f.src === a.underlayIp && icmpTypeOf(f.inner) === 0,
    );

    expect(atNode).toEqual({
      data: hex(nodePayload),
      from: b.podIp,
      port: 45690,
      mark: 0x2a2a | MARK_DONT_LEARN | MARK_POLICY_APPLIED,
    });
    expect(atPod).toEqual({ data: hex(podPayload), from: b.podIp, port: 45691, mark: 0 });
    // Our Vtep model with gbp hands on the same mark the kernel gave the node's socket.
    const policy = modelOf(overlay, a, b, { gbp: true }).receive(frames[0]);
    const mark = policy.delivered && policy.groupPolicy;
    expect(
      mark &&
        mark.id | (mark.dontLearn ? MARK_DONT_LEARN : 0) | (mark.policyApplied ? MARK_POLICY_APPLIED : 0),
    ).toBe(atNode.mark);
    // The echo reached pod A and its reply came back, unmarked: no G flag.
    expect(replies.length).toBe(1);
    expect(replies[0].flags).toBe(VxlanFlag.Instance);
    const icmp = Icmpv4Message.parse(replies[0].inner, 34, replies[0].inner.length);
    expect([icmp.type, icmp.identifier, icmp.sequence, hex(icmp.payload)]).toEqual([
      0,
      0x4747,
      3,
      hex(echoData),
    ]);
  });

  it("(c) the kernel learns the inner source MAC of a GBP frame even with D (don't learn) set, and so does our Vtep model with gbp; with honourDontLearn the model follows the draft instead", async () => {
    const [a, b] = overlay.nodes;
    const outer = outerHeaders(overlay, b, a);
    const withD = '02:00:00:00:00:d1';
    const withoutD = '02:00:00:00:00:d2';
    const frame = (srcMac: string, dontLearn: boolean) =>
      encodeEncapsulated(
        udpDatagram(
          { srcMac, dstMac: a.podMac, srcIp: b.podIp, dstIp: a.podIp },
          45692,
          9,
          new TextEncoder().encode('learn me?'),
        ),
        { ...outer, gbp: { groupPolicyId: 0x0101, dontLearn } },
      );
    const frames = [frame(withD, true), frame(withoutD, false)];
    inject(lab, b, frames, 'gbp-learning');
    const learned = () =>
      lab
        .run(a.ns, `bridge fdb show dev ${overlay.vxlanDev}`)
        .split('\n')
        .filter((l) => / dst /.test(l) && !l.includes('permanent'))
        .map((l) => l.replace(/ self.*$/, '').trim());
    // The frame without D comes second: once it is learned, both have been received.
    for (let i = 0; i < 40 && !learned().includes(`${withoutD} dst ${b.underlayIp}`); i++) await sleep(50);
    expect(learned()).toContain(`${withoutD} dst ${b.underlayIp}`);
    // drivers/net/vxlan: vxlan_rcv parses D into the skb mark, vxlan_set_mac learns regardless.
    expect(learned()).toContain(`${withD} dst ${b.underlayIp}`);

    const modelLearns = (options: Partial<VtepOptions>) => {
      const model = modelOf(overlay, a, b, options);
      for (const f of frames) expect(model.receive(f).delivered).toBe(true);
      return model.fdb.entries().map((e) => `${e.mac} dst ${e.remotes.join(',')}`);
    };
    // The kernel's table also holds what earlier tests taught it; compare the two MACs sent here.
    const ours = (entries: string[]) =>
      entries.filter((e) => e.startsWith(withD) || e.startsWith(withoutD)).sort();
    expect(modelLearns({ gbp: true }).sort()).toEqual(ours(learned()));
    expect(modelLearns({ gbp: true, honourDontLearn: true })).toEqual([`${withoutD} dst ${b.underlayIp}`]);
  });

  it('(d) a kernel VTEP without gbp drops a GBP frame (to it G is a reserved bit, and vxlan_rcv drops headers with bits it did not parse) and delivers the same frame without G', async () => {
    const [a, b] = overlay.nodes;
    replaceVxlanDevice(lab, { ...overlay, vxlanArgs: '' }, 0, '');
    expect(lab.run(a.ns, `ip -d link show ${overlay.vxlanDev}`)).not.toMatch(/ gbp /);
    const outer = outerHeaders(overlay, b, a);
    const datagram = (s: string) =>
      udpDatagram(
        { srcMac: b.podMac, dstMac: a.podMac, srcIp: b.podIp, dstIp: a.podIp },
        45693,
        7783,
        new TextEncoder().encode(s),
      );
    const listener = await startListener(lab, a.pod, udpListen(lab, 7783));
    inject(
      lab,
      b,
      [
        encodeEncapsulated(datagram('with G'), { ...outer, gbp: { groupPolicyId: 0x0101 } }),
        encodeEncapsulated(datagram('without G'), outer),
      ],
      'gbp-to-plain',
    );
    // The listener takes the first datagram that reaches the pod: the second frame's.
    expect(await listener.received()).toEqual({
      data: hex(new TextEncoder().encode('without G')),
      from: b.podIp,
      port: 45693,
    });
    // Our Vtep model without gbp decides both frames as the kernel did.
    const model = modelOf(overlay, a, b, {});
    expect(
      model.receive(encodeEncapsulated(datagram('with G'), { ...outer, gbp: { groupPolicyId: 0x0101 } })),
    ).toEqual({
      delivered: false,
      reason: 'reserved-bits',
    });
    expect(model.receive(encodeEncapsulated(datagram('without G'), outer)).delivered).toBe(true);
  });
});
