import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CalicoIpam,
  EtcdStore,
  FlannelSubnets,
  HostLocal,
  type HostLocalNetwork,
  IpamError,
} from '../../src/index.js';
import { bundleWorker } from '../support/bundle.js';
import { EtcdServer, HAVE_ETCD } from '../support/etcd.js';

if (!HAVE_ETCD) {
  const line = '!'.repeat(72);
  console.warn(
    `\n${line}\n!!! SKIPPED etcd store tests: etcd/etcdctl not installed (Debian etcd-server, etcd-client)\n${line}\n`,
  );
  if (process.env.CI === 'true') throw new Error('etcd store tests cannot run in CI: etcd/etcdctl missing');
}

const etcd = new EtcdServer();
let worker: { file: string; dispose: () => void };
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!HAVE_ETCD) return;
  await etcd.start();
  worker = bundleWorker(new URL('../support/worker.ts', import.meta.url).pathname);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  worker?.dispose();
  await etcd.dispose();
});

const network: HostLocalNetwork = { name: 'pool', ipam: { ranges: [[{ subnet: '10.96.0.0/15' }]] } };

interface Run {
  child: ChildProcess;
  lines: { containerId: string; ips: string[] }[];
  done: Promise<number>;
}

function startWorker(keyPrefix: string, prefix: string, count: number): Run {
  const job = { mode: 'etcd-loop', network, endpoints: [etcd.endpoint], keyPrefix, count, prefix };
  const child = spawn(process.execPath, [worker.file, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const run: Run = { child, lines: [], done: Promise.resolve(0) };
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      run.lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  run.done = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : 0))),
  );
  return run;
}

function keysUnder(prefix: string): Map<string, string> {
  const out = etcd.etcdctl(['get', '--prefix', prefix]).stdout.split('\n');
  const m = new Map<string, string>();
  // etcdctl prints key and value on alternate lines; our values hold "\r\n", so read them by the key shape.
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i].startsWith(prefix)) {
      m.set(out[i].slice(prefix.length), `${out[i + 1]}\n${out[i + 2] ?? ''}`);
    }
  }
  return m;
}

