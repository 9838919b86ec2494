import { describe } from 'vitest';
import { itRunsEveryReadmeExample } from '../../../test/packaging/readme-examples.js';

/** Every example of the README by heading, with what it must print. */
const EXPECTED: Record<string, string> = {
  Example: [
    '80 bytes',
    'update origin,as-path,next-hop,med,communities,large-communities',
    '10.1.1.0/24',
    '10.1.2.0/24',
    'treat-as-withdraw 3/6 2 routes to withdraw',
    'Border Gateway Protocol - UPDATE Message',
    '    Marker: ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff',
    '    Length: 80',
    '    Type: UPDATE Message (2)',
    '    Withdrawn Routes Length: 0',
    '    Total Path Attribute Length: 49',
    '    Path attributes',
    '        Path Attribute - ORIGIN',
    '0000  ff ff ff ff ff ff ff ff  ff ff ff ff ff ff ff ff  ................',
    '0010  00 50 02 00 00 00 31 40  01 01 00 40 02 06 02 01  .P....1@...@....',
  ].join('\n'),
  'A BGP speaker': [
    'up 127.0.0.1 AS65001 hold 30 s',
    '10.42.0.0/24 via 127.0.0.1, AS path 65001',
    '10.43.0.0/24 via 127.0.0.1, AS path 65001',
    '10.43.0.0/24 gone',
    'down 127.0.0.1 NOTIFICATION received 6/2',
    '10.42.0.0/24 gone',
  ].join('\n'),
  'ADD-PATH send, EVPN, extended messages': [
    '[2]:[192.0.2.1:100]:[0]:[48]:[02:00:00:00:00:01]:[32]:[10.42.0.5] path 0 AS 65001 vni 100',
    '[3]:[192.0.2.1:100]:[0]:[32]:[127.0.0.21] path 0 AS 65001 vni 100',
    '10.42.0.0/24 path 1 AS 65001 med 5',
    '10.42.0.0/24 path 2 AS 65001 65003 med -',
  ].join('\n'),
  'Roles, OTC and enhanced route refresh': [
    'site sees role provider enhanced refresh true',
    'OTC on 10.1.0.0/16: [65001]',
    'site hears begin ipv4-unicast',
    'site hears end ipv4-unicast',
  ].join('\n'),
  'Route reflection, ECMP, afisafi-disable': [
    '10.9.0.0/24 paths via 127.0.0.42',
    '10.9.0.0/24 paths via 127.0.0.42 127.0.0.43',
    'c4: ORIGINATOR_ID 192.0.2.2',
    'c4: CLUSTER_LIST 10.255.0.1',
  ].join('\n'),
  'Transport: source address and port, multihop TTL, GTSM, TCP-MD5': [
    'setsockopt IP_TTL 255',
    'setsockopt IP_MINTTL 255',
    'up from 127.0.0.52',
  ].join('\n'),
};

describe('packages/bgp/README.md', () => {
  itRunsEveryReadmeExample('packages/bgp', EXPECTED);
});
