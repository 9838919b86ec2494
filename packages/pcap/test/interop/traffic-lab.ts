import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Capture, type Lab, sleep } from '../../../../test/support/netns.js';

/**
 * Loads a tc (sched_cls, direct-action) eBPF program that pushes an 802.1Q tag (`push PATH TCI`)
 * or pops one (`pop PATH`) and pins it at PATH, for `tc filter … bpf da object-pinned PATH`.
 * The kernel here has neither the `vlan` link type nor bridge VLAN filtering, so a tagged link is
 * made the way a VLAN-aware NIC would tag: on the way out (after the qdisc, before the packet
 * taps), and untagged on the way in (after the taps, before the stack drops a frame of a VLAN it
 * has no device for). Hand-assembled, so neither clang nor bpftool is needed.
 */
const VLAN_BPF = `import ctypes, platform, struct, sys
BPF_PROG_LOAD, BPF_OBJ_PIN, BPF_PROG_TYPE_SCHED_CLS = 5, 6, 3
SYS_BPF = {'x86_64': 321, 'aarch64': 280}.get(platform.machine()) or sys.exit('bpf(2): unknown syscall number on ' + platform.machine())
MOV64_IMM, CALL, EXIT = 0xb7, 0x85, 0x95
SKB_VLAN_PUSH, SKB_VLAN_POP = 18, 19
def insn(code, dst=0, imm=0):
    return struct.pack('<BBhi', code, dst, 0, imm)
mode, path = sys.argv[1], sys.argv[2]
if mode == 'push':
    # bpf_skb_vlan_push(skb, htons(ETH_P_8021Q), tci)
    prog = insn(MOV64_IMM, 2, 0x0081) + insn(MOV64_IMM, 3, int(sys.argv[3], 0)) + insn(CALL, 0, SKB_VLAN_PUSH)
else:
    prog = insn(CALL, 0, SKB_VLAN_POP)
prog += insn(MOV64_IMM, 0, 0) + insn(EXIT)  # TC_ACT_OK
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
insns, lic, log = ctypes.create_string_buffer(prog), ctypes.create_string_buffer(b'GPL'), ctypes.create_string_buffer(65536)
attr = ctypes.create_string_buffer(struct.pack('<IIQQIIQ', BPF_PROG_TYPE_SCHED_CLS, len(prog) // 8,
    ctypes.addressof(insns), ctypes.addressof(lic), 1, len(log), ctypes.addressof(log)), 128)
fd = libc.syscall(SYS_BPF, BPF_PROG_LOAD, attr, 128)
if fd < 0:
    sys.exit('BPF_PROG_LOAD: errno %d: %s' % (ctypes.get_errno(), log.value.decode()))
name = ctypes.create_string_buffer(path.encode())
if libc.syscall(SYS_BPF, BPF_OBJ_PIN, ctypes.create_string_buffer(struct.pack('<QI', ctypes.addressof(name), fd), 128), 128) < 0:
    sys.exit('BPF_OBJ_PIN: errno %d' % ctypes.get_errno())
`;

/**
 * Sends one Router Advertisement (RFC 4861 §4.2) to ff02::1 out of IFNAME, as radvd would: source
 * link-layer address, MTU, prefix information (on-link, autonomous) and RDNSS (RFC 8106) options.
 * A raw ICMPv6 socket: the kernel picks the link-local source and computes the checksum.
 */
const SEND_RA = `import socket, struct, sys
ifname, mac, prefix = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), socket.inet_pton(socket.AF_INET6, sys.argv[3])
dns = socket.inet_pton(socket.AF_INET6, sys.argv[4])
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0x40, 1800, 30000, 0)  # O flag, lifetime, reachable
ra += struct.pack('!BB6s', 1, 1, mac)
ra += struct.pack('!BBHI', 5, 1, 0, 1500)
ra += struct.pack('!BBBBIII16s', 3, 4, 64, 0xc0, 86400, 14400, 0, prefix)
ra += struct.pack('!BBHI16s', 25, 3, 0, 600, dns)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.sendto(ra, ('ff02::1', 0, 0, socket.if_nametoindex(ifname)))
print('sent', len(ra), 'bytes')
`;

/**
 * TCP and UDP endpoints with Node's own sockets. Servers listen on '::' (both families), echo
 * what they get and print 'ready'; clients print 'ok' once the echo is back (a TCP client then
 * closes: FIN both ways), or 'refused' when the port is closed (RST).
 */
