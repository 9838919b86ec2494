/**
 * A flannel-style CNI plugin (flannel's `cni0` bridge design), built on @cnikit/cni and
 * @cnikit/netlink: the pod's veth into the `cni0` bridge (the node subnet's gateway address on the
 * bridge, hairpin on), an address from the node subnet the agent leased (read from its
 * subnet.env) through the real host-local as IPAM, the default route via the bridge. DEL gives the
 * address back and removes the veth; CHECK reports a missing interface or address; STATUS is
 * not-ready (50) while the agent has no lease; GC releases the addresses of attachments the
 * runtime no longer knows. Configuration:
 *
 *   {"cniVersion": "1.1.0", "name": "cbr0", "type": "cnk-flannel",
 *    "subnetFile": "/run/flannel/subnet.env", "dataDir": "/var/lib/cni/networks", "bridge": "cni0"}
 */
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CniError,
  CniErrorCode,
  type CniPlugin,
  type CniRequest,
  delegateAdd,
  delegateCheck,
  delegateDel,
  runPlugin,
} from '@cnikit/cni';
import { Netlink, Netns } from '@cnikit/netlink';

/**
 * Where one run's time goes, for benchmarks/cni-startup.mjs: with CNK_FLANNEL_TRACE set, a JSON
 * line per run is appended to that file, in ms since the process started (process.uptime(): the
 * `performance` global would load perf_hooks into every run): when the bundle's first line ran
 * (build.mjs's banner), when the modules were ready, and the time spent loading the netlink addon
 * and node:child_process, in netlink requests and in delegated plugins.
 */
const now = () => process.uptime() * 1000;
const spans = { addon: 0, spawner: 0, netlink: 0, delegate: 0 };
/**
 * Loads node:child_process (which @cnikit/cni's delegation loads on first use anyway) before the
 * first delegation, so the trace tells its loading apart from host-local's run.
 */
let spawnerLoaded = false;
function loadSpawner(): void {
  if (spawnerLoaded) return;
  spawnerLoaded = true;
  const t = now();
  createRequire(import.meta.url)('node:child_process');
  spans.spawner += now() - t;
}

async function timed<T>(span: keyof typeof spans, f: () => Promise<T>): Promise<T> {
  if (span === 'delegate') loadSpawner();
  const t = now();
  try {
    return await f();
  } finally {
    spans[span] += now() - t;
  }
}
function traceTo(file: string, firstLine: number | undefined, modulesReady: number): void {
  process.on('exit', () => {
    const line = {
      command: process.env.CNI_COMMAND,
      firstLine,
      modulesReady,
      end: now(),
      ...spans,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  });
}

interface SubnetEnv {
  network: string;
  /** The gateway with the subnet's length: `10.244.1.1/24`. */
  subnet: string;
  mtu: number;
}

function subnetFile(req: CniRequest): string {
  return typeof req.config.subnetFile === 'string' ? req.config.subnetFile : '/run/flannel/subnet.env';
}

function readSubnetEnv(req: CniRequest): SubnetEnv {
  const file = subnetFile(req);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CniError(
      CniErrorCode.PluginNotAvailable,
      'not ready: the agent holds no subnet lease',
      `${file} is missing`,
    );
  }
  const env = Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
  if (!env.FLANNEL_NETWORK || !env.FLANNEL_SUBNET) {
    throw new CniError(CniErrorCode.PluginNotAvailable, 'not ready: subnet.env is incomplete', file);
  }
  return { network: env.FLANNEL_NETWORK, subnet: env.FLANNEL_SUBNET, mtu: Number(env.FLANNEL_MTU ?? 1450) };
}

