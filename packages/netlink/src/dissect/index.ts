export { dissectGenericNetlink } from './dissect-genl.js';
export { dissectNetlinkCooked, NETLINK_FAMILY_TABLE } from './dissect-netlink.js';
export { dissectNetlinkRoute, IFA_NAMES, IFLA_NAMES, RTA_NAMES, RTM_TYPE_NAMES } from './dissect-route.js';
export { netlinkDissectors } from './dissectors.js';
export { netlinkFields } from './field-descriptions.js';
export {
  ARPHRD_NETLINK,
  encodeNetlinkPcap,
  LINKTYPE_NETLINK,
  NetlinkRecorder,
  type RecordedDatagram,
} from './recorder.js';