const waitFor = async (cond: () => boolean, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * Allocations per process of the 8-process test. The issue asks 8 x 10,000 (CNK_IPAM_ETCD_ALLOCS=10000):
 * each allocation costs a client ~1-2 ms of CPU (etcd3 over gRPC) plus etcd's own, so 80,000 need
 * minutes on 2 cores; the default 8 x 1,000 keeps this file near a minute.
 */
const PER_PROCESS = Number(process.env.CNK_IPAM_ETCD_ALLOCS ?? 1000);

describe.skipIf(!HAVE_ETCD)('etcd store (real etcd on loopback)', () => {
  it(
    `8 processes x ${PER_PROCESS} allocations at once from one pool: no duplicate, every address accounted`,
    async () => {
      const prefix = `/cnk-ipam/${randomBytes(3).toString('hex')}/`;
      const runs = Array.from({ length: 8 }, (_, w) => startWorker(prefix, `p${w}`, PER_PROCESS));
      expect(await Promise.all(runs.map((r) => r.done))).toEqual(new Array(8).fill(0));
      const handed = runs.flatMap((r) => r.lines.map((l) => l.ips[0].split('/')[0]));
      expect(handed.length).toBe(8 * PER_PROCESS);
      expect(new Set(handed).size).toBe(handed.length);
      const keys = keysUnder(prefix);
      const addressKeys = [...keys.keys()].filter((k) => !k.startsWith('last_reserved_ip.'));
      expect(addressKeys.sort()).toEqual([...handed].sort());
      for (const r of runs)
        for (const l of r.lines) expect(keys.get(l.ips[0].split('/')[0])).toBe(`${l.containerId}\r\neth0`);
      console.log(
        `etcd: ${handed.length} allocations from 8 processes, ${new Set(handed).size} distinct, ${addressKeys.length} keys in etcd`,
      );
    },
    120_000 + 8 * PER_PROCESS * 15,
  );

  it('a process killed with SIGKILL mid-run leaves only what GC reclaims', async () => {
    const prefix = `/cnk-ipam/${randomBytes(3).toString('hex')}/`;
    const run = startWorker(prefix, 'victim', 100_000);
    await waitFor(() => run.lines.length >= 40);
    run.child.kill('SIGKILL');
    await run.done;
    const reported = run.lines.map((l) => ({ containerId: l.containerId, ifname: 'eth0' }));
    const store = new EtcdStore({ endpoints: [etcd.endpoint], prefix });
    const ipam = new HostLocal(network, store);
    try {
      const before = (await ipam.list()).length;
      // At most the one allocation in flight when the kill came is held by a container nobody heard of.
      expect(before - reported.length).toBeGreaterThanOrEqual(0);
      expect(before - reported.length).toBeLessThanOrEqual(1);
      const released = await ipam.gc(reported);
      expect(released.length).toBe(before - reported.length);
      expect((await ipam.list()).map((e) => e.containerId).sort()).toEqual(
        reported.map((o) => o.containerId).sort(),
      );
      await ipam.gc([]);
      expect(await ipam.list()).toEqual([]);
    } finally {
      await ipam.close();
    }
  }, 120_000);

  it('an etcd restart in the middle of 3 processes allocating is survived, still without duplicates', async () => {
    const prefix = `/cnk-ipam/${randomBytes(3).toString('hex')}/`;
    const runs = Array.from({ length: 3 }, (_, w) => startWorker(prefix, `r${w}`, 80));
    await waitFor(() => runs.every((r) => r.lines.length >= 10));
    await etcd.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await etcd.start();
    expect(await Promise.all(runs.map((r) => r.done))).toEqual([0, 0, 0]);
    const handed = runs.flatMap((r) => r.lines.map((l) => l.ips[0]));
    expect(handed.length).toBe(240);
    expect(new Set(handed).size).toBe(240);
    expect([...keysUnder(prefix).keys()].filter((k) => !k.startsWith('last_')).length).toBe(240);
  }, 180_000);

  it('etcd unreachable: a clear store-unreachable error after the bounded wait, nothing local', async () => {
    const store = new EtcdStore({
      endpoints: ['http://127.0.0.1:1'],
      prefix: '/x/',
      timeoutMs: 1500,
      callTimeoutMs: 300,
    });
    const ipam = new HostLocal(network, store);
    const t0 = Date.now();
    const err = await ipam.add({ containerId: 'a', ifname: 'eth0' }).catch((e) => e);
    const took = Date.now() - t0;
    await ipam.close();
    expect(err).toBeInstanceOf(IpamError);
    expect(err.code).toBe('store-unreachable');
    expect(err.input).toContain('127.0.0.1:1');
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(15_000);
  }, 30_000);

  it("flannel leases in flannel's keys and JSON, read back with etcdctl, with an etcd lease of the TTL", async () => {
    const store = new EtcdStore({ endpoints: [etcd.endpoint] });
    const flannel = new FlannelSubnets(store, { ttlSeconds: 600 });
    try {
      await flannel.writeConfig({ Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' } });
      const leases = [];
      for (let i = 1; i <= 3; i++) {
        leases.push(
          await flannel.acquire({
            PublicIP: `192.168.7.${i}`,
            BackendType: 'vxlan',
            BackendData: { VNI: 1, VtepMAC: `0a:58:00:00:00:0${i}` },
          }),
        );
      }
      expect(new Set(leases.map((l) => l.subnet)).size).toBe(3);
      expect(
        JSON.parse(etcd.etcdctl(['get', '--print-value-only', '/coreos.com/network/config']).stdout),
      ).toEqual({
        Network: '10.244.0.0/16',
        SubnetLen: 24,
        Backend: { Type: 'vxlan' },
      });
      const lines = etcd
        .etcdctl(['get', '--prefix', '/coreos.com/network/subnets/'])
        .stdout.trim()
        .split('\n');
      expect(lines.length).toBe(6);
      for (let i = 0; i < 6; i += 2) {
        const lease = leases.find((l) => l.key === lines[i])!;
        expect(lines[i]).toMatch(/^\/coreos\.com\/network\/subnets\/10\.244\.\d+\.0-24$/);
        expect(lines[i + 1]).toBe(
          `{"PublicIP":"${lease.attrs.PublicIP}","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${lease.attrs.BackendData!.VtepMAC}"}}`,
        );
      }
      // The lease id is a 64-bit number: read it from the text, JSON.parse would round it.
      const leaseId = /"lease":(\d+)/.exec(etcd.etcdctl(['get', '-w', 'json', leases[0].key]).stdout)![1];
      const ttl = etcd.etcdctl(['lease', 'timetolive', BigInt(leaseId).toString(16)]).stdout;
      const remaining = Number(/remaining\((\d+)s\)/.exec(ttl)![1]);
      expect(remaining).toBeGreaterThan(500);
      expect(remaining).toBeLessThanOrEqual(600);
      // The same node gets its lease back; a malformed value written by hand is reported by key.
      expect((await flannel.acquire(leases[1].attrs)).subnet).toBe(leases[1].subnet);
      etcd.etcdctl(['put', '/coreos.com/network/subnets/10.244.200.0-24', 'garbage']);
      await expect(flannel.leases()).rejects.toMatchObject({
        code: 'corrupt-store',
        input: '/coreos.com/network/subnets/10.244.200.0-24',
      });
      // A node acquiring now is refused the same way, and nothing in etcd changes.
      const before = etcd.etcdctl(['get', '--prefix', '/coreos.com/', '-w', 'json']).stdout;
      await expect(flannel.acquire({ PublicIP: '192.168.7.9', BackendType: 'vxlan' })).rejects.toMatchObject({
        code: 'corrupt-store',
        input: '/coreos.com/network/subnets/10.244.200.0-24',
      });
      const after = etcd.etcdctl(['get', '--prefix', '/coreos.com/', '-w', 'json']).stdout;
      // Same keys, values and mod revisions (the header's revision too: no write at all).
      expect(JSON.parse(after).kvs).toEqual(JSON.parse(before).kvs);
      expect(JSON.parse(after).header.revision).toBe(JSON.parse(before).header.revision);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('Calico blocks: 4 clients on 2 hosts racing for one pool, no address twice, blocks per host', async () => {
    const clients = Array.from(
      { length: 4 },
      () => new EtcdStore({ endpoints: [etcd.endpoint], timeoutMs: 30_000 }),
    );
    try {
      const got = await Promise.all(
        clients.map(async (store, c) => {
          const ipam = new CalicoIpam(store, { cidr: '10.200.0.0/24' });
          const out = [];
          for (let i = 0; i < 30; i++) out.push(await ipam.assign(`node-${c % 2}`, `c${c}-${i}`));
          return out;
        }),
      );
      const all = got.flat();
      expect(new Set(all.map((a) => a.address)).size).toBe(120);
      const blocks = await new CalicoIpam(clients[0], { cidr: '10.200.0.0/24' }).blocks();
      expect(blocks.reduce((n, b) => n + b.used, 0)).toBe(120);
      for (const a of all.filter((x) => !x.borrowed))
        expect(blocks.find((b) => b.cidr === a.block)!.host).toBe(a.host);
      console.log(
        `calico on etcd: 120 assignments, ${clients.reduce((n, s) => n + s.conflicts, 0)} conflicts retried, blocks ${JSON.stringify(blocks)}`,
      );
    } finally {
      for (const s of clients) await s.close();
    }
  }, 120_000);
});
