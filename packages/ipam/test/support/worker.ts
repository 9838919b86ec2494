/**
 * A separate process of our allocator, for the multi-process tests. argv[2] is a JSON job:
 * - `{ mode: 'host-local-mix', network, worker, ops }`: runs CNI ADD/DEL ops, each either in-process
 *   with our HostLocal or by running the real host-local binary; prints one JSON line per op.
 * - `{ mode: 'file-loop', network, count, prefix }`: ADDs `count` containers in-process, printing each.
 * - `{ mode: 'etcd-loop', network, endpoints, prefix, count, id }`: the same on the etcd store.
 * - `{ mode: 'hold-lock', path, helper }`: takes the flock of the lock file `path`, prints "locked", waits.
 */
import { FileLock } from '../../src/file-lock.js';
import { type FlockHelper, HostLocal, type HostLocalNetwork } from '../../src/index.js';
import { runHostLocal } from './host-local-binary.js';

interface MixOp {
  command: 'ADD' | 'DEL';
  containerId: string;
  ifname: string;
  by: 'ours' | 'binary';
}

type Job =
  | { mode: 'hold-lock'; path: string; helper: FlockHelper }
  | { mode: 'host-local-mix'; network: HostLocalNetwork; ops: MixOp[] }
  | { mode: 'file-loop'; network: HostLocalNetwork; count: number; prefix: string }
  | {
      mode: 'etcd-loop';
      network: HostLocalNetwork;
      endpoints: string[];
      keyPrefix: string;
      count: number;
      prefix: string;
    };

const job = JSON.parse(process.argv[2]) as Job;
const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  if (job.mode === 'hold-lock') {
    await new FileLock(job.path, job.helper).lock();
    print('locked');
    setInterval(() => {}, 1000);
  } else if (job.mode === 'host-local-mix') {
    const ours = new HostLocal(job.network);
    for (const op of job.ops) {
      const start = Date.now();
      let result: unknown;
      let ok = true;
      if (op.by === 'binary') {
        const r = await runHostLocal(job.network, op);
        ok = r.code === 0;
        result = ok && op.command === 'ADD' ? JSON.parse(r.stdout) : r.stdout;
      } else {
        try {
          result = op.command === 'ADD' ? await ours.add(op) : await ours.del(op);
        } catch (e) {
          ok = false;
          result = String(e);
        }
      }
      print({ ...op, ok, result, start, end: Date.now() });
    }
    await ours.close();
  } else if (job.mode === 'file-loop') {
    const ours = new HostLocal(job.network);
    for (let i = 0; i < job.count; i++) {
      const r = await ours.add({ containerId: `${job.prefix}-${i}`, ifname: 'eth0' });
      print({ containerId: `${job.prefix}-${i}`, ips: r.ips.map((x) => x.address) });
    }
    await ours.close();
  } else {
    const { EtcdStore } = await import('../../src/etcd-store.js');
    const store = new EtcdStore({ endpoints: job.endpoints, prefix: job.keyPrefix, timeoutMs: 30_000 });
    const ours = new HostLocal(job.network, store);
    for (let i = 0; i < job.count; i++) {
      const r = await ours.add({ containerId: `${job.prefix}-${i}`, ifname: 'eth0' });
      print({ containerId: `${job.prefix}-${i}`, ips: r.ips.map((x) => x.address) });
    }
    await ours.close();
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
