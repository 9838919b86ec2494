import { type DissectionNode, hex, type LayerDissector, LINK_TABLE, LINKTYPE_ETHERNET } from '@cnikit/wire';
import { VXLAN_HEADER_LENGTH } from './constants.js';
import { VXLAN_RESERVED_FLAGS, VxlanFlag, VxlanPacket } from './vxlan-header.js';

const NAME = 'Virtual eXtensible Local Area Network';

/** A flag bit; the tree names its value from `vxlanFields` (`Not defined`/`Defined`, `False`/`True`). */
function flag(field: string, name: string, offset: number, set: boolean): DissectionNode {
  return { field, name, offset, length: 2, value: set };
}

const FLAG_NAMES: readonly (readonly [bit: number, name: string])[] = [
  [VxlanFlag.GroupPolicy, 'GBP Extension'],
  [VxlanFlag.Instance, 'VXLAN Network ID (VNI)'],
  [VxlanFlag.DontLearn, "Don't Learn"],
  [VxlanFlag.PolicyApplied, 'Policy Applied'],
];

/** `0x0800, VXLAN Network ID (VNI)`: the word and the names of the flags set, as tshark heads it. */
function flagsSummary(flags: number): string {
  const set = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return [hex(flags, 4), ...set].join(', ');
}

/**
 * VXLAN and VXLAN-GBP (Wireshark's `vxlan` on UDP 4789): the 16-bit flags word, the Group
 * Policy ID, the VNI and the reserved octet; hands the rest to `link` 1 (Ethernet).
 */
export const dissectVxlan: LayerDissector = (buf, start, end) => {
  const v = VxlanPacket.parse(buf, start, end);
  const flags = v.flags;
  const node: DissectionNode = {
    field: 'vxlan',
    name: NAME,
    offset: start,
    length: VXLAN_HEADER_LENGTH,
    children: [
      {
        field: 'vxlan.flags',
        name: 'Flags',
        offset: start,
        length: 2,
        value: flags,
        display: `Flags: ${flagsSummary(flags)}`,
        children: [
          flag('vxlan.flag_g', 'GBP Extension', start, (flags & VxlanFlag.GroupPolicy) !== 0),
          flag('vxlan.flag_i', 'VXLAN Network ID (VNI)', start, (flags & VxlanFlag.Instance) !== 0),
          flag('vxlan.flag_d', "Don't Learn", start, (flags & VxlanFlag.DontLearn) !== 0),
          flag('vxlan.flag_a', 'Policy Applied', start, (flags & VxlanFlag.PolicyApplied) !== 0),
          {
            field: 'vxlan.flags_reserved',
            name: 'Reserved(R)',
            offset: start,
            length: 2,
            value: flags & VXLAN_RESERVED_FLAGS,
            display: `Reserved(R): ${hex(flags & VXLAN_RESERVED_FLAGS, 4)}`,
          },
        ],
      },
      { field: 'vxlan.gbp', name: 'Group Policy ID', offset: start + 2, length: 2, value: v.groupPolicyId },
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
  return {
    node,
    next: { table: LINK_TABLE, keys: [LINKTYPE_ETHERNET], start: start + VXLAN_HEADER_LENGTH, end },
  };
};
