import {
  type DissectionNode,
  hex,
  type LayerDissector,
  LINK_TABLE,
  LINKTYPE_ETHERNET,
  type NextLayer,
} from '@cnikit/wire';
import { VXLAN_HEADER_LENGTH } from './constants.js';
import { GpeNextProtocol, VxlanGpePacket } from './gpe.js';

const NAME = 'Virtual eXtensible Local Area Network';
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_NSH = 0x894f;

/** Wireshark counts the reserved flag bits (mask 0xc2) shifted down to the mask's lowest bit. */
const GPE_WIRESHARK_RESERVED_MASK = 0xc2;

const NEXT_PROTOCOL_NAMES: Record<number, string> = { 1: 'IPv4', 2: 'IPv6', 3: 'Ethernet', 4: 'NSH' };

function bit(field: string, name: string, offset: number, value: number): DissectionNode {
  return { field, name, offset, length: 1, value };
}

/** Where the GPE payload goes: the next protocol mapped onto the `link`/`ethertype` tables. */
function handover(nextProtocol: number, start: number, end: number): NextLayer | undefined {
  switch (nextProtocol) {
    case GpeNextProtocol.Ethernet:
      return { table: LINK_TABLE, keys: [LINKTYPE_ETHERNET], start, end };
    case GpeNextProtocol.IPv4:
      return { table: 'ethertype', keys: [ETHERTYPE_IPV4], start, end };
    case GpeNextProtocol.IPv6:
      return { table: 'ethertype', keys: [ETHERTYPE_IPV6], start, end };
    case GpeNextProtocol.NSH:
      return { table: 'ethertype', keys: [ETHERTYPE_NSH], start, end };
    default:
      return { table: 'vxlan.next_proto', keys: [nextProtocol], start, end };
  }
}

/** VXLAN-GPE (Wireshark's `vxlan` on UDP 4790); hands over by the Next Protocol field. */
export const dissectVxlanGpe: LayerDissector = (buf, start, end) => {
  const v = VxlanGpePacket.parse(buf, start, end);
  const flags = v.flags;
  const next = v.nextProtocol;
  const reserved = (flags & GPE_WIRESHARK_RESERVED_MASK) >> 1;
  const node: DissectionNode = {
    field: 'vxlan',
    name: NAME,
    offset: start,
    length: VXLAN_HEADER_LENGTH,
    display: `${NAME} (GPE), VNI: ${v.vni}`,
    children: [
      {
        field: 'vxlan.flags',
        name: 'Flags',
        offset: start,
        length: 1,
        value: flags,
        display: `Flags: ${hex(flags, 2)}`,
        children: [
          bit('vxlan.ver', 'Version', start, v.version),
          bit('vxlan.i_bit', 'Instance', start, v.hasVni ? 1 : 0),
          bit('vxlan.p_bit', 'Next Protocol Bit', start, v.hasNextProtocol ? 1 : 0),
          bit('vxlan.o_bit', 'OAM bit', start, v.oam ? 1 : 0),
          bit('vxlan.flags_reserved', 'Reserved(R)', start, reserved),
        ],
      },
      { field: 'vxlan.reserved_16', name: 'Reserved', offset: start + 1, length: 2, value: v.reserved16 },
      {
        field: 'vxlan.next_proto',
        name: 'Next Protocol',
        offset: start + 3,
        length: 1,
        value: next,
        display: `Next Protocol: ${NEXT_PROTOCOL_NAMES[next] ?? 'Unknown'} (${next})`,
      },
      {
        field: 'vxlan.vni',
        name: 'VXLAN Network Identifier (VNI)',
        offset: start + 4,
        length: 3,
        value: v.vni,
      },
      { field: 'vxlan.reserved8', name: 'Reserved', offset: start + 7, length: 1, value: v.reserved8 },
    ],
  };
  return { node, next: handover(next, start + VXLAN_HEADER_LENGTH, end) };
};
