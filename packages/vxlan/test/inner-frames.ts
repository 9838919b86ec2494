import {
  ArpHardwareType,
  ArpOpcode,
  EtherType,
  encodeArp,
  encodeEthernet,
  encodeIcmpv4,
  encodeIpv4,
  encodeUdp,
  IpProtocol,
} from '@cnikit/ethernet';
import { parseIpv4, parseMac } from '@cnikit/wire';

/** Pod-side frames built with @cnikit/ethernet's writers: what a pod would hand its veth. */
export interface PodEndpoints {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
}

function ipv4Frame(e: PodEndpoints, protocol: number, payload: Uint8Array, ttl = 64): Uint8Array {
  const ip = encodeIpv4({
    dscp: 0,
    ecn: 0,
    identification: 0x1234,
    dontFragment: true,
    moreFragments: false,
    fragmentOffset: 0,
    ttl,
    protocol,
    src: parseIpv4(e.srcIp),
    dst: parseIpv4(e.dstIp),
    options: [],
    payload,
  });
  return encodeEthernet({
    dst: parseMac(e.dstMac),
    src: parseMac(e.srcMac),
    etherType: EtherType.IPv4,
    payload: ip,
  });
}

export function icmpEchoRequest(
  e: PodEndpoints,
  identifier: number,
  sequence: number,
  data: Uint8Array,
): Uint8Array {
  return ipv4Frame(
    e,
    IpProtocol.ICMP,
    encodeIcmpv4({ type: 8, code: 0, identifier, sequence, payload: data }),
  );
}

export function udpDatagram(e: PodEndpoints, srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const ip = { family: 4 as const, src: parseIpv4(e.srcIp), dst: parseIpv4(e.dstIp) };
  return ipv4Frame(e, IpProtocol.UDP, encodeUdp({ srcPort, dstPort, payload: data }, { ip }));
}

/** ARP who-has `dstIp` from (srcMac, srcIp), broadcast. */
export function arpRequest(e: PodEndpoints): Uint8Array {
  const ipBytes = (text: string) => Uint8Array.from(text.split('.').map(Number));
  const arp = encodeArp({
    hardwareType: ArpHardwareType.Ethernet,
    protocolType: EtherType.IPv4,
    opcode: ArpOpcode.Request,
    senderHardware: parseMac(e.srcMac),
    senderProtocol: ipBytes(e.srcIp),
    targetHardware: new Uint8Array(6),
    targetProtocol: ipBytes(e.dstIp),
  });
  return encodeEthernet({
    dst: parseMac('ff:ff:ff:ff:ff:ff'),
    src: parseMac(e.srcMac),
    etherType: EtherType.ARP,
    payload: arp,
  });
}
