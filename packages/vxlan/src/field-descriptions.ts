import {
  type FieldDescriptions,
  PROTOCOL_FIELD,
  TRUE_FALSE_FIELD,
  U8_FIELD,
  U16_FIELD,
  U24_FIELD,
  type ValueNames,
} from '@cnikit/wire';

/** Value names of `vxlan.next_proto`, as tshark 4.0.17 shows them. */
export const VXLAN_NEXT_PROTO_NAMES: ValueNames = {
  1: 'IPv4',
  2: 'IPv6',
  3: 'Ethernet',
  4: 'Network Service Header',
  5: 'MPLS',
};

/**
 * Every VXLAN / VXLAN-GPE field by display-filter name, typed as Wireshark 4.0.17 registers it.
 */
export const vxlanFields: FieldDescriptions = {
  vxlan: PROTOCOL_FIELD,
  'vxlan.flag_a': TRUE_FALSE_FIELD,
  'vxlan.flag_d': TRUE_FALSE_FIELD,
  'vxlan.flag_g': { type: 'boolean', values: { 0: 'Not defined', 1: 'Defined' }, show: 'name' },
  'vxlan.flag_i': TRUE_FALSE_FIELD,
  'vxlan.flags': U16_FIELD,
  'vxlan.flags_reserved': U16_FIELD,
  'vxlan.gbp': U16_FIELD,
  'vxlan.i_bit': U8_FIELD,
  'vxlan.next_proto': { type: 'uint', bits: 8, values: VXLAN_NEXT_PROTO_NAMES },
  'vxlan.o_bit': U8_FIELD,
  'vxlan.p_bit': U8_FIELD,
  'vxlan.reserved8': U8_FIELD,
  'vxlan.reserved_16': U16_FIELD,
  'vxlan.ver': U8_FIELD,
  'vxlan.vni': U24_FIELD,
};