/** The host-local configuration for this node's subnet (host-local 1.1.1 speaks up to 1.0.0). */
function ipamConfig(req: CniRequest, env: SubnetEnv): Record<string, unknown> {
  const [gateway, length] = env.subnet.split('/');
  const base = gateway.split('.').slice(0, 3).join('.');
  return {
    cniVersion: req.config.cniVersion === '1.1.0' ? '1.0.0' : req.config.cniVersion,
    name: req.config.name,
    ipam: {
      type: 'host-local',
      ...(typeof req.config.dataDir === 'string' ? { dataDir: req.config.dataDir } : {}),
      ranges: [[{ subnet: `${base}.0/${length}`, gateway }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
  };
}

/** DEL and GC without subnet.env: host-local releases by owner and only needs some valid range. */
const RELEASE_ONLY: SubnetEnv = { network: '', subnet: '192.0.2.1/24', mtu: 1450 };

const bridgeName = (req: CniRequest) => (typeof req.config.bridge === 'string' ? req.config.bridge : 'cni0');
/** `veth` + 8 hex digits of FNV-1a over container id and ifname (node:crypto costs start-up time). */
function hostVeth(req: CniRequest): string {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(`${req.containerId}/${req.ifName}`)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return `veth${h.toString(16).padStart(8, '0')}`;
}

let addonLoaded = false;
async function withNetlink<T>(netns: string | undefined, f: (nl: Netlink) => Promise<T>): Promise<T> {
  const t = now();
  const nl = await Netlink.open(netns ? { netns } : {});
  // The first open loads the native addon: module loading, not kernel work.
  if (!addonLoaded) {
    addonLoaded = true;
    spans.addon += now() - t;
  }
  try {
    return await timed('netlink', () => f(nl));
  } finally {
    nl.close();
  }
}

/**
 * 0a:58 + the IPv4 address, as Kubernetes names pod MACs. Set on the bridge explicitly: a Linux
 * bridge without one takes its lowest port's MAC, which changes as pods come and go and leaves the
 * pods' ARP entries for the gateway stale.
 */
function macFor(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

async function ensureBridge(nl: Netlink, name: string, gatewayCidr: string, mtu: number) {
  let br = await nl.links.get(name).catch(() => undefined);
  if (!br) {
    const address = macFor(gatewayCidr.split('/')[0]);
    br = await nl.links
      .create({ name, kind: 'bridge', mtu, address, up: true })
      .catch(() => nl.links.get(name));
  }
  const have = await nl.addresses.list({ index: br.index });
  if (!have.some((a) => `${a.address}/${a.prefixLength}` === gatewayCidr)) {
    await nl.addresses.replace({ index: br.index, address: gatewayCidr });
  }
  await nl.links.set(br.index, { up: true });
  return nl.links.get(br.index);
}

const plugin: CniPlugin = {
  about: 'cnk-flannel: a flannel-style cni0 bridge plugin built on @cnikit/cni and @cnikit/netlink',
  async add(req) {
    const env = readSubnetEnv(req);
    const ipamConf = ipamConfig(req, env);
    const ipam = await timed('delegate', () => delegateAdd('host-local', ipamConf, req));
    const address = ipam.ips?.[0];
    if (!address) throw new CniError(CniErrorCode.Internal, 'host-local returned no address');
    const gateway = env.subnet.split('/')[0];
    const veth = hostVeth(req);
    try {
      return await withNetlink(undefined, async (node) => {
        const br = await ensureBridge(node, bridgeName(req), env.subnet, env.mtu);
        const fd = Netns.open(req.netns);
        try {
          await node.links.create({
            name: veth,
            kind: 'veth',
            mtu: env.mtu,
            veth: { peer: { name: req.ifName, netns: { fd } } },
          });
        } finally {
          Netns.close(fd);
        }
        await node.links.set(veth, { master: br.index, up: true });
        await node.links.setBridgePort(veth, { hairpin: true });
        const host = await node.links.get(veth);
        const pod = await withNetlink(req.netns, async (nl) => {
          await nl.links.set('lo', { up: true });
          const eth = await nl.links.get(req.ifName);
          await nl.addresses.add({ index: eth.index, address: address.address });
          await nl.links.set(eth.index, { up: true });
          await nl.routes.add({ dst: 'default', gateway, oif: eth.index });
          return eth;
        });
        return {
          interfaces: [
            { name: br.name, mac: br.address },
            { name: host.name, mac: host.address },
            { name: req.ifName, mac: pod.address, sandbox: req.netns },
          ],
          ips: [{ address: address.address, gateway, interface: 2 }],
          routes: [{ dst: '0.0.0.0/0', gw: gateway }],
        };
      });
    } catch (e) {
      await withNetlink(undefined, (nl) => nl.links.delete(veth)).catch(() => undefined);
      await timed('delegate', () => delegateDel('host-local', ipamConf, req)).catch(() => undefined);
      throw new CniError(100, 'cannot attach the pod', (e as Error).message);
    }
  },
  async del(req) {
    // Without subnet.env (agent gone) host-local still finds the owner's address by container id.
    let ipamConf: Record<string, unknown>;
    try {
      ipamConf = ipamConfig(req, readSubnetEnv(req));
    } catch {
      ipamConf = ipamConfig(req, RELEASE_ONLY);
    }
    await timed('delegate', () => delegateDel('host-local', ipamConf, req));
    await withNetlink(undefined, (nl) => nl.links.delete(hostVeth(req))).catch(() => undefined);
    if (req.netns && existsSync(req.netns)) {
      await withNetlink(req.netns, (nl) => nl.links.delete(req.ifName)).catch(() => undefined);
    }
  },
  async check(req) {
    const prev = req.prevResult;
    if (!prev) throw new CniError(CniErrorCode.InvalidNetworkConfig, 'CHECK needs prevResult');
    const env = readSubnetEnv(req);
    await withNetlink(req.netns, async (nl) => {
      const eth = await nl.links.get(req.ifName).catch(() => undefined);
      if (!eth) throw new CniError(101, `interface ${req.ifName} is missing in ${req.netns}`);
      const have = (await nl.addresses.list({ index: eth.index })).map(
        (a) => `${a.address}/${a.prefixLength}`,
      );
      for (const ip of prev.ips ?? []) {
        if (!have.includes(ip.address))
          throw new CniError(102, `address ${ip.address} is missing on ${req.ifName}`);
      }
    });
    await timed('delegate', () => delegateCheck('host-local', ipamConfig(req, env), req));
  },
  status(req) {
    readSubnetEnv(req);
  },
  async gc(req) {
    // host-local 1.1.1 has no GC: release, through its own DEL, every address whose owner is not valid.
    const dir = join(
      typeof req.config.dataDir === 'string' ? req.config.dataDir : '/var/lib/cni/networks',
      req.config.name,
    );
    if (!existsSync(dir)) return;
    const valid = new Set(req.validAttachments.map((a) => `${a.containerID}/${a.ifname}`));
    const ipamConf = ipamConfig(req, RELEASE_ONLY);
    for (const file of readdirSync(dir)) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(file)) continue;
      const [containerId, ifName] = readFileSync(join(dir, file), 'utf8').split(/\r?\n/);
      if (!containerId || valid.has(`${containerId}/${ifName}`)) continue;
      await timed('delegate', () =>
        delegateDel('host-local', ipamConf, {
          ...req,
          env: { ...req.env, CNI_CONTAINERID: containerId, CNI_IFNAME: ifName ?? 'eth0', CNI_NETNS: '' },
        }),
      );
    }
  },
};

/**
 * Started as a script, the plugin runs at once. Built into a V8 start-up snapshot (build.mjs,
 * `node --snapshot-blob … --build-snapshot`), everything above has run at build time and the
 * snapshot's main runs the plugin: a start-up without module loading.
 */
function main(fromSnapshot: boolean): void {
  const ready = now();
  const firstLine = fromSnapshot ? ready : (globalThis as { cnkFirstLine?: number }).cnkFirstLine;
  const trace = process.env.CNK_FLANNEL_TRACE;
  if (trace) traceTo(trace, firstLine, ready);
  void runPlugin(plugin);
}

if (process.execArgv.includes('--build-snapshot')) {
  const { startupSnapshot } = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  startupSnapshot.setDeserializeMainFunction(() => main(true));
} else main(false);
