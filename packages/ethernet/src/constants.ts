/** EtherType values (IEEE registry) this package decodes or names. */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QinQ: 0x88a8,
  IPv6: 0x86dd,
} as const;

/** IP protocol numbers (IANA) this package decodes or names. */
export const IpProtocol = {
  HopByHop: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  IPv6Route: 43,
  IPv6Fragment: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPv6: 58,
  NoNextHeader: 59,
  IPv6DestOpts: 60,
  Mobility: 135,
} as const;

/** Largest value of the 802.3 length field; EtherTypes start at 0x0600 (1536). */
export const MAX_8023_LENGTH = 1500;
