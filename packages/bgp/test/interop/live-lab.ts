import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedPacket } from '../../../../test/support/capture-reader.js';
import { type Capture, Lab, sleep } from '../../../../test/support/netns.js';

/*
 * Three namespaces, one daemon each, a veth pair between every two of them:
 *
 *   BIRD 2 (AS 65001) ──S1 eBGP over IPv4, IPv4 unicast, 5,000+ prefixes── GoBGP (AS 65002)
 *   GoBGP (AS 65002) ──S2 iBGP over IPv6, IPv6 unicast with ADD-PATH both ways, L2VPN EVPN── FRR (AS 65002)
 *   FRR (AS 65002) ──S3 eBGP over IPv6, IPv6 unicast── BIRD 2 (AS 65001)
 *
 * tcpdump records each link from one end: S1 in BIRD's namespace, S2 in GoBGP's, S3 in FRR's.
 * BIRD writes the messages and state changes of its sessions to bird.mrt (BGP4MP), GoBGP the
 * UPDATEs it receives to gobgp.mrt, both in the lab's folder.
 */

export const BIG = 5000;

export const ADDR = {
  birdS1: '10.1.0.1',
  gobgpS1: '10.1.0.2',
  gobgpS2: 'fd02::2',
  frrS2: 'fd02::3',
  frrS3: 'fd03::3',
  birdS3: 'fd03::1',
} as const;

function bigRoutes(): string {
  const lines: string[] = [];
  for (let i = 0; i < BIG; i++) lines.push(`  route 10.${100 + (i >> 8)}.${i & 255}.0/24 blackhole;`);
  return lines.join('\n');
}

export function birdConfig(dir: string): string {
  return `
router id 10.1.0.1;
mrtdump "${dir}/bird.mrt";
mrtdump protocols { states, messages };
protocol device { scan time 10; }
protocol static big { ipv4;
${bigRoutes()}
}
protocol static s4a { ipv4; route 172.16.1.0/24 blackhole; }
protocol static s4b { ipv4; route 172.16.2.0/24 blackhole; }
protocol static s6a { ipv6; route fd10:1::/48 blackhole; }
protocol static s6b { ipv6; route fd10:2::/48 blackhole; }
filter to_gobgp {
  if proto = "big" then { bgp_med = 7; bgp_community.add((65001,7)); accept; }
  if proto = "s4a" || proto = "s4b" then {
    bgp_med = 11; bgp_community.add((65001,5)); bgp_community.add((65001,6));
    bgp_large_community.add((65001,1,2)); bgp_path.prepend(65001); accept;
  }
  reject;
}
filter to_frr {
  if proto = "s6a" || proto = "s6b" then {
    bgp_med = 22; bgp_community.add((65001,8)); bgp_large_community.add((65001,3,4)); accept;
  }
  reject;
}
protocol bgp gobgp {
  local ${ADDR.birdS1} as 65001; neighbor ${ADDR.gobgpS1} as 65002; connect retry time 1;
  ipv4 { import all; export filter to_gobgp; };
}
# Multihop: no link-local next hop, which FRR without zebra (no interface list) withdraws.
protocol direct { ipv6; interface "b2f"; }
protocol bgp frr {
  local ${ADDR.birdS3} as 65001; neighbor ${ADDR.frrS3} as 65002; multihop 2; connect retry time 1;
  ipv6 { import all; export filter to_frr; };
}
`;
}

export const GOBGP_CONF = `
[[mrt-dump]]
  [mrt-dump.config]
    dump-type = "updates"
    file-name = "gobgp.mrt"

[global.config]
  as = 65002
  router-id = "10.1.0.2"
  port = 179
[global.apply-policy.config]
  default-import-policy = "accept-route"
  default-export-policy = "accept-route"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${ADDR.birdS1}"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${ADDR.frrS2}"
    peer-as = 65002
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.add-paths.config]
      send-max = 8
      receive = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
`;