const SOCKETS = `const net = require('net');
const dgram = require('dgram');
const [mode, host, port] = process.argv.slice(2);
const payload = Buffer.from('cnikit real traffic, '.repeat(8));
if (mode.endsWith('client')) setTimeout(() => { console.error('timeout'); process.exit(1); }, 5000);
if (mode === 'tcp-server') {
  net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); })
    .listen(Number(port), '::', () => console.log('ready'));
} else if (mode === 'udp-server') {
  const s = dgram.createSocket({ type: 'udp6', ipv6Only: false });
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.bind(Number(port), '::', () => console.log('ready'));
} else if (mode === 'tcp-client') {
  let got = 0;
  const c = net.connect({ host, port: Number(port) }, () => c.write(payload));
  c.on('data', (d) => { got += d.length; if (got >= payload.length) c.end(); });
  c.on('close', () => { console.log(got >= payload.length ? 'ok' : 'short'); process.exit(0); });
  c.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : e.code); process.exit(0); });
} else if (mode === 'udp-client') {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.on('message', () => { console.log('ok'); process.exit(0); });
  s.send(payload, Number(port), host);
  setTimeout(() => { console.log('no reply'); process.exit(0); }, 300);
}
`;

/** Addresses of the lab. */
export const NET = {
  a4: '10.0.1.2',
  r4a: '10.0.1.1',
  r4b: '10.0.2.1',
  b4: '10.0.2.2',
  a6: 'fd00:1::2',
  r6a: 'fd00:1::1',
  r6b: 'fd00:2::1',
  b6: 'fd00:2::2',
  vxA: '10.9.0.1',
  vxB: '10.9.0.2',
  /** VLAN ID and the TCIs each end of the tagged link pushes (PCP 0 from r, PCP 3 from b). */
  vid: 20,
  tciFromR: 20,
  tciFromB: (3 << 13) | 20,
  /** MTU of the tagged link: smaller than the first, so r sends "fragmentation needed" and PTB. */
  taggedMtu: 1400,
  vni: 42,
  /** Ports no tshark dissector claims, so tshark shows their payload as `data` too. */
  tcpPort: 24680,
  udpPort: 24681,
  closedUdpPort: 24682,
  closedTcpPort: 24683,
} as const;

export interface Topology {
  /** Host A: `a0` (untagged, to r), `vx0` (VXLAN to B over r). */
  readonly a: string;
  /** Router: `ra` (to A), `rb` (802.1Q-tagged, to B); forwards IPv4 and IPv6. */
  readonly r: string;
  /** Host B: `b0` (802.1Q-tagged, to r), `vx0`. */
  readonly b: string;
}

/**
 * A ── r ── B: two veth links through a routing namespace, the second one 802.1Q-tagged with a
 * smaller MTU, and a VXLAN tunnel from A to B across r. A's IPv6 stays off until
 * `generateTraffic` turns it on, so the captures see its DAD, router solicitation and MLD reports.
 */
