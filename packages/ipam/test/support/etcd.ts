import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HAVE_ETCD =
  spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('etcdctl', ['version'], { stdio: 'ignore' }).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Where etcd keeps its data: tmpfs (/dev/shm) when there is one, so its fsyncs cost nothing (etcd
 * 3.4 has no --unsafe-no-fsync); the tests are about our transactions, not etcd's durability.
 */
function dataRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    // TMPFS_MAGIC
    if (statfsSync('/dev/shm').type === 0x01021994) return '/dev/shm';
  } catch {}
  return tmpdir();
}

/** A real etcd on loopback with a temp data directory, started and removed by a test. */
export class EtcdServer {
  readonly dir = mkdtempSync(join(dataRoot(), 'cnk-ipam-etcd-'));
  private child: ChildProcess | undefined;
  clientPort = 0;
  peerPort = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.clientPort}`;
  }

  async start(): Promise<void> {
    if (this.clientPort === 0) {
      this.clientPort = await freePort();
      this.peerPort = await freePort();
    }
    const child = spawn(
      'etcd',
      [
        '--name',
        'cnk-ipam',
        '--data-dir',
        join(this.dir, 'data'),
        '--listen-client-urls',
        this.endpoint,
        '--advertise-client-urls',
        this.endpoint,
        '--listen-peer-urls',
        `http://127.0.0.1:${this.peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${this.peerPort}`,
        '--initial-cluster',
        `cnk-ipam=http://127.0.0.1:${this.peerPort}`,
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`etcd exited ${child.exitCode}: ${stderr}`);
      if (this.etcdctl(['endpoint', 'health'], true).status === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`etcd not healthy after 20 s: ${stderr}`);
  }

  /** SIGKILL, as a crash: the data directory stays. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  etcdctl(args: string[], quiet = false): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('etcdctl', ['--endpoints', this.endpoint, '--dial-timeout', '2s', ...args], {
      encoding: 'utf8',
      env: { ...process.env, ETCDCTL_API: '3' },
      timeout: 10_000,
    });
    if (!quiet && r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
