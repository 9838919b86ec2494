/** pcap/pcapng LINKTYPE_* values (tcpdump.org/linktypes.html) that this package names or decodes. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NETLINK: 253,
  LINUX_SLL2: 276,
} as const;

const NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'ETHERNET',
  8: 'SLIP',
  9: 'PPP',
  101: 'RAW',
  104: 'C_HDLC',
  105: 'IEEE802_11',
  107: 'FRELAY',
  108: 'LOOP',
  113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIOTAP',
  195: 'IEEE802_15_4_WITHFCS',
  228: 'IPV4',
  229: 'IPV6',
  253: 'NETLINK',
  276: 'LINUX_SLL2',
};

/** `LINKTYPE_ETHERNET`-style name, or `LINKTYPE_<n>` for values this table does not know. */
export function linkTypeName(linkType: number): string {
  return `LINKTYPE_${NAMES[linkType] ?? linkType}`;
}

/**
 * The pcap header's link-type word carries more than the LINKTYPE: bits 0-15 are the link type,
 * bit 26 says the FCS-length field is valid and bits 28-31 give the FCS length in 16-bit words
 * (draft-ietf-opsawg-pcap §4).
 */
export function splitLinkTypeWord(word: number): { linkType: number; fcsLength: number | undefined } {
  const linkType = word & 0xffff;
  const fcsWords = word >>> 28;
  const fcsLength = word & 0x04000000 ? fcsWords * 2 : undefined;
  return { linkType, fcsLength };
}
