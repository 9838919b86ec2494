import { ALL_ZEROS_MAC, Vtep, type VtepOptions, VxlanDecapsulator } from '@cnikit/vxlan';
import { formatIpv4, formatMac } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';
import { arpRequest, icmpEchoRequest, type PodEndpoints } from './inner-frames.js';

const NODE = { a: '192.168.100.1', b: '192.168.100.2', c: '192.168.100.3' };
const UNDERLAY_MAC: Record<string, string> = {
  [NODE.a]: '02:00:00:00:01:01',
  [NODE.b]: '02:00:00:00:01:02',
  [NODE.c]: '02:00:00:00:01:03',
};
const POD = { a: '0a:00:00:00:00:0a', b: '0a:00:00:00:00:0b', c: '0a:00:00:00:00:0c' };

function vtep(ip: string, extra: Partial<VtepOptions> = {}): Vtep {
  return new Vtep({
    vni: 42,
    localMac: UNDERLAY_MAC[ip],
    localIp: ip,
    underlayMac: (remote) => UNDERLAY_MAC[remote],
    ...extra,
  });
}

const aToB: PodEndpoints = { srcMac: POD.a, dstMac: POD.b, srcIp: '10.0.0.10', dstIp: '10.0.0.11' };
const bToA: PodEndpoints = { srcMac: POD.b, dstMac: POD.a, srcIp: '10.0.0.11', dstIp: '10.0.0.10' };
const ping = (e: PodEndpoints) => icmpEchoRequest(e, 1, 1, new Uint8Array(8));

