#!/usr/bin/env node
/**
 * A packet from pod A to pod B through a VXLAN overlay, step by step, with no kernel involved:
 * pod A's ARP request is flooded by VTEP A to every node (head-end replication), VTEP B learns
 * where pod A lives, pod A's ping crosses the tunnel, and pod B's reply goes back unicast.
 *
 *   npm run build && node examples/vxlan-walkthrough/walkthrough.mjs
 */
import {
  ArpHardwareType,
  ArpOpcode,
  EtherType,
  encodeArp,
  encodeEthernet,
  encodeIcmpv4,
  encodeIpv4,
  ethernetDissectors,
  IpProtocol,
} from '@cnikit/ethernet';
import { ALL_ZEROS_MAC, Vtep, vxlanDissectorsForPorts } from '@cnikit/vxlan';
import { annotatedHexdump, composeDissectors, dissect, formatTree, parseIpv4, parseMac } from '@cnikit/wire';

const NODES = {
  A: { ip: '192.168.50.1', mac: '52:54:00:00:50:01' },
  B: { ip: '192.168.50.2', mac: '52:54:00:00:50:02' },
  C: { ip: '192.168.50.3', mac: '52:54:00:00:50:03' },
};
const PODS = {
  A: { ip: '10.244.0.5', mac: '0a:58:0a:f4:00:05' },
  B: { ip: '10.244.0.7', mac: '0a:58:0a:f4:00:07' },
};
const VNI = 42;
const underlayMac = (ip) => Object.values(NODES).find((n) => n.ip === ip).mac;
const registry = composeDissectors(ethernetDissectors, vxlanDissectorsForPorts([4789, 8472]));

function ipv4Frame(from, to, dstMac, protocol, payload) {
  const ip = encodeIpv4({
    dscp: 0,
    ecn: 0,
    identification: 1,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol,
    src: parseIpv4(from.ip),
    dst: parseIpv4(to.ip),
    options: [],
    payload,
  });
  return encodeEthernet({
    dst: parseMac(dstMac),
    src: parseMac(from.mac),
    etherType: EtherType.IPv4,
    payload: ip,
  });
}

function arpRequest(from, to) {
  const ipBytes = (text) => Uint8Array.from(text.split('.').map(Number));
  const arp = encodeArp({
    hardwareType: ArpHardwareType.Ethernet,
    protocolType: EtherType.IPv4,
    opcode: ArpOpcode.Request,
    senderHardware: parseMac(from.mac),
    senderProtocol: ipBytes(from.ip),
    targetHardware: new Uint8Array(6),
    targetProtocol: ipBytes(to.ip),
  });
  return encodeEthernet({
    dst: parseMac('ff:ff:ff:ff:ff:ff'),
    src: parseMac(from.mac),
    etherType: EtherType.ARP,
    payload: arp,
  });
}

const echo = (type, data) => encodeIcmpv4({ type, code: 0, identifier: 0x77, sequence: 1, payload: data });

/** Runs the walkthrough, handing each line of output to `print`. */
export function walkthrough(print = console.log) {
  const show = (title, frame) => {
    const { layers, malformed } = dissect(registry, frame);
    print(`\n=== ${title} (${frame.length} bytes)`);
    print(formatTree(layers).trimEnd());
    if (malformed) print(`!! ${malformed.message}`);
    print('--- annotated hex dump');
    print(annotatedHexdump(frame, layers).trimEnd());
  };
  const vtep = (node, peers) => {
    const v = new Vtep({ vni: VNI, localMac: node.mac, localIp: node.ip, underlayMac });
    for (const peer of peers) v.fdb.append(ALL_ZEROS_MAC, peer.ip);
    return v;
  };
  const vtepA = vtep(NODES.A, [NODES.B, NODES.C]);
  const vtepB = vtep(NODES.B, [NODES.A, NODES.C]);
  const vtepC = vtep(NODES.C, [NODES.A, NODES.B]);
  const byIp = { [NODES.B.ip]: vtepB, [NODES.C.ip]: vtepC, [NODES.A.ip]: vtepA };

  print('Step 1: pod A asks who has pod B (ARP, broadcast)');
  const arp = arpRequest(PODS.A, PODS.B);
  show('pod A → veth (inner frame)', arp);

  const flood = vtepA.transmit(arp);
  print(
    `\nStep 2: VTEP A: ${flood.action} to ${flood.frames.map((f) => f.remote).join(', ')} (all-zeros FDB entry)`,
  );
  show(`VTEP A → underlay, copy for ${flood.frames[0].remote}`, flood.frames[0].frame);

  print('\nStep 3: each remote VTEP decapsulates and learns pod A behind VTEP A');
  for (const { remote, frame } of flood.frames) {
    const r = byIp[remote].receive(frame);
    print(`VTEP ${remote}: delivered=${r.delivered} learned=${r.learned} ${PODS.A.mac} → ${r.remote}`);
  }

  print('\nStep 4: pod A pings pod B; VTEP A does not know pod B yet, so it floods again');
  const data = new TextEncoder().encode('hello from pod A');
  const ping = ipv4Frame(PODS.A, PODS.B, PODS.B.mac, IpProtocol.ICMP, echo(8, data));
  const sent = vtepA.transmit(ping);
  print(`VTEP A: ${sent.action} to ${sent.frames.map((f) => f.remote).join(', ')}`);
  const atB = vtepB.receive(sent.frames[0].frame);
  show('VTEP B → pod B (decapsulated inner frame)', atB.inner);
  print(`inner frame identical to what pod A sent: ${Buffer.from(atB.inner).equals(Buffer.from(ping))}`);

  print('\nStep 5: pod B replies; VTEP B learned pod A, so the reply is unicast');
  const reply = ipv4Frame(PODS.B, PODS.A, PODS.A.mac, IpProtocol.ICMP, echo(0, data));
  const back = vtepB.transmit(reply);
  print(`VTEP B: ${back.action} to ${back.frames.map((f) => f.remote).join(', ')}`);
  show('VTEP B → underlay (echo reply, encapsulated)', back.frames[0].frame);
  const atA = vtepA.receive(back.frames[0].frame);
  print(`\nVTEP A: delivered=${atA.delivered} learned=${atA.learned}; FDB of VTEP A:`);
  for (const e of vtepA.fdb.entries()) {
    print(`  ${e.mac} dst ${e.remotes.join(' ')}${e.static ? ' permanent' : ''}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) walkthrough();
