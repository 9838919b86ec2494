import { type DissectorSet, LINK_TABLE } from '@cnikit/wire';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../netlink-constants.js';
import { dissectGenericNetlink } from './dissect-genl.js';
import { dissectNetlinkCooked, NETLINK_FAMILY_TABLE } from './dissect-netlink.js';
import { dissectNetlinkRoute } from './dissect-route.js';
import { netlinkFields } from './field-descriptions.js';
import { LINKTYPE_NETLINK } from './recorder.js';

/**
 * nlmon captures (LINKTYPE_NETLINK, 253) with rtnetlink or generic netlink after the cooked header, for
 * `composeDissectors(netlinkDissectors)`; Linux cooked captures (SLL) of a netlink device hand over
 * through the same `netlink.family` table. Pure TypeScript: no socket, no addon.
 */
export const netlinkDissectors: DissectorSet = {
  layers: {
    netlink: dissectNetlinkCooked,
    'netlink-route': dissectNetlinkRoute,
    genl: dissectGenericNetlink,
  },
  bindings: [
    { table: LINK_TABLE, key: LINKTYPE_NETLINK, layer: 'netlink' },
    { table: NETLINK_FAMILY_TABLE, key: NETLINK_ROUTE, layer: 'netlink-route' },
    { table: NETLINK_FAMILY_TABLE, key: NETLINK_GENERIC, layer: 'genl' },
  ],
  fields: netlinkFields,
};
