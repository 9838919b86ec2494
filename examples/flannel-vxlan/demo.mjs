#!/usr/bin/env node
/**
 * The flannel-vxlan example end to end, printing what it does step by step: three node
 * namespaces on an underlay bridge, etcd, an agent per node, two pods per node attached by running
 * the CNI plugin as a runtime does, every pod pinging every other, one VXLAN packet of the underlay
 * dissected by our own dissector, then DEL. Everything lives in namespaces it creates and deletes.
 * Needs root; without it, it says how to run it. Packages must be built (`npm run build`).
 *
 *   sudo node examples/flannel-vxlan/demo.mjs
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniRuntime } from '@cnikit/cni';
import { ethernetDissectors } from '@cnikit/ethernet';
import { readCapture } from '@cnikit/pcap';
import { vxlanDissectorsForPorts } from '@cnikit/vxlan';
import { composeDissectors, dissect, formatTree } from '@cnikit/wire';
import { buildExample } from './build.mjs';

const step = (text) => console.log(`\n━━ ${text}`);
const missing = ['ip', 'etcd', 'etcdctl', 'tcpdump', 'ping'].filter(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
);
if (!existsSync('/usr/lib/cni/host-local')) missing.push('/usr/lib/cni/host-local');
if (process.getuid?.() !== 0 || missing.length > 0) {
  console.log(`flannel-vxlan demo: ${process.getuid?.() !== 0 ? 'needs root (network namespaces)' : `missing ${missing.join(', ')}`}.
It would build three node namespaces joined by an underlay bridge, start etcd and one agent per
node (each leases a /24 of 10.244.0.0/16 under /coreos.com/network/subnets/ and creates flannel.1,
VNI 1, port 8472), attach two pods per node through the CNI plugin, ping every pod from every pod
and dissect a VXLAN packet of the underlay. Run it as root:
  sudo node examples/flannel-vxlan/demo.mjs
See examples/flannel-vxlan/README.md for each step and what flannel does there.`);
  process.exit(0);
}

const id = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'cnk-demo-'));
const namespaces = [];
const processes = [];
const ns = (role) => {
  const name = `cnk-demo-${id}-${role}`;
  spawnSync('ip', ['netns', 'add', name]);
  namespaces.push(name);
  run(name, 'ip link set lo up');
  return name;
};
function run(name, command) {
  const r = spawnSync('ip', ['netns', 'exec', name, 'sh', '-c', command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`[${name}] ${command}: ${r.stderr}`);
  return r.stdout;
}
function background(name, command, onLine) {
  const p = spawn('ip', ['netns', 'exec', name, 'sh', '-c', `exec ${command}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(p);
  if (onLine) p.stdout.on('data', (d) => d.toString().trim().split('\n').forEach(onLine));
  return p;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(f, ms = 20_000) {
  for (const until = Date.now() + ms; !f(); await sleep(100))
    if (Date.now() > until) throw new Error('timed out');
}

const NODES = ['n1', 'n2', 'n3'];
const ETCD = 'http://192.168.60.254:2379';
try {
  const built = await buildExample();
  step('1. underlay: a bridge in its own namespace, three node namespaces on it (192.168.60.1-3)');
  const ul = ns('ul');
  run(ul, 'ip link add br0 type bridge && ip addr add 192.168.60.254/24 dev br0 && ip link set br0 up');
  const nodes = {};
  for (const [i, n] of NODES.entries()) {
    nodes[n] = ns(n);
    run(ul, `ip link add ${n} type veth peer name eth0 netns ${nodes[n]} && ip link set ${n} master br0 up`);
    run(
      nodes[n],
      `ip addr add 192.168.60.${i + 1}/24 dev eth0 && ip link set eth0 up && sysctl -qw net.ipv4.ip_forward=1`,
    );
    mkdirSync(join(dir, n), { recursive: true });
  }
  step(`2. etcd on the underlay (${ETCD}) and flannel's network configuration`);
  background(
    ul,
    `etcd --name demo --data-dir ${join(dir, 'etcd')} --listen-client-urls ${ETCD} --advertise-client-urls ${ETCD} --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster demo=http://127.0.0.1:2380`,
  );
  const etcdctl = (args) => run(ul, `ETCDCTL_API=3 etcdctl --endpoints ${ETCD} ${args}`);
  await waitFor(
    () =>
      spawnSync('ip', ['netns', 'exec', ul, 'etcdctl', '--endpoints', ETCD, 'endpoint', 'health'], {
        env: { ...process.env, ETCDCTL_API: '3' },
      }).status === 0,
  );
  etcdctl(
    `put /coreos.com/network/config '{"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}'`,
  );
  console.log(
    '/coreos.com/network/config = {"Network": "10.244.0.0/16", "SubnetLen": 24, "Backend": {"Type": "vxlan"}}',
  );
  step('3. an agent per node: lease, flannel.1, subnet.env, and ARP/FDB/route for every other node');
  for (const [i, n] of NODES.entries()) {
    background(
      nodes[n],
      `${process.execPath} ${built.agent} --etcd ${ETCD} --iface eth0 --public-ip 192.168.60.${i + 1} --subnet-file ${join(dir, n, 'subnet.env')} --ttl 30`,
      (line) => console.log(`  ${line}`),
    );
    await waitFor(() => existsSync(join(dir, n, 'subnet.env')));
  }
  await waitFor(() =>
    NODES.every((n) => run(nodes[n], 'ip -4 route show dev flannel.1').trim().split('\n').length === 2),
  );
  step('4. etcdctl get --prefix /coreos.com/network, as on a flannel cluster');
  console.log(etcdctl('get --prefix /coreos.com/network').trim().replace(/^/gm, '  '));
  step('5. two pods per node, attached by running the plugin as a container runtime does');
  const pods = {};
  const lines = {};
  // The nodes attach their pods at the same time, each node one pod after the other.
  const attach = async (n) => {
    const runtime = new CniRuntime({
      path: [built.pluginDir, '/usr/lib/cni'],
      cacheDir: join(dir, n, 'cache'),
      launcher: ['ip', 'netns', 'exec', nodes[n]],
    });
    const list = {
      cniVersion: '1.1.0',
      name: 'cbr0',
      plugins: [
        { type: 'cnk-flannel', subnetFile: join(dir, n, 'subnet.env'), dataDir: join(dir, n, 'ipam') },
      ],
    };
    for (const k of [1, 2]) {
      const name = `${n}p${k}`;
      const podNs = ns(name);
      const att = { containerId: `ctr-${name}`, netns: `/var/run/netns/${podNs}`, ifName: 'eth0' };
      const result = await runtime.add(list, att);
      pods[name] = { ns: podNs, ip: result.ips[0].address.split('/')[0], runtime, list, att };
      lines[name] = `  ${name}: ADD → eth0 ${result.ips[0].address}, gateway ${result.ips[0].gateway}`;
    }
  };
  await Promise.all(NODES.map(attach));
  const names = Object.keys(lines).sort();
  for (const name of names) console.log(lines[name]);
  step('6. every pod pings every other pod');
  const ping = (from, to) =>
    new Promise((resolve) =>
      spawn('ip', ['netns', 'exec', pods[from].ns, 'ping', '-c1', '-W2', pods[to].ip], {
        stdio: 'ignore',
      }).on('close', (code) => resolve(code === 0 ? ' ok ' : 'FAIL')),
    );
  const rows = await Promise.all(
    names.map((a) => Promise.all(names.map((b) => (a === b ? ' -- ' : ping(a, b))))),
  );
  for (const [i, a] of names.entries()) console.log(`  ${a} → ${rows[i].join(' ')}`);
  step(
    '7. one packet of the underlay (n1 eth0, udp port 8472), dissected by @cnikit/ethernet + @cnikit/vxlan',
  );
  const file = join(dir, 'underlay.pcap');
  const tcpdump = background(nodes.n1, `tcpdump -i eth0 -n -U -c 1 -w ${file} udp port 8472`);
  // tcpdump says "listening on" (stderr) once its filter is in place.
  await new Promise((resolve) => {
    let said = '';
    tcpdump.stderr.on('data', (d) => {
      said += d;
      if (said.includes('listening on')) resolve();
    });
    setTimeout(resolve, 5000);
  });
  spawnSync('ip', ['netns', 'exec', pods.n1p1.ns, 'ping', '-c1', '-W2', pods.n2p2.ip]);
  await new Promise((r) => (tcpdump.exitCode === null ? tcpdump.once('exit', r) : r()));
  const [packet] = [...readCapture(readFileSync(file))];
  const registry = composeDissectors(ethernetDissectors, vxlanDissectorsForPorts([4789, 8472]));
  process.stdout.write(formatTree(dissect(registry, packet.data).layers).replace(/^/gm, '  '));
  step('8. DEL every pod: addresses back to host-local, veths gone');
  await Promise.all(
    NODES.map(async (n) => {
      for (const name of names.filter((p) => p.startsWith(n)))
        await pods[name].runtime.del(pods[name].list, pods[name].att);
    }),
  );
  for (const name of names) console.log(`  ${name}: DEL`);
} finally {
  for (const p of processes) if (p.exitCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
  for (const n of namespaces.reverse()) spawnSync('ip', ['netns', 'del', n]);
  rmSync(dir, { recursive: true, force: true });
  console.log('\n(namespaces, processes and files removed)');
}
