import { DecodeError, fieldNode, hex, type LayerDissector } from '@cnikit/wire';
import { NLA_HDRLEN, NLMSG_HDRLEN } from '../netlink-constants.js';
import { dissectMessages } from './dissect-route.js';
import {
  type AttributeHead,
  attrData,
  attributeNodes,
  attrString,
  headerNode,
  le16,
  le32,
  type Node,
} from './netlink-fields.js';

const LAYER = 'genl';
const NAME = 'Linux Generic Netlink protocol';
/** The controller's fixed family id (GENL_ID_CTRL). */
const GENL_ID_CTRL = 0x10;
const FAMILY_TYPE = { field: 'genl.family_id', name: 'Family ID' };

const CTRL_ATTR_NAMES: Readonly<Record<number, string>> = {
  1: 'CTRL_ATTR_FAMILY_ID',
  2: 'CTRL_ATTR_FAMILY_NAME',
  3: 'CTRL_ATTR_VERSION',
  4: 'CTRL_ATTR_HDRSIZE',
  5: 'CTRL_ATTR_MAXATTR',
  6: 'CTRL_ATTR_OPS',
  7: 'CTRL_ATTR_MCAST_GROUPS',
};
const OP_ATTR_NAMES: Readonly<Record<number, string>> = { 1: 'CTRL_ATTR_OP_ID', 2: 'CTRL_ATTR_OP_FLAGS' };
const GROUP_ATTR_NAMES: Readonly<Record<number, string>> = {
  1: 'CTRL_ATTR_MCAST_GRP_NAME',
  2: 'CTRL_ATTR_MCAST_GRP_ID',
};
const OP_FLAGS: readonly (readonly [string, string, number])[] = [
  ['admin_perm', 'GENL_ADMIN_PERM', 0x01],
  ['cmd_cap_do', 'GENL_CMD_CAP_DO', 0x02],
  ['cmd_cap_dump', 'GENL_CMD_CAP_DUMP', 0x04],
  ['cmd_cap_haspol', 'GENL_CMD_CAP_HASPOL', 0x08],
  ['uns_admin_perm', 'GENL_UNS_ADMIN_PERM', 0x10],
];

function u32(buf: Uint8Array, h: AttributeHead, field: string, name: string, out: Node[]): void {
  if (h.valueEnd - h.valueStart >= 4)
    out.push(fieldNode(field, name, h.valueStart, 4, le32(buf, h.valueStart)));
  else attrData(buf, h, out);
}

/**
 * An array attribute (CTRL_ATTR_OPS, CTRL_ATTR_MCAST_GROUPS): each element a nest whose type is its
 * index (`netlink.attr_index`), holding attributes typed by `typeField`.
 */
function arrayNodes(
  buf: Uint8Array,
  h: AttributeHead,
  typeField: string,
  names: Readonly<Record<number, string>>,
  decode: (e: AttributeHead, out: Node[]) => void,
): Node[] {
  const out: Node[] = [];
  let p = h.valueStart;
  while (h.valueEnd - p >= NLA_HDRLEN) {
    const len = le16(buf, p);
    if (len < NLA_HDRLEN || len > h.valueEnd - p) {
      throw new DecodeError('bad-length', LAYER, p, `array element nla_len ${len} does not fit`);
    }
    const index = le16(buf, p + 2) & 0x3fff;
    out.push({
      field: 'netlink.attr',
      name: 'Attribute',
      offset: p,
      length: len,
      display: `Attribute ${index}`,
      children: [
        fieldNode('netlink.attr_len', 'Len', p, 2, len),
        fieldNode('netlink.attr_index', 'Index', p + 2, 2, index),
        ...attributeNodes(buf, p + NLA_HDRLEN, p + len, LAYER, typeField, names, decode),
      ],
    });
    p += (len + 3) & ~3;
  }
  return out;
}

function decodeCtrlAttribute(buf: Uint8Array, h: AttributeHead, out: Node[]): void {
  const v = h.valueStart;
  switch (h.type) {
    case 1:
      if (h.valueEnd - v >= 2) out.push(fieldNode('genl.ctrl.family_id', 'Family ID', v, 2, le16(buf, v)));
      else attrData(buf, h, out);
      return;
    case 2:
      out.push(fieldNode('genl.ctrl.family_name', 'Family Name', v, h.valueEnd - v, attrString(buf, h)));
      return;
    case 3:
      u32(buf, h, 'genl.ctrl.version', 'Version', out);
      return;
    case 4:
      u32(buf, h, 'genl.ctrl.hdrsize', 'Header Size', out);
      return;
    case 5:
      u32(buf, h, 'genl.ctrl.maxattr', 'Maximum Attributes', out);
      return;
    case 6:
      out.push(
        ...arrayNodes(buf, h, 'genl.ctrl.ops_attr', OP_ATTR_NAMES, (e, o) => {
          if (e.type === 1) u32(buf, e, 'genl.ctrl.op_id', 'Operation ID', o);
          else if (e.type === 2 && e.valueEnd - e.valueStart >= 4) {
            const flags = le32(buf, e.valueStart);
            o.push({
              field: 'genl.ctrl.op_flags',
              name: 'Operation Flags',
              offset: e.valueStart,
              length: 4,
              value: flags,
              display: `Operation Flags: ${hex(flags, 8)}`,
              children: OP_FLAGS.map(([f, n, bit]) =>
                fieldNode(`genl.ctrl.op_flags.${f}`, n, e.valueStart, 4, (flags & bit) !== 0),
              ),
            });
          } else attrData(buf, e, o);
        }),
      );
      return;
    case 7:
      out.push(
        ...arrayNodes(buf, h, 'genl.ctrl.groups_attr', GROUP_ATTR_NAMES, (e, o) => {
          if (e.type === 1) {
            o.push(
              fieldNode(
                'genl.ctrl.group_name',
                'Group Name',
                e.valueStart,
                e.valueEnd - e.valueStart,
                attrString(buf, e),
              ),
            );
          } else if (e.type === 2) u32(buf, e, 'genl.ctrl.group_id', 'Group ID', o);
          else attrData(buf, e, o);
        }),
      );
      return;
  }
  attrData(buf, h, out);
}

/**
 * Generic netlink (the cooked header's family 16) as Wireshark's `genl`: the family id in the
 * header's type, the genlmsghdr (command, version) and, for the controller (nlctrl, id 0x10), its
 * attributes with the operation and multicast-group arrays. Other families' attributes are raw.
 */
export const dissectGenericNetlink: LayerDissector = (buf, start, end) =>
  dissectMessages(buf, start, end, LAYER, NAME, (at, e, children) => {
    const family = le16(buf, at + 4);
    children.push(headerNode(buf, at, FAMILY_TYPE, hex(family, 4)));
    const p = at + NLMSG_HDRLEN;
    if (e - p < 4)
      throw new DecodeError('truncated', LAYER, p, `genlmsghdr needs 4 bytes, only ${e - p} left`);
    const ctrl = family === GENL_ID_CTRL;
    children.push(
      fieldNode(ctrl ? 'genl.ctrl.cmd' : 'genl.cmd', 'Command', p, 1, buf[p]),
      fieldNode('genl.version', 'Family Version', p + 1, 1, buf[p + 1]),
      fieldNode('genl.reserved', 'Reserved', p + 2, 2),
    );
    if (ctrl) {
      children.push(
        ...attributeNodes(buf, p + 4, e, LAYER, 'genl.ctrl_attr', CTRL_ATTR_NAMES, (h, o) =>
          decodeCtrlAttribute(buf, h, o),
        ),
      );
    }
  });
