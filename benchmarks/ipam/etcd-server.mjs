// An etcd for the ipam benchmarks: on loopback with free ports, its data on tmpfs when there is one
// (its fsyncs are etcd's cost, not the allocator's); resolves once `etcdctl endpoint health` passes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** @returns {Promise<{ endpoint: string, stop: () => void }>} */
export async function startEtcd() {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'cnikit-ipam-etcd-bench-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  const etcd = spawn(
    'etcd',
    [
      '--data-dir',
      join(dir, 'data'),
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--log-level',
      'error',
    ],
    { stdio: 'ignore' },
  );
  const stop = () => {
    etcd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; spawnSync('etcdctl', ['--endpoints', endpoint, 'endpoint', 'health']).status !== 0; i++) {
    if (i > 100) {
      stop();
      throw new Error('etcd did not become healthy');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint, stop };
}