export function buildTopology(lab: Lab): Topology {
  const a = lab.ns('a');
  const r = lab.ns('r');
  const b = lab.ns('b');
  writeFileSync(join(lab.dir, 'vlan-bpf.py'), VLAN_BPF);
  writeFileSync(join(lab.dir, 'send-ra.py'), SEND_RA);
  writeFileSync(join(lab.dir, 'sockets.cjs'), SOCKETS);
  lab.run(a, `ip link add a0 type veth peer name ra netns ${r}`);
  lab.run(r, `ip link add rb type veth peer name b0 netns ${b}`);
  lab.run(a, 'sysctl -qw net.ipv6.conf.a0.disable_ipv6=1');
  for (const [ns, dev] of [
    [a, 'a0'],
    [r, 'ra'],
    [r, 'rb'],
    [b, 'b0'],
  ]) {
    // Real checksums in the capture (no offload), VLAN tags inline in the frame, and DAD (one
    // probe, then RetransTimer) in 100 ms rather than a second.
    lab.run(
      ns,
      `ethtool -K ${dev} tx off txvlan off rxvlan off >/dev/null && ` +
        `sysctl -qw net.ipv6.neigh.${dev}.retrans_time_ms=100 && ip link set ${dev} up`,
    );
  }
  lab.run(r, `ip link set rb mtu ${NET.taggedMtu}`);
  lab.run(b, `ip link set b0 mtu ${NET.taggedMtu}`);
  // The router solicitation right after DAD; the static default route rather than the RA's.
  lab.run(a, 'sysctl -qw net.ipv6.conf.a0.router_solicitation_delay=0 net.ipv6.conf.a0.accept_ra_defrtr=0');
  lab.run(r, `ip addr add ${NET.r4a}/24 dev ra && ip -6 addr add ${NET.r6a}/64 dev ra nodad`);
  lab.run(r, `ip addr add ${NET.r4b}/24 dev rb && ip -6 addr add ${NET.r6b}/64 dev rb nodad`);
  lab.run(r, 'sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1');
  lab.run(b, `ip addr add ${NET.b4}/24 dev b0 && ip -6 addr add ${NET.b6}/64 dev b0 nodad`);
  lab.run(b, `ip route add default via ${NET.r4b} && ip -6 route add default via ${NET.r6b}`);
  lab.run(a, `ip addr add ${NET.a4}/24 dev a0 && ip route add default via ${NET.r4a}`);
  // A asks for ECN on its connections (B accepts by default): ECE/CWR in the SYN, ECT(0) on data.
  lab.run(a, 'sysctl -qw net.ipv4.tcp_ecn=1');
  tagLink(lab, r, 'rb', NET.tciFromR);
  tagLink(lab, b, 'b0', NET.tciFromB);
  for (const [ns, local, remote, ip] of [
    [a, NET.a4, NET.b4, NET.vxA],
    [b, NET.b4, NET.a4, NET.vxB],
  ]) {
    lab.run(
      ns,
      `ip link add vx0 type vxlan id ${NET.vni} dstport 4789 local ${local} remote ${remote} udpcsum && ` +
        `sysctl -qw net.ipv6.conf.vx0.disable_ipv6=1 && ip addr add ${ip}/24 dev vx0 && ip link set vx0 up`,
    );
  }
  return { a, r, b };
}

/**
 * Tags every frame `dev` sends with `tci` and untags what it receives. The pins live on a bpffs
 * mounted in the mount namespace of this one `ip netns exec` (private to it), so nothing is left
 * behind once the filters hold the programs.
 */
function tagLink(lab: Lab, ns: string, dev: string, tci: number): void {
  const pins = join(lab.dir, `bpf-${dev}`);
  const bpf = `python3 ${join(lab.dir, 'vlan-bpf.py')}`;
  lab.run(
    ns,
    `mkdir ${pins} && mount -t bpf bpf ${pins} && ${bpf} push ${pins}/push ${tci} && ${bpf} pop ${pins}/pop && ` +
      `tc qdisc add dev ${dev} clsact && tc filter add dev ${dev} egress bpf da object-pinned ${pins}/push && ` +
      `tc filter add dev ${dev} ingress bpf da object-pinned ${pins}/pop; rc=$?; umount ${pins}; rmdir ${pins}; exit $rc`,
  );
}

export function sockets(lab: Lab, ...args: (string | number)[]): string {
  return `${process.execPath} ${join(lab.dir, 'sockets.cjs')} ${args.join(' ')}`;
}

/** Starts a sockets.cjs server in `ns` and waits for its 'ready'. */
async function startServer(lab: Lab, ns: string, mode: string, port: number): Promise<void> {
  const proc = lab.spawn(ns, sockets(lab, mode, '-', port));
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  for (let i = 0; i < 100 && !out.includes('ready'); i++) await sleep(20);
  if (!out.includes('ready')) throw new Error(`${mode} did not start in ${ns}`);
}

/** Waits until `dev` in `ns` has an IPv6 address starting with `prefix` and none tentative (DAD done). */
async function waitForDad(lab: Lab, ns: string, dev: string, prefix: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const out = lab.run(ns, `ip -6 addr show dev ${dev}`);
    if (out.includes(`inet6 ${prefix}`) && !out.includes('tentative')) return;
    await sleep(20);
  }
  throw new Error(`[${ns}] ${dev}: DAD did not finish: ${lab.run(ns, `ip -6 addr show dev ${dev}`)}`);
}

/** What each traffic step printed, for the test's log. */
export type TrafficLog = string[];