describe('VTEP model', () => {
  it('floods broadcast and unknown unicast to every remote of the all-zeros entry (head-end replication)', () => {
    const a = vtep(NODE.a);
    a.fdb.append(ALL_ZEROS_MAC, NODE.b);
    a.fdb.append(ALL_ZEROS_MAC, NODE.c);
    for (const inner of [arpRequest(aToB), ping(aToB)]) {
      const t = a.transmit(inner);
      expect(t.action).toBe('flood');
      expect(t.frames.map((f) => f.remote)).toEqual([NODE.b, NODE.c]);
      const d = new VxlanDecapsulator();
      for (const { remote, frame } of t.frames) {
        d.bind(frame);
        expect(formatIpv4(d.ipv4!.dst)).toBe(remote);
        expect(formatMac(d.ethernet.dst)).toBe(UNDERLAY_MAC[remote]);
        expect(formatIpv4(d.ipv4!.src)).toBe(NODE.a);
        expect([...frame.subarray(d.inner.start, d.inner.end)]).toEqual([...inner]);
      }
    }
  });

  it('drops unknown unicast with no flood list (Linux counts it in tx_dropped)', () => {
    expect(vtep(NODE.a).transmit(ping(aToB))).toEqual({ frames: [], action: 'drop' });
  });

  it('learns the sender from a received frame, then unicasts replies to it only', () => {
    const a = vtep(NODE.a);
    const b = vtep(NODE.b);
    a.fdb.append(ALL_ZEROS_MAC, NODE.b);
    a.fdb.append(ALL_ZEROS_MAC, NODE.c);
    b.fdb.append(ALL_ZEROS_MAC, NODE.a);
    b.fdb.append(ALL_ZEROS_MAC, NODE.c);
    const [toB] = a.transmit(arpRequest(aToB)).frames;
    const got = b.receive(toB.frame);
    expect(got).toMatchObject({ delivered: true, remote: NODE.a, learned: 'learned' });
    const reply = b.transmit(ping(bToA));
    expect(reply.action).toBe('unicast');
    expect(reply.frames.map((f) => f.remote)).toEqual([NODE.a]);
    expect(b.fdb.get(POD.a)).toMatchObject({ remotes: [NODE.a], static: false });
  });

  it('with learning off (nolearning), never adds entries: flannel relies on static ones', () => {
    const a = vtep(NODE.a, { port: 8472 });
    const b = vtep(NODE.b, { port: 8472, learning: false });
    a.fdb.set(POD.b, NODE.b);
    const [toB] = a.transmit(ping(aToB)).frames;
    const got = b.receive(toB.frame);
    expect(got.delivered).toBe(true);
    expect(got).not.toHaveProperty('learned');
    expect(b.fdb.size).toBe(0);
    expect(b.transmit(ping(bToA)).action).toBe('drop');
    b.fdb.set(POD.a, NODE.a);
    expect(b.transmit(ping(bToA)).frames.map((f) => f.remote)).toEqual([NODE.a]);
  });

  it('moves a learned MAC to its new VTEP, but drops a frame that contradicts a static entry', () => {
    const b = vtep(NODE.b);
    const a = vtep(NODE.a);
    const c = vtep(NODE.c);
    a.fdb.set(POD.b, NODE.b);
    c.fdb.set(POD.b, NODE.b);
    expect(b.receive(a.transmit(ping(aToB)).frames[0].frame)).toMatchObject({ learned: 'learned' });
    // the same pod MAC now arrives from node C: it migrated
    expect(b.receive(c.transmit(ping(aToB)).frames[0].frame)).toMatchObject({ learned: 'moved' });
    expect(b.fdb.get(POD.a)?.remotes).toEqual([NODE.c]);
    b.fdb.set(POD.a, NODE.a);
    expect(b.receive(c.transmit(ping(aToB)).frames[0].frame)).toEqual({
      delivered: false,
      reason: 'static-conflict',
    });
  });

  it('ages learned entries with the injected clock', () => {
    let now = 0;
    const b = vtep(NODE.b, { ageingSeconds: 300, now: () => now });
    const a = vtep(NODE.a);
    a.fdb.set(POD.b, NODE.b);
    b.receive(a.transmit(ping(aToB)).frames[0].frame);
    now = 299_999;
    expect(b.transmit(ping(bToA)).action).toBe('unicast');
    now = 300_000;
    expect(b.transmit(ping(bToA)).action).toBe('drop');
  });

  it('drops frames for another VNI, malformed frames and its own MAC looped back', () => {
    const b = vtep(NODE.b, { deviceMac: POD.a });
    const a = vtep(NODE.a);
    const other = vtep(NODE.a, { vni: 43 });
    a.fdb.set(POD.b, NODE.b);
    other.fdb.set(POD.b, NODE.b);
    expect(b.receive(other.transmit(ping(aToB)).frames[0].frame)).toEqual({
      delivered: false,
      reason: 'wrong-vni',
    });
    const bad = b.receive(new Uint8Array(30));
    expect(bad).toMatchObject({ delivered: false, reason: 'malformed' });
    expect(b.receive(a.transmit(ping(aToB)).frames[0].frame)).toEqual({
      delivered: false,
      reason: 'own-mac',
    });
  });

  it('drops headers with bits it does not parse, as Linux does: GBP bits without gbp, the octet after the VNI, other flags', () => {
    const a = vtep(NODE.a);
    a.fdb.set(POD.b, NODE.b);
    const plain = a.transmit(ping(aToB)).frames[0].frame;
    const vxlanAt = plain.length - ping(aToB).length - 8;
    const withBits = (at: number, value: number) => {
      const f = plain.slice();
      f[vxlanAt + at] |= value;
      return f;
    };
    const gbpSender = vtep(NODE.a, { encapsulation: { gbp: { groupPolicyId: 7 } } });
    gbpSender.fdb.set(POD.b, NODE.b);
    const gbpFrame = gbpSender.transmit(ping(aToB)).frames[0].frame;
    const rfc = vtep(NODE.b);
    const gbp = vtep(NODE.b, { gbp: true });
    const dropped = { delivered: false, reason: 'reserved-bits' };
    expect(rfc.receive(plain).delivered).toBe(true);
    expect(rfc.receive(gbpFrame)).toEqual(dropped);
    expect(gbp.receive(gbpFrame)).toMatchObject({
      delivered: true,
      groupPolicy: { id: 7, dontLearn: false },
    });
    // No G flag: no Group Policy to hand on (Linux leaves the mark alone).
    expect(gbp.receive(plain)).not.toHaveProperty('groupPolicy');
    // The reserved octet after the VNI, and a flag bit no extension assigns: dropped by both.
    for (const v of [rfc, gbp]) {
      expect(v.receive(withBits(7, 0x01))).toEqual(dropped);
      expect(v.receive(withBits(0, 0x01))).toEqual(dropped);
    }
    // With gbp Linux takes the whole second octet and the policy ID (VXLAN_GBP_USED_BITS), G or not.
    expect(rfc.receive(withBits(1, 0x01))).toEqual(dropped);
    expect(gbp.receive(withBits(1, 0x01)).delivered).toBe(true);
    expect(gbp.receive(withBits(3, 0x01)).delivered).toBe(true);
  });

  it("learns from GBP frames with D (don't learn) set as Linux does, unless honourDontLearn asks for the draft's rule", () => {
    const sender = vtep(NODE.a, { encapsulation: { gbp: { groupPolicyId: 7, dontLearn: true } } });
    sender.fdb.set(POD.b, NODE.b);
    const frame = sender.transmit(ping(aToB)).frames[0].frame;
    const linuxLike = vtep(NODE.b, { gbp: true });
    expect(linuxLike.receive(frame)).toMatchObject({
      delivered: true,
      learned: 'learned',
      groupPolicy: { id: 7, dontLearn: true, policyApplied: false },
    });
    expect(linuxLike.fdb.size).toBe(1);
    const draft = vtep(NODE.b, { gbp: true, honourDontLearn: true });
    const got = draft.receive(frame);
    expect(got.delivered).toBe(true);
    expect(got).not.toHaveProperty('learned');
    expect(draft.fdb.size).toBe(0);
  });
});
