import { DecodeError } from '@cnikit/wire';
import { AttributeCursor } from './attributes.js';
import { MessageBuilder } from './builder.js';
import type { NetlinkMessage } from './message.js';
import { NETLINK_GENERIC, NLM_F_DUMP, NLM_F_REQUEST } from './netlink-constants.js';
import { NetlinkSocket, type NetlinkTap } from './socket.js';

/** The generic netlink controller family (it resolves the others' ids). */
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_OP_ID = 1;
export const CTRL_ATTR_OP_FLAGS = 2;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;
/** struct genlmsghdr: cmd, version, reserved u16. */
export const GENL_HDRLEN = 4;

/** A generic netlink family as the controller describes it (what `genl ctrl list` prints). */
export interface GenericFamily {
  id: number;
  name: string;
  version: number;
  headerSize: number;
  maxAttribute: number;
  /** Commands with their GENL_*_FLAG capabilities. */
  operations: { id: number; flags: number }[];
  multicastGroups: { name: string; id: number }[];
}

/** A CTRL_CMD_GETFAMILY request: one family by name, or (no name) a dump of all. */
export function encodeGetFamily(name?: string): Uint8Array {
  const b = new MessageBuilder(64).begin(GENL_ID_CTRL, NLM_F_REQUEST | (name === undefined ? NLM_F_DUMP : 0));
  const h = b.reserve(GENL_HDRLEN);
  b.u8At(h, CTRL_CMD_GETFAMILY);
  b.u8At(h + 1, 1);
  if (name !== undefined) b.string(CTRL_ATTR_FAMILY_NAME, name);
  return b.finish();
}

/** Decodes a CTRL_CMD_NEWFAMILY message. */
export function decodeGenericFamily(m: NetlinkMessage): GenericFamily {
  const p = m.payloadStart;
  if (m.end - p < GENL_HDRLEN) throw new DecodeError('truncated', 'genl', p, 'genlmsghdr needs 4 bytes');
  const f: GenericFamily = {
    id: 0,
    name: '',
    version: 0,
    headerSize: 0,
    maxAttribute: 0,
    operations: [],
    multicastGroups: [],
  };
  const c = new AttributeCursor(m.buf, p + GENL_HDRLEN, m.end, 'genl.ctrl');
  const list = new AttributeCursor();
  const item = new AttributeCursor();
  while (c.next()) {
    switch (c.type) {
      case CTRL_ATTR_FAMILY_ID:
        f.id = c.u16();
        break;
      case CTRL_ATTR_FAMILY_NAME:
        f.name = c.string();
        break;
      case CTRL_ATTR_VERSION:
        f.version = c.u32();
        break;
      case CTRL_ATTR_HDRSIZE:
        f.headerSize = c.u32();
        break;
      case CTRL_ATTR_MAXATTR:
        f.maxAttribute = c.u32();
        break;
      case CTRL_ATTR_OPS:
        c.nested(list);
        while (list.next()) {
          const op = { id: 0, flags: 0 };
          list.nested(item);
          while (item.next()) {
            if (item.type === CTRL_ATTR_OP_ID) op.id = item.u32();
            else if (item.type === CTRL_ATTR_OP_FLAGS) op.flags = item.u32();
          }
          f.operations.push(op);
        }
        break;
      case CTRL_ATTR_MCAST_GROUPS:
        c.nested(list);
        while (list.next()) {
          const g = { name: '', id: 0 };
          list.nested(item);
          while (item.next()) {
            if (item.type === CTRL_ATTR_MCAST_GRP_NAME) g.name = item.string();
            else if (item.type === CTRL_ATTR_MCAST_GRP_ID) g.id = item.u32();
          }
          f.multicastGroups.push(g);
        }
        break;
    }
  }
  return f;
}

/**
 * Generic netlink (NETLINK_GENERIC) in a namespace: resolves family names to ids, the base for
 * families such as wireguard, ethtool or devlink (not encoded here yet).
 */
export class GenericNetlink {
  private constructor(readonly socket: NetlinkSocket) {}

  static open(options: { netns?: string | number; tap?: NetlinkTap } = {}): GenericNetlink {
    return new GenericNetlink(
      NetlinkSocket.open({ protocol: NETLINK_GENERIC, netns: options.netns, tap: options.tap }),
    );
  }

  /** One family by name (`genl ctrl get name X`); a NetlinkError ENOENT when the kernel has none. */
  async family(name: string): Promise<GenericFamily> {
    const [f] = await this.socket.request(
      encodeGetFamily(name),
      decodeGenericFamily,
      `CTRL_CMD_GETFAMILY ${name}`,
    );
    return f;
  }

  /** Every family (`genl ctrl list`). */
  families(): Promise<GenericFamily[]> {
    return this.socket.request(encodeGetFamily(), decodeGenericFamily, 'CTRL_CMD_GETFAMILY dump');
  }

  close(): void {
    this.socket.close();
  }
}
