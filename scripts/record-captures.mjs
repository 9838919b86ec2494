// Records the sample captures in examples/captures with the real kernel, inside network
// namespaces this script creates and deletes (nothing touches the root namespace), then writes
// tshark's decode of each beside it. Run as root: `npm run captures` (builds first).
//
// Needs: ip, ethtool, tcpdump, ping, tshark (scripts/install-peers.sh installs them all).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encodePcapng, readCapture } from '@cnikit/pcap';

// CNIKIT_CAPTURES_OUT: another folder (the test that re-records them uses a temporary one).
const OUT =
  process.env.CNIKIT_CAPTURES_OUT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../examples/captures');
const PREFIX = `cnikit-cap-${randomBytes(3).toString('hex')}`;
const namespaces = [];
const processes = [];
const work = mkdtempSync(join(tmpdir(), 'cnikit-captures-'));

function fail(message) {
  console.error(`record-captures: ${message}`);
  process.exit(1);
}

if (process.getuid?.() !== 0)
  fail('run as root (network namespaces need CAP_NET_ADMIN): sudo npm run captures');
for (const tool of ['ip', 'ethtool', 'tcpdump', 'ping', 'tshark']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    fail(`${tool} is not installed (sudo bash scripts/install-peers.sh)`);
  }
}

function ns(role) {
  const name = `${PREFIX}-${role}`;
  run('ip', ['netns', 'add', name]);
  namespaces.push(name);
  inNs(name, 'ip link set lo up');
  return name;
}

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function inNs(name, command) {
  return run('ip', ['netns', 'exec', name, 'sh', '-c', command]);
}

function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms));
}

/** Starts a process in `name`; resolves once `ready` appears on its stdout or stderr. */
function start(name, args, ready) {
  const proc = spawn('ip', ['netns', 'exec', name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  processes.push(proc);
  return new Promise((done, reject) => {
    let said = '';
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${said}`)), 10_000);
    const listen = (d) => {
      said += d.toString();
      if (said.includes(ready)) {
        clearTimeout(timer);
        done(proc);
      }
    };
    proc.stdout.on('data', listen);
    proc.stderr.on('data', listen);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited (${code}): ${said}`));
    });
  });
}

/** tcpdump on `dev` in `name` into a classic pcap file (nanosecond timestamps with `nano`). */
async function tcpdump(name, dev, file, nano = false) {
  const args = ['tcpdump', '--immediate-mode', '-U', '-n', '-s', '0', '-i', dev, '-w', file];
  if (nano) args.splice(1, 0, '--time-stamp-precision=nano');
  const proc = await start(name, args, 'listening on');
  return async () => {
    await sleep(300);
    const exited = new Promise((done) => proc.once('exit', done));
    proc.kill('SIGINT');
    await exited;
    return readFileSync(file);
  };
}

/** Two namespaces joined by a veth pair with fixed MACs and checksum offload off (real checksums). */
function pair(a, b, devA, devB, macA, macB) {
  inNs(a, `ip link add ${devA} address ${macA} type veth peer name ${devB} netns ${b}`);
  inNs(b, `ip link set ${devB} address ${macB}`);
  inNs(a, `ethtool -K ${devA} tx off >/dev/null`);
  inNs(b, `ethtool -K ${devB} tx off >/dev/null`);
}

