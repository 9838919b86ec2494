import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { IpamError } from './errors.js';

/*
 * Node has no flock(2). A small python3 helper holds the lock file open and takes/drops an
 * exclusive flock on request over a pipe: the same lock host-local's Go code takes (go-filemutex
 * uses flock), and the kernel drops it when the helper exits, so a killed Node process (whose pipe
 * closes) never leaves the directory locked. Cost: one python3 start per store (~20 ms, ~8 MiB),
 * then one pipe round trip per lock and per unlock.
 */
const HELPER = `
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
sys.stdout.write('ready\\n'); sys.stdout.flush()
while True:
    line = sys.stdin.readline()
    if not line:
        break
    if line[0] == 'L':
        fcntl.flock(fd, fcntl.LOCK_EX)
    elif line[0] == 'U':
        fcntl.flock(fd, fcntl.LOCK_UN)
    sys.stdout.write('ok\\n'); sys.stdout.flush()
`;

export class FileLock {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: ((line: string) => void)[] = [];
  private buffered = '';
  private ready: Promise<void> | undefined;

  constructor(readonly path: string) {}

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    let out: { ref?: () => void; unref?: () => void } | undefined;
    const child = spawn('python3', ['-c', HELPER, this.path], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffered += chunk;
      let nl = this.buffered.indexOf('\n');
      while (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.waiting.shift()?.(line);
        nl = this.buffered.indexOf('\n');
      }
    });
    // The helper must not keep the event loop alive on its own.
    child.unref();
    out = child.stdout as unknown as { ref?: () => void; unref?: () => void };
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    this.ready = new Promise<void>((resolve, reject) => {
      const fail = (why: string) =>
        reject(
          new IpamError('store-unreachable', this.path, `cannot run the flock helper (python3): ${why}`),
        );
      child.once('error', (e) => fail(e.message));
      child.once('exit', (code) => {
        this.child = undefined;
        for (const w of this.waiting.splice(0)) w('exit');
        if (code !== 0) fail(`exit ${code}: ${stderr.trim()}`);
      });
      this.waiting.push((line) => {
        out?.unref?.();
        return line === 'ready' ? resolve() : fail(line);
      });
    });
    return this.ready;
  }

  private async request(command: 'L' | 'U'): Promise<void> {
    await this.start();
    const child = this.child;
    if (!child) throw new IpamError('store-unreachable', this.path, 'flock helper exited');
    const answer = new Promise<string>((resolve) => this.waiting.push(resolve));
    // Keep the process alive while an answer is due (the helper is unreferenced otherwise).
    const out = child.stdout as unknown as { ref?: () => void; unref?: () => void };
    out.ref?.();
    child.stdin.write(`${command}\n`);
    const line = await answer;
    out.unref?.();
    if (line !== 'ok') throw new IpamError('store-unreachable', this.path, `flock helper: ${line}`);
  }

  lock(): Promise<void> {
    return this.request('L');
  }

  unlock(): Promise<void> {
    return this.request('U');
  }

  close(): void {
    this.child?.stdin.end();
    this.child?.kill();
    this.child = undefined;
    this.ready = undefined;
  }
}