export const FRR_CONF = `
frr defaults traditional
hostname frr
router bgp 65002
 bgp router-id 10.2.0.3
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor ${ADDR.gobgpS2} remote-as 65002
 neighbor ${ADDR.gobgpS2} timers connect 1
 neighbor ${ADDR.birdS3} remote-as 65001
 neighbor ${ADDR.birdS3} timers connect 1
 neighbor ${ADDR.birdS3} ebgp-multihop 2
 address-family ipv6 unicast
  network fd30:1::/48 route-map SET1
  network fd30:2::/48 route-map SET2
  neighbor ${ADDR.gobgpS2} activate
  neighbor ${ADDR.gobgpS2} addpath-tx-all-paths
  neighbor ${ADDR.gobgpS2} route-map LP out
  neighbor ${ADDR.birdS3} activate
 exit-address-family
 address-family l2vpn evpn
  neighbor ${ADDR.gobgpS2} activate
 exit-address-family
route-map SET1 permit 10
 set metric 44
 set community 65002:9 65002:10
 set large-community 65002:5:6
route-map SET2 permit 10
 set metric 45
route-map LP permit 10
 set local-preference 250
`;

/** The routes GoBGP is given through its CLI (`gobgp global rib …`), and those withdrawn later. */
export const GOBGP_ROUTES = [
  '-a ipv4 add 172.20.1.0/24 nexthop 10.1.0.2 med 30 community 65002:1,65002:2 large-community 65002:7:8',
  '-a ipv4 add 172.20.2.0/24 nexthop 10.1.0.2 med 31',
  '-a ipv6 add fd20:1::/48 identifier 1 nexthop fd02::2 local-pref 300 community 65002:3',
  '-a ipv6 add fd20:1::/48 identifier 2 nexthop fd02::22 local-pref 200 med 5 large-community 65002:1:1',
  '-a ipv6 add fd20:2::/48 nexthop fd02::2',
  '-a evpn add macadv 02:00:00:00:00:01 10.2.0.2 etag 0 label 1000 rd 65002:100 rt 65002:100 encap vxlan nexthop 10.1.0.2 community 65002:4',
  '-a evpn add macadv 02:00:00:00:00:02 10.2.0.3 etag 0 label 1000 rd 65002:100 rt 65002:100 encap vxlan nexthop 10.1.0.2',
  '-a evpn add multicast 10.1.0.2 etag 0 rd 65002:100 rt 65002:100 encap vxlan pmsi ingress-repl 1000 10.1.0.2 nexthop 10.1.0.2',
];
export const GOBGP_WITHDRAWALS = [
  '-a ipv4 del 172.20.2.0/24',
  '-a ipv6 del fd20:2::/48',
  '-a evpn del macadv 02:00:00:00:00:02 10.2.0.3 etag 0 label 1000 rd 65002:100',
];

export interface LiveLab {
  readonly lab: Lab;
  readonly ns: { bird: string; gobgp: string; frr: string };
  birdc(cmd: string): string;
  gobgp(args: string): string;
  vtysh(cmd: string): string;
  captures: { s1: Capture; s2: Capture; s3: Capture };
}

const BGPD = '/usr/lib/frr/bgpd';

async function waitFor(what: string, check: () => boolean, ms: number, detail: () => string = () => '') {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await sleep(100);
  }
}

