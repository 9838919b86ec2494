/**
 * demo.mjs, what `npm start` runs after the tour (package.json: build, tour, demo). As root it runs
 * the example end to end; its step-by-step output is checked here: three leases, six pods, every
 * pair pinging, one underlay packet dissected as VXLAN between the nodes carrying the pods'
 * addresses, every pod deleted, nothing left behind. Without root it says what it would do and
 * how to run it, and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { announceKernelTestBlocker, kernelTestBlocker } from '../../../test/support/netns.js';

const demo = join(__dirname, '../demo.mjs');
const blocker =
  kernelTestBlocker(['etcd', 'etcdctl', 'tcpdump', 'ping']) ??
  (existsSync('/usr/lib/cni/host-local')
    ? undefined
    : '/usr/lib/cni/host-local is missing (containernetworking-plugins)') ??
  (existsSync(join(__dirname, '../../../packages/netlink/build/Release/cnikit_netlink.node'))
    ? undefined
    : 'the @cnikit/netlink addon is not built');
announceKernelTestBlocker(blocker, 'flannel-vxlan demo (npm start) as root');

const demoNamespaces = () =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith('cnk-demo-'));

describe('flannel-vxlan demo', () => {
  it('without root it explains itself and how to run it', () => {
    const root = process.getuid?.() === 0;
    const r = root
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, demo], {
          encoding: 'utf8',
        })
      : spawnSync(process.execPath, [demo], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^flannel-vxlan demo: needs root \(network namespaces\)\./);
    expect(r.stdout).toContain('  sudo node examples/flannel-vxlan/demo.mjs');
  });

  it.skipIf(blocker !== undefined)(
    'as root it runs end to end: leases, six pods, 30 pairs ok, the underlay dissected, DEL, nothing left',
    () => {
      const before = demoNamespaces();
      const t0 = Date.now();
      const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 150_000 });
      console.log(`demo.mjs as root: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = r.stdout;
      const steps = [...out.matchAll(/^━━ (\d)\. /gm)].map((m) => Number(m[1]));
      expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const section = (k: number) => out.slice(out.indexOf(`━━ ${k}. `), out.indexOf(`━━ ${k + 1}. `));
      for (const k of [1, 2, 3]) {
        expect(out).toContain(
          `[agent 192.168.60.${k}] took lease 10.244.${k}.0/24 for 30s (/coreos.com/network/subnets/10.244.${k}.0-24)`,
        );
      }
      // etcdctl's listing reads like a flannel cluster's: the config and three leases.
      expect(section(4).match(/^ {2}\/coreos\.com\/network\/\S+$/gm)).toEqual([
        '  /coreos.com/network/config',
        '  /coreos.com/network/subnets/10.244.1.0-24',
        '  /coreos.com/network/subnets/10.244.2.0-24',
        '  /coreos.com/network/subnets/10.244.3.0-24',
      ]);
      expect(section(5).match(/^ {2}n\dp\d: ADD .*$/gm)).toEqual(
        [1, 2, 3].flatMap((n) =>
          [1, 2].map((k) => `  n${n}p${k}: ADD → eth0 10.244.${n}.${k + 1}/24, gateway 10.244.${n}.1`),
        ),
      );
      const rows = section(6).match(/^ {2}n\dp\d → .*$/gm) ?? [];
      expect(rows).toHaveLength(6);
      rows.forEach((row, i) => {
        const cells = row.slice('  n1p1 → '.length).match(/ -- | ok |FAIL/g);
        expect(cells, row).toEqual(Array.from({ length: 6 }, (_, j) => (i === j ? ' -- ' : ' ok ')));
      });
      // The packet: outer node to node on 8472 with VNI 1, inner pod to pod (n1p1 → n2p2's ping).
      const tree = section(7);
      expect(tree).toContain('Internet Protocol Version 4, Src: 192.168.60.1, Dst: 192.168.60.2');
      expect(tree).toMatch(/User Datagram Protocol, Src Port: \d+, Dst Port: 8472/);
      expect(tree).toContain('VXLAN Network Identifier (VNI): 1');
      expect(tree).toContain('Internet Protocol Version 4, Src: 10.244.1.2, Dst: 10.244.2.3');
      expect(tree).toContain('Type: 8 (Echo (ping) request)');
      expect(out.slice(out.indexOf('━━ 8. ')).match(/^ {2}n\dp\d: DEL$/gm)).toHaveLength(6);
      expect(out.trimEnd().endsWith('(namespaces, processes and files removed)')).toBe(true);
      expect(demoNamespaces()).toEqual(before);
    },
    180_000,
  );
});
