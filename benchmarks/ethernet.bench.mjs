/** @cnikit/ethernet hot paths: the four cases of the foundation issue (see README.md). */
import { ethVlanIpv6TcpDecode } from './ethernet/eth-vlan-ipv6-tcp-decode.mjs';

/** @type {import('./harness/case-file.mjs').BenchCase[]} */
export const cases = [ethVlanIpv6TcpDecode];
