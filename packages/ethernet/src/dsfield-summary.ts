/** Short DSCP names (RFC 2474, 2597, 3246, 5865, 8622), as tshark 4.0.17 sums up the DS field. */
const DSCP_SHORT_NAMES: Readonly<Record<number, string>> = {
  0: 'CS0',
  1: 'LE',
  8: 'CS1',
  10: 'AF11',
  12: 'AF12',
  14: 'AF13',
  16: 'CS2',
  18: 'AF21',
  20: 'AF22',
  22: 'AF23',
  24: 'CS3',
  26: 'AF31',
  28: 'AF32',
  30: 'AF33',
  32: 'CS4',
  34: 'AF41',
  36: 'AF42',
  38: 'AF43',
  40: 'CS5',
  44: 'VOICE-ADMIT',
  46: 'EF PHB',
  48: 'CS6',
  56: 'CS7',
};

/** RFC 3168 §5 codepoints, short. */
const ECN_SHORT_NAMES = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'] as const;

/** `DSCP: AF11, ECN: ECT(0)`: an IPv4 DS field or IPv6 traffic class octet summed up, as tshark heads it. */
export function dsfieldSummary(octet: number): string {
  return `DSCP: ${DSCP_SHORT_NAMES[octet >>> 2] ?? 'Unknown'}, ECN: ${ECN_SHORT_NAMES[octet & 3]}`;
}
