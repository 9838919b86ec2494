import { fieldNode, hex, type LayerDissector, readU16, requireBytes } from '@cnikit/wire';
import { ARPHRD_NETLINK, LINKTYPE_NETLINK } from './recorder.js';

/** The table the cooked header hands over to, keyed by the netlink family (NETLINK_ROUTE = 0). */
export const NETLINK_FAMILY_TABLE = 'netlink.family';
const COOKED_LENGTH = 16;

const FAMILY_NAMES: Readonly<Record<number, string>> = { 0: 'Route', 16: 'Generic' };

/**
 * The 16-byte cooked header of a LINKTYPE_NETLINK (nlmon) record, as Wireshark's `netlink`: the
 * link-layer address type (ARPHRD_NETLINK, 824) and the netlink family, which picks the next layer
 * in table `netlink.family`. The packet type, address length and address are not shown by Wireshark.
 */
export const dissectNetlinkCooked: LayerDissector = (buf, start, end) => {
  requireBytes('netlink', start, COOKED_LENGTH, end);
  const hatype = readU16(buf, start + 2);
  const family = readU16(buf, start + 14);
  const familyName = FAMILY_NAMES[family];
  return {
    node: {
      field: 'netlink',
      name: 'Linux netlink (cooked header)',
      offset: start,
      length: COOKED_LENGTH,
      children: [
        fieldNode('netlink.hatype', 'Link-layer address type', start + 2, 2, hatype),
        fieldNode(
          'netlink.family',
          'Family',
          start + 14,
          2,
          family,
          `Family: ${familyName ? `${familyName} (${hex(family, 4)})` : hex(family, 4)}`,
        ),
      ],
    },
    next: { table: NETLINK_FAMILY_TABLE, keys: [family], start: start + COOKED_LENGTH, end },
  };
};

export { ARPHRD_NETLINK, LINKTYPE_NETLINK };
