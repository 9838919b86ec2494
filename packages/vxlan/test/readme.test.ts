import { describe } from 'vitest';
import { itRunsEveryReadmeExample } from '../../../test/packaging/readme-examples.js';

/** Every example of the README by heading, with what it must print. */
const EXPECTED: Record<string, string> = {
  Example: '1 192.168.0.1 -> 192.168.0.2 true\n0a:58:0a:f4:01:02 64 4',
  'A flow summary of mixed traffic': [
    'vni 1 10.244.1.2 -> 10.244.2.3 udp/53 eth:ip:udp:vxlan:eth:ip:udp',
    'not VXLAN: UDP destination port 53 is not a VXLAN port',
    'vni 7 10.244.1.2 -> 10.244.2.3 udp/53 eth:ip:udp:vxlan:eth:ip:udp',
  ].join('\n'),
  'The VTEP model': [
    '{ vni: 1, groupPolicyId: 100, dontLearn: true, policyApplied: false }',
    'gbp: delivered from 192.168.0.1, policy 100, fdb learned',
    'gbp + honourDontLearn: delivered from 192.168.0.1, policy 100, fdb unchanged',
    'no gbp: dropped, reserved-bits',
  ].join('\n'),
};

describe('packages/vxlan/README.md', () => {
  itRunsEveryReadmeExample('packages/vxlan', EXPECTED);
});
