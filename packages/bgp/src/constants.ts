/** BGP message types (RFC 4271 §4.1, RFC 2918). */
export const MessageType = {
  Open: 1,
  Update: 2,
  Notification: 3,
  Keepalive: 4,
  RouteRefresh: 5,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 once both sides sent the extended message capability. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
export const AS_TRANS = 23456;

/** Capability codes (IANA "Capability Codes"). */
export const CapabilityCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  ExtendedNextHop: 5,
  ExtendedMessage: 6,
  Role: 9,
  GracefulRestart: 64,
  FourOctetAs: 65,
  AddPath: 69,
  EnhancedRouteRefresh: 70,
  LongLivedGracefulRestart: 71,
  Fqdn: 73,
  RouteRefreshOld: 128,
} as const;

/** Path attribute type codes (IANA "BGP Path Attributes"). */
export const AttrType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  Med: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  PmsiTunnel: 22,
  TunnelEncapsulation: 23,
  Aigp: 26,
  LargeCommunity: 32,
  Otc: 35,
} as const;

/** Attribute flag bits (RFC 4271 §4.3). */
export const AttrFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

export const Afi = { Ipv4: 1, Ipv6: 2, L2vpn: 25 } as const;
export const Safi = { Unicast: 1, Multicast: 2, LabeledUnicast: 4, Evpn: 70, MplsVpn: 128 } as const;

export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;

export const AsPathSegmentType = { AsSet: 1, AsSequence: 2, AsConfedSequence: 3, AsConfedSet: 4 } as const;

/** Well-known communities (IANA "BGP Well-known Communities"). */
export const WELL_KNOWN_COMMUNITIES: ReadonlyMap<number, string> = /* @__PURE__ */ new Map([
  [0xffff0000, 'GRACEFUL_SHUTDOWN'],
  [0xffff0001, 'ACCEPT_OWN'],
  [0xffff0002, 'ROUTE_FILTER_TRANSLATED_v4'],
  [0xffff0003, 'ROUTE_FILTER_v4'],
  [0xffff0004, 'ROUTE_FILTER_TRANSLATED_v6'],
  [0xffff0005, 'ROUTE_FILTER_v6'],
  [0xffff0006, 'LLGR_STALE'],
  [0xffff0007, 'NO_LLGR'],
  [0xffff0008, 'accept-own-nexthop'],
  [0xffff029a, 'BLACKHOLE'],
  [0xffffff01, 'NO_EXPORT'],
  [0xffffff02, 'NO_ADVERTISE'],
  [0xffffff03, 'NO_EXPORT_SUBCONFED'],
  [0xffffff04, 'NOPEER'],
]);

/** NOTIFICATION error codes and subcodes (IANA "BGP Error (Notification) Codes/Subcodes"). */
export const NotificationCode = {
  MessageHeader: 1,
  Open: 2,
  Update: 3,
  HoldTimerExpired: 4,
  Fsm: 5,
  Cease: 6,
  RouteRefresh: 7,
  SendHoldTimerExpired: 8,
} as const;

export const NOTIFICATION_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

export const NOTIFICATION_SUBCODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    8: 'Deprecated',
    9: 'Deprecated',
    10: 'Deprecated',
    11: 'Role Mismatch',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};
