import { describe } from 'vitest';
import { itRunsEveryReadmeExample } from '../../../test/packaging/readme-examples.js';

/** Every example of the README by heading, with what it must print. */
const EXPECTED: Record<string, string> = {
  Example: 'eth/ip/udp 10.244.2.3 53\nchecksums ok: true good',
  'Writers from hand-written objects': '20 0 0 true 10.0.0.2\ndst: not an IPv4 address: "10.0.0.256"',
  'Every field without allocating: MAC and address halves': 'a580a f40102 true\n49320 7 true 3',
  'NDP options: a router advertisement': [
    'router-advertisement 152 bytes, checksum ok: true',
    'prefix-information fd00:10:244:1::/64 SLAAC true',
    'rdnss fd00:10:96::a 1800',
    'dnssl default.svc.cluster.local svc.cluster.local 1800',
    'route-information fd00:10:96::/112 preference 1',
  ].join('\n'),
  'TCP options: Multipath TCP and Fast Open': [
    'mss sack-permitted timestamps nop window-scale mptcp fast-open nop nop',
    'mp-capable v1 flags 0x01',
    'fast-open cookie 8f:3a:1c:2b:4d:5e:6f:70',
  ].join('\n'),
};

describe('packages/ethernet/README.md', () => {
  itRunsEveryReadmeExample('packages/ethernet', EXPECTED);
});