function noIpv6(...names) {
  for (const n of names)
    inNs(n, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
}

/**
 * flannel's vxlan backend: two nodes on an underlay veth, a `flannel.1` device each (VNI 1, UDP
 * 8472, nolearning), one routed pod per node. Node 2 has the static neighbour and FDB entries
 * flannel installs; node 1 only the FDB entries (its peer's VTEP MAC and an all-zeros one), so its
 * first packet to the other pod subnet is an ARP request that crosses the tunnel. Captured on node
 * 1's underlay: ARP for the peer node, the tunnelled ARP, then pod 1 pinging pod 2 three times.
 */
async function flannelVxlan() {
  const nodes = [1, 2].map((i) => ({
    node: ns(`n${i}`),
    pod: ns(`p${i}`),
    dev: `u${i}`,
    mac: `02:00:00:00:01:0${i}`,
    ip: `192.168.100.${i}`,
    vtep: `02:00:00:00:0a:0${i}`,
    podMac: `02:00:00:00:00:0${i}`,
  }));
  const [a, b] = nodes;
  noIpv6(a.node, b.node, a.pod, b.pod);
  pair(a.node, b.node, a.dev, b.dev, a.mac, b.mac);
  for (const [i, n] of nodes.entries()) {
    const own = `10.244.${i + 1}`;
    const other = `10.244.${2 - i}`;
    const peer = nodes[1 - i];
    inNs(
      n.node,
      `ip addr add ${n.ip}/24 dev ${n.dev} && ip link set ${n.dev} up && sysctl -qw net.ipv4.ip_forward=1`,
    );
    pair(n.pod, n.node, 'eth0', 'veth-pod', n.podMac, `02:00:00:00:00:1${i + 1}`);
    inNs(
      n.pod,
      `ip link set eth0 mtu 1450 up && ip addr add ${own}.2/24 dev eth0 && ip route add default via ${own}.1`,
    );
    inNs(n.node, `ip link set veth-pod up && ip addr add ${own}.1/24 dev veth-pod`);
    inNs(
      n.node,
      `ip link add flannel.1 address ${n.vtep} type vxlan id 1 dstport 8472 local ${n.ip} dev ${n.dev} nolearning` +
        ` && ip addr add ${own}.0/32 dev flannel.1 && ip link set flannel.1 up` +
        ` && ip route add ${other}.0/24 via ${other}.0 dev flannel.1 onlink` +
        ` && bridge fdb add ${peer.vtep} dev flannel.1 dst ${peer.ip} self permanent`,
    );
  }
  inNs(b.node, `ip neigh add 10.244.1.0 lladdr ${a.vtep} dev flannel.1 nud permanent`);
  inNs(a.node, `bridge fdb append 00:00:00:00:00:00 dev flannel.1 dst ${b.ip} self permanent`);
  // The pods resolve their gateways first, so the underlay capture holds only node traffic.
  inNs(a.pod, 'ping -c 1 -W 1 10.244.1.1 >/dev/null');
  inNs(b.pod, 'ping -c 1 -W 1 10.244.2.1 >/dev/null');
  const stop = await tcpdump(a.node, a.dev, join(work, 'flannel.pcap'));
  inNs(a.pod, 'ping -c 3 -i 0.2 -W 2 10.244.2.2 >/dev/null');
  return stop();
}

/**
 * IPv6 on a fresh link: the two ends come up (duplicate address detection, MLDv2 reports, a
 * router solicitation), get global addresses, then one pings the other (neighbour solicitation
 * and advertisement, echo request and reply). Captured on one end.
 */
async function ipv6NeighbourDiscovery() {
  const a = ns('v6a');
  const b = ns('v6b');
  pair(a, b, 'eth0', 'eth0', '02:00:00:00:06:01', '02:00:00:00:06:02');
  for (const n of [a, b]) {
    inNs(n, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.router_solicitations=1');
    inNs(
      n,
      'sysctl -qw net.ipv6.conf.eth0.router_solicitations=1 net.ipv6.conf.eth0.router_solicitation_delay=0',
    );
  }
  inNs(a, 'ip link set eth0 up');
  const stop = await tcpdump(a, 'eth0', join(work, 'ipv6.pcap'));
  inNs(b, 'ip link set eth0 up');
  inNs(a, 'ip addr add fd00:6::1/64 dev eth0');
  inNs(b, 'ip addr add fd00:6::2/64 dev eth0');
  // Wait out duplicate address detection on both ends (1 s per address by default).
  for (let i = 0; i < 50; i++) {
    const tentative = inNs(a, 'ip -6 addr show tentative') + inNs(b, 'ip -6 addr show tentative');
    if (tentative.trim() === '') break;
    await sleep(100);
  }
  inNs(a, 'ping -6 -c 2 -i 0.2 -W 2 fd00:6::2 >/dev/null');
  return stop();
}

const TCP_SERVER = `require('net').createServer((s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); })
  .listen(8080, '10.0.0.2', () => console.log('ready'));`;
const TCP_CLIENT = `const c = require('net').connect({ host: '10.0.0.2', port: 8080 }, () => c.write('hello, pod\\n'));
c.on('data', () => c.end()); c.on('close', () => process.exit(0));`;

/**
 * One TCP connection between two namespaces, as Linux opens it (SYN with MSS, SACK permitted,
 * timestamps and window scale), a line echoed back, and a FIN from each side. Node's own sockets.
 */
async function tcpHandshake() {
  const a = ns('tcpa');
  const b = ns('tcpb');
  noIpv6(a, b);
  pair(a, b, 'eth0', 'eth0', '02:00:00:00:04:01', '02:00:00:00:04:02');
  inNs(a, 'ip addr add 10.0.0.1/24 dev eth0 && ip link set eth0 up');
  inNs(b, 'ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up');
  inNs(a, `ip neigh add 10.0.0.2 lladdr 02:00:00:00:04:02 dev eth0 nud permanent`);
  inNs(b, `ip neigh add 10.0.0.1 lladdr 02:00:00:00:04:01 dev eth0 nud permanent`);
  const server = await start(b, [process.execPath, '-e', TCP_SERVER], 'ready');
  const stop = await tcpdump(a, 'eth0', join(work, 'tcp.pcap'));
  inNs(a, `${process.execPath} -e "${TCP_CLIENT.replaceAll('"', '\\"')}"`);
  await sleep(200);
  server.kill('SIGKILL');
  return stop();
}

/**
 * A router namespace between two hosts, captured on both of its interfaces with nanosecond
 * timestamps; the two files are merged in time order into one pcapng by @cnikit/pcap's writer
 * (an interface description block each, if_tsresol 9). Each ping shows up on both interfaces,
 * one hop apart.
 */
async function twoInterfaces() {
  const h1 = ns('h1');
  const r = ns('r');
  const h2 = ns('h2');
  noIpv6(h1, r, h2);
  pair(h1, r, 'eth0', 'left', '02:00:00:00:02:01', '02:00:00:00:02:fe');
  pair(h2, r, 'eth0', 'right', '02:00:00:00:03:01', '02:00:00:00:03:fe');
  inNs(r, 'ip addr add 10.1.0.254/24 dev left && ip addr add 10.2.0.254/24 dev right');
  inNs(r, 'ip link set left up && ip link set right up && sysctl -qw net.ipv4.ip_forward=1');
  inNs(h1, 'ip addr add 10.1.0.1/24 dev eth0 && ip link set eth0 up && ip route add default via 10.1.0.254');
  inNs(h2, 'ip addr add 10.2.0.1/24 dev eth0 && ip link set eth0 up && ip route add default via 10.2.0.254');
  const stopLeft = await tcpdump(r, 'left', join(work, 'left.pcap'), true);
  const stopRight = await tcpdump(r, 'right', join(work, 'right.pcap'), true);
  inNs(h1, 'ping -c 2 -i 0.2 -W 2 10.2.0.1 >/dev/null');
  const files = [await stopLeft(), await stopRight()];
  const packets = files
    .flatMap((bytes, interfaceIndex) =>
      readCapture(new Uint8Array(bytes))
        .packets()
        .map((p) => ({
          data: p.data,
          timestamp: p.timestamp,
          originalLength: p.originalLength,
          interfaceIndex,
        })),
    )
    .sort((x, y) => (x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : 0));
  const interfaces = ['left', 'right'].map((name) => ({
    linkType: 1,
    snapLength: 262144,
    timestampResolution: 9,
    name,
  }));
  return encodePcapng({ interfaces }, packets);
}

/** Writes `name` and tshark's decode of it (`name.json.gz`), as the shared corpus does. */
function save(name, bytes, tsharkArgs = []) {
  const path = join(OUT, name);
  writeFileSync(path, bytes);
  const json = run('sh', [
    '-c',
    `TZ=UTC tshark -r "${path}" ${tsharkArgs.join(' ')} -T json --no-duplicate-keys`,
  ]);
  writeFileSync(`${path}.json.gz`, gzipSync(json, { level: 9 }));
  console.log(`${name}: ${bytes.length} bytes, ${JSON.parse(json).length} packets`);
}

function cleanup() {
  for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const n of namespaces.reverse()) spawnSync('ip', ['netns', 'del', n]);
  rmSync(work, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  save('flannel-vxlan-8472.pcap', await flannelVxlan(), ['-d', 'udp.port==8472,vxlan']);
  save('ipv6-neighbour-discovery.pcap', await ipv6NeighbourDiscovery());
  save('tcp-handshake.pcap', await tcpHandshake());
  save('two-interfaces-ns.pcapng', await twoInterfaces());
} catch (e) {
  cleanup();
  fail(e.stack ?? String(e));
}
cleanup();