/**
 * Every kind of traffic the agreement test checks, while `captures` run: IPv6 start-up on A (DAD
 * NS, MLD, RS; then an RA from r and SLAAC's DAD), ARP, ping both families (to r, through r,
 * large and fragmented, DF-too-big, record route, timestamps, DSCP, TTL 1), UDP echo and a
 * closed UDP port, TCP echo with FIN and a closed TCP port (RST), both families, and ping across
 * the VXLAN tunnel.
 */
export async function generateTraffic(lab: Lab, { a, r, b }: Topology): Promise<TrafficLog> {
  const log: TrafficLog = [];
  const step = (ns: string, command: string, mayFail = false) => {
    const started = Date.now();
    let outcome: string;
    try {
      outcome = lab.run(ns, command).trim().split('\n').at(-1) ?? '';
    } catch (e) {
      if (!mayFail) throw e;
      outcome = 'no reply, as intended';
    }
    const shown = command.replaceAll(`${process.execPath} `, 'node ').replaceAll(`${lab.dir}/`, '');
    log.push(`${ns.split('-').at(-1)}$ ${shown} (${Date.now() - started} ms): ${outcome}`);
  };
  // IPv6 on A: link-local address with DAD (NS from ::), MLDv2 reports, then a router solicitation.
  lab.run(a, 'sysctl -qw net.ipv6.conf.a0.disable_ipv6=0');
  await waitForDad(lab, a, 'a0', 'fe80:');
  // The RA must come from r's link-local address (RFC 4861 §6.1.2), so that DAD must be over too.
  await waitForDad(lab, r, 'ra', 'fe80:');
  await sleep(150);
  const raMac = lab.run(r, 'cat /sys/class/net/ra/address').trim();
  step(r, `python3 ${join(lab.dir, 'send-ra.py')} ra ${raMac} fd00:1:: ${NET.r6a}`);
  // SLAAC from the RA's prefix: another DAD.
  await waitForDad(lab, a, 'a0', 'fd00:1:');
  lab.run(a, `ip -6 addr add ${NET.a6}/64 dev a0 nodad && ip -6 route add default via ${NET.r6a}`);

  await startServer(lab, b, 'tcp-server', NET.tcpPort);
  await startServer(lab, b, 'udp-server', NET.udpPort);
  const ping = 'ping -n -q -W 1';
  step(a, `${ping} -c 2 -i 0.05 ${NET.r4a}`);
  step(a, `${ping} -6 -c 2 -i 0.05 ${NET.r6a}`);
  step(a, `${ping} -c 2 -i 0.05 ${NET.b4}`);
  step(a, `${ping} -6 -c 2 -i 0.05 ${NET.b6}`);
  // 3000 bytes: fragmented by A for its 1500 MTU, again by r for the tagged link's 1400.
  step(a, `${ping} -c 1 -s 3000 ${NET.b4}`);
  // IPv6: r cannot fragment, so it sends Packet Too Big; the second echo goes in 1400-byte fragments.
  step(a, `${ping} -6 -c 2 -i 0.2 -s 3000 ${NET.b6}`);
  // DF set and too big for the tagged link: ICMP fragmentation needed from r.
  step(a, `${ping} -c 1 -M do -s 1420 ${NET.b4}`, true);
  step(a, `${ping} -c 1 -R ${NET.b4}`);
  step(a, `${ping} -c 1 -T tsonly ${NET.b4}`);
  step(a, `${ping} -c 1 -T tsandaddr ${NET.b4}`);
  step(a, `${ping} -c 1 -Q 0xb8 ${NET.b4}`);
  // Hop limit 1: r answers time exceeded.
  step(a, `${ping} -c 1 -t 1 ${NET.b4}`, true);
  step(a, `${ping} -6 -c 1 -t 1 ${NET.b6}`, true);
  for (const host of [NET.b4, NET.b6]) {
    step(a, sockets(lab, 'udp-client', host, NET.udpPort));
    // Nothing listens: port unreachable from B.
    step(a, sockets(lab, 'udp-client', host, NET.closedUdpPort));
    step(a, sockets(lab, 'tcp-client', host, NET.tcpPort));
    step(a, sockets(lab, 'tcp-client', host, NET.closedTcpPort));
  }
  step(a, `${ping} -c 2 -i 0.05 ${NET.vxB}`);
  await sleep(200);
  return log;
}

/** Stops the captures, returning their files. */
export async function stopCaptures(captures: readonly Capture[]): Promise<string[]> {
  for (const c of captures) await c.stop();
  return captures.map((c) => c.file);
}