/** Lab.run with room for a 5,000-route table in JSON (Lab.run keeps spawnSync's 1 MiB). */
function runIn(ns: string, command: string): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', command], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`[${ns}] ${command}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Builds the namespaces and links, starts the captures, then the three daemons. */
export async function startLiveLab(): Promise<LiveLab> {
  const lab = new Lab('cnk-bgplive');
  const { dir } = lab;
  const bird = lab.ns('bird');
  const gobgp = lab.ns('gobgp');
  const frr = lab.ns('frr');
  const link = (a: string, devA: string, b: string, devB: string) =>
    lab.run(a, `ip link add ${devA} type veth peer name ${devB} netns ${b}`);
  link(bird, 'b2g', gobgp, 'g2b');
  link(gobgp, 'g2f', frr, 'f2g');
  link(frr, 'f2b', bird, 'b2f');
  const up = (ns: string, dev: string, addrs: string[]) => {
    for (const a of addrs) lab.run(ns, `ip addr add ${a} dev ${dev}${a.includes(':') ? ' nodad' : ''}`);
    // Checksums computed in software and no segmentation offload: captured frames are what went out.
    lab.run(ns, `ethtool -K ${dev} tx off tso off gso off gro off >/dev/null 2>&1; ip link set ${dev} up`);
  };
  up(bird, 'b2g', ['10.1.0.1/24']);
  up(gobgp, 'g2b', ['10.1.0.2/24']);
  up(gobgp, 'g2f', ['fd02::2/64', 'fd02::22/64']);
  up(frr, 'f2g', ['fd02::3/64']);
  up(frr, 'f2b', ['fd03::3/64']);
  up(bird, 'b2f', ['fd03::1/64']);
  const captures = {
    s1: await lab.capture(bird, 'b2g', 'tcp port 179'),
    s2: await lab.capture(gobgp, 'g2f', 'tcp port 179'),
    s3: await lab.capture(frr, 'f2b', 'tcp port 179'),
  };

  const birdSock = join(dir, 'bird.ctl');
  writeFileSync(join(dir, 'bird.conf'), birdConfig(dir));
  const birdProc = lab.spawn(
    bird,
    `bird -f -c ${join(dir, 'bird.conf')} -s ${birdSock} -P ${join(dir, 'bird.pid')}`,
  );
  writeFileSync(join(dir, 'gobgpd.toml'), GOBGP_CONF);
  // The MRT file name is relative: GoBGP passes it through Go's time.Format (digits in a
  // temporary folder's name would become the hour or minute), so gobgpd runs in the lab folder.
  const goProc = lab.spawn(
    gobgp,
    `sh -c 'cd ${dir} && exec gobgpd -f gobgpd.toml --api-hosts 127.0.0.1:50051 -l warn'`,
  );
  writeFileSync(
    join(dir, 'bgpd.conf'),
    `log file ${dir}/frr.log debugging\ndebug bgp updates in\ndebug bgp nht\n${FRR_CONF}`,
  );
  const frrProc = lab.spawn(
    frr,
    `${BGPD} -Z -S -P 0 -f ${join(dir, 'bgpd.conf')} --vty_socket ${dir} -i ${join(dir, 'bgpd.pid')}`,
  );
  const errors: Record<string, string> = { bird: '', gobgpd: '', bgpd: '' };
  for (const [name, p] of [
    ['bird', birdProc],
    ['gobgpd', goProc],
    ['bgpd', frrProc],
  ] as const) {
    p.stderr?.on('data', (d: Buffer) => {
      errors[name] += d.toString();
    });
    p.stdout?.on('data', () => undefined);
  }
  const exited = () =>
    [birdProc, goProc, frrProc].some((p) => p.exitCode !== null) ? JSON.stringify(errors) : '';
  const live: LiveLab = {
    lab,
    ns: { bird, gobgp, frr },
    captures,
    birdc: (cmd) => runIn(bird, `birdc -s ${birdSock} ${cmd}`),
    gobgp: (args) => runIn(gobgp, `gobgp -u 127.0.0.1 -p 50051 ${args}`),
    vtysh: (cmd) => runIn(frr, `vtysh --vty_socket ${dir} -d bgpd -c '${cmd}'`),
  };
  const ok = (f: () => unknown) => {
    try {
      f();
      return true;
    } catch {
      if (exited()) throw new Error(`a daemon exited: ${exited()}`);
      return false;
    }
  };
  await waitFor(
    'BIRD control socket',
    () => existsSync(birdSock) && ok(() => live.birdc('show status')),
    15_000,
  );
  await waitFor(
    'gobgpd API',
    () => ok(() => live.gobgp('global')),
    15_000,
    () => errors.gobgpd,
  );
  await waitFor(
    'bgpd vty',
    () => existsSync(join(dir, 'bgpd.vty')),
    15_000,
    () => errors.bgpd,
  );
  return live;
}

export type { CapturedPacket };
