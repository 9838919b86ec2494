import { ARP_HARDWARE_TYPE_NAMES, ETHERTYPE_NAMES } from '@cnikit/ethernet';
import {
  BYTES_FIELD,
  ETHER_FIELD,
  type FieldDescriptions,
  IPV4_FIELD,
  PROTOCOL_FIELD,
  U16_FIELD,
  U32_FIELD,
  type ValueNames,
} from '@cnikit/wire';

/** Value names of `null.family`, as tshark 4.0.17 shows them. */
export const NULL_FAMILY_NAMES: ValueNames = {
  2: 'IP',
  7: 'OSI',
  16: 'Appletalk',
  23: 'Netware IPX/SPX',
  24: 'IPv6',
  28: 'IPv6',
  30: 'IPv6',
};

/** Value names of `sll.gretype`, as tshark 4.0.17 shows them. */
export const SLL_GRETYPE_NAMES: ValueNames = {
  0: 'Possible GRE keepalive packet',
  254: 'OSI',
  2048: 'IP',
  2054: 'ARP',
  8192: 'CDP (Cisco)',
  8193: 'NHRP',
  8939: 'ERSPAN III',
  25600: 'MIKROTIK EoIP',
  25944: 'Transparent Ethernet bridging',
  25945: 'Frame Relay',
  33079: 'IPX',
  33280: 'ARUBA WLAN',
  33296: 'ARUBA WLAN',
  33312: 'ARUBA WLAN',
  33328: 'ARUBA WLAN',
  33344: 'ARUBA WLAN',
  33360: 'ARUBA WLAN',
  33376: 'ARUBA WLAN',
  33392: 'ARUBA WLAN',
  33408: 'ARUBA WLAN',
  33424: 'ARUBA WLAN',
  33440: 'ARUBA WLAN',
  33456: 'ARUBA WLAN',
  33472: 'ARUBA WLAN',
  33488: 'ARUBA WLAN',
  33504: 'ARUBA WLAN',
  33520: 'ARUBA WLAN',
  33536: 'ARUBA WLAN',
  33552: 'ARUBA WLAN',
  33568: 'ARUBA WLAN',
  33584: 'ARUBA WLAN',
  33600: 'ARUBA WLAN',
  33616: 'ARUBA WLAN',
  33632: 'ARUBA WLAN',
  33648: 'ARUBA WLAN',
  34525: 'IPv6',
  34827: 'PPP',
  34878: 'WCCP',
  34887: 'MPLS label switched packet',
  34945: 'CDMA2000 A10 Unstructured byte stream',
  35006: 'ERSPAN',
  35026: 'CDMA2000 A10 3GPP2 Packet',
  35081: 'CiscoMetaData',
  35151: 'Network Service Header',
  36864: 'ARUBA WLAN',
  47082: 'Huawei GRE bonding',
  65198: 'AIROHIVE AP AP',
};

/** Value names of `sll.ltype`, as tshark 4.0.17 shows them. */
export const SLL_LTYPE_NAMES: ValueNames = {
  1: 'Raw 802.3',
  3: 'Ethernet',
  4: '802.2 LLC',
  7: 'PPP (HDLC)',
  12: 'CAN',
  13: 'CAN FD',
  23: 'IrDA LAP',
  245: 'ISI',
  246: 'IEEE 802.15.4',
};

/** Value names of `sll.pkttype`, as tshark 4.0.17 shows them. */
export const SLL_PKTTYPE_NAMES: ValueNames = {
  0: 'Unicast to us',
  1: 'Broadcast',
  2: 'Multicast',
  3: 'Unicast to another host',
  4: 'Sent by us',
};

/**
 * The fields of the link layers in this package (Linux cooked v1/v2, BSD loopback), typed as
 * Wireshark 4.0.17 registers them.
 */
export const pcapLinkFields: FieldDescriptions = {
  loop: PROTOCOL_FIELD,
  null: PROTOCOL_FIELD,
  'null.family': { type: 'uint', bits: 32, values: NULL_FAMILY_NAMES },
  'null.type': { type: 'uint', bits: 16, values: ETHERTYPE_NAMES, show: 'hex' },
  sll: PROTOCOL_FIELD,
  'sll.etype': { type: 'uint', bits: 16, values: ETHERTYPE_NAMES, show: 'hex' },
  'sll.gretype': { type: 'uint', bits: 16, values: SLL_GRETYPE_NAMES, show: 'hex' },
  'sll.halen': U16_FIELD,
  'sll.hatype': { type: 'uint', bits: 16, values: ARP_HARDWARE_TYPE_NAMES },
  'sll.ifindex': U32_FIELD,
  'sll.ltype': { type: 'uint', bits: 16, values: SLL_LTYPE_NAMES, show: 'hex' },
  'sll.pkttype': { type: 'uint', bits: 16, values: SLL_PKTTYPE_NAMES },
  'sll.src.eth': ETHER_FIELD,
  'sll.src.ipv4': IPV4_FIELD,
  'sll.src.other': BYTES_FIELD,
  'sll.unused': BYTES_FIELD,
};
