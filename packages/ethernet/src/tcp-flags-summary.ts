/** Flag names from the lowest bit up (RFC 9293, RFC 3168, the AccECN AE bit), as tshark lists them. */
const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'] as const;
const RESERVED_BITS = 0xe00;

/** `SYN, ACK`: the names of the set flags, as tshark sums up the 12 flag bits (`<None>` for none). */
export function tcpFlagsSummary(flags: number): string {
  const names: string[] = TCP_FLAG_NAMES.filter((_, bit) => (flags & (1 << bit)) !== 0);
  if (flags & RESERVED_BITS) names.push('Reserved');
  return names.length === 0 ? '<None>' : names.join(', ');
}
