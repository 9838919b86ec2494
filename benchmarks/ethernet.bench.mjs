/** @cnikit/ethernet hot paths: the four cases of the foundation issue (see README.md). */
import { ethIpv4UdpDecode } from './ethernet/eth-ipv4-udp-decode.mjs';
import { ethIpv4UdpEncode } from './ethernet/eth-ipv4-udp-encode.mjs';
import { ethIpv4UdpLazy } from './ethernet/eth-ipv4-udp-lazy.mjs';
import { ethVlanIpv6TcpDecode } from './ethernet/eth-vlan-ipv6-tcp-decode.mjs';

/** @type {import('./harness/case-file.mjs').BenchCase[]} */
export const cases = [ethIpv4UdpDecode, ethVlanIpv6TcpDecode, ethIpv4UdpLazy, ethIpv4UdpEncode];
