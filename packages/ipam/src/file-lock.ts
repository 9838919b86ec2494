import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { IpamError } from './errors.js';

/**
 * How the file store takes flock(2), which Node cannot call itself:
 * - `perl`: one persistent perl process per store (perl-base is part of every Debian/Ubuntu
 *   system), holding a duplicate of our lock file descriptor and calling flock on it on request
 *   over a pipe: one pipe round trip per lock, one write per unlock;
 * - `flock`: util-linux (or busybox) `flock -x 3` run with a fresh open of the lock file as its
 *   fd 3 for every lock; the lock belongs to the open file description, so it outlives the
 *   child, and closing our descriptor drops it: one process start per lock.
 * - `auto` (default): `perl`, or `flock` when perl cannot be started.
 * Either way the lock is host-local's (go-filemutex: flock(LOCK_EX) on `<dir>/lock`), and the
 * kernel drops it when our process dies.
 */
export type FlockHelper = 'auto' | 'perl' | 'flock';

const PERL = `$| = 1;
open(my $l, '+<&=', 3) or die "fd 3: $!\\n";
print "ready\\n";
while (my $c = <STDIN>) {
  flock($l, substr($c, 0, 1) eq 'L' ? 2 : 8) or die "flock: $!\\n";
  print "ok\\n";
}
`;

type Unrefable = { ref?: () => void; unref?: () => void };

export class FileLock {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: ((line: string) => void)[] = [];
  private buffered = '';
  private ready: Promise<void> | undefined;
  /** The descriptor holding the lock in `flock` mode. */
  private held: number | undefined;
  private mode: FlockHelper;

  constructor(
    readonly path: string,
    helper: FlockHelper = 'auto',
  ) {
    this.mode = helper;
  }

  /** The helper in use (`auto` until the first lock decides). */
  get helper(): FlockHelper {
    return this.mode;
  }

  private open(): number {
    try {
      return openSync(this.path, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (e) {
      throw new IpamError(
        'store-unreachable',
        this.path,
        `cannot open the lock file: ${(e as Error).message}`,
      );
    }
  }

  private startPerl(): Promise<void> {
    if (this.ready) return this.ready;
    const fd = this.open();
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn('perl', ['-e', PERL], {
        stdio: ['pipe', 'pipe', 'pipe', fd],
      }) as unknown as ChildProcessWithoutNullStreams;
    } finally {
      // The helper has its own duplicate: when it exits, nothing of ours keeps the lock.
      closeSync(fd);
    }
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
    (child.stderr as unknown as Unrefable).unref?.();
    (child.stdin as unknown as Unrefable).unref?.();
    this.ready = new Promise<void>((resolve, reject) => {
      child.once('error', (e) => {
        this.child = undefined;
        this.waiting = [];
        reject(e);
      });
      child.once('exit', (code) => {
        this.child = undefined;
        this.ready = undefined;
        for (const w of this.waiting.splice(0)) w(`exit ${code}: ${stderr.trim()}`);
      });
      this.waiting.push((line) => {
        (child.stdout as unknown as Unrefable).unref?.();
        if (line === 'ready') resolve();
        else reject(new Error(line));
      });
    });
    return this.ready;
  }

  private async perl(command: 'L'): Promise<void> {
    await this.startPerl();
    const child = this.child;
    if (!child) throw new IpamError('store-unreachable', this.path, 'the perl flock helper exited');
    const answer = new Promise<string>((resolve) => this.waiting.push(resolve));
    // Keep the process alive while an answer is due (the helper is unreferenced otherwise).
    const out = child.stdout as unknown as Unrefable;
    out.ref?.();
    child.stdin.write(`${command}\n`);
    const line = await answer;
    out.unref?.();
    if (line !== 'ok') throw new IpamError('store-unreachable', this.path, `perl flock helper: ${line}`);
  }

  private async flock(): Promise<void> {
    const fd = this.open();
    const result = await new Promise<{ code: number | null; why: string }>((resolve) => {
      const child = spawn('flock', ['-x', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
      let stderr = '';
      child.stderr?.on('data', (d) => (stderr += d));
      child.once('error', (e) => resolve({ code: null, why: e.message }));
      child.once('close', (code) => resolve({ code, why: stderr.trim() }));
    });
    if (result.code !== 0) {
      closeSync(fd);
      throw new IpamError(
        'store-unreachable',
        this.path,
        `flock -x failed (${result.code ?? 'not started'}): ${result.why}`,
      );
    }
    this.held = fd;
  }

  async lock(): Promise<void> {
    if (this.mode === 'flock') return this.flock();
    try {
      await this.perl('L');
      this.mode = 'perl';
    } catch (e) {
      // Only a missing perl falls back; a perl that ran and failed is an error.
      if (this.mode === 'auto' && (e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.ready = undefined;
        this.mode = 'flock';
        return this.flock();
      }
      if (e instanceof IpamError) throw e;
      throw new IpamError(
        'store-unreachable',
        this.path,
        `cannot run perl for flock: ${(e as Error).message}`,
      );
    }
  }

  async unlock(): Promise<void> {
    if (this.mode === 'flock') {
      const fd = this.held;
      this.held = undefined;
      if (fd !== undefined) closeSync(fd);
      return;
    }
    // Nothing waits for the answer: the helper handles lines in order, so a following lock comes
    // after this unlock, and a failure shows as the helper's exit at the next lock.
    const child = this.child;
    if (!child) return;
    this.waiting.push(() => {});
    child.stdin.write('U\n');
  }

  close(): void {
    if (this.held !== undefined) closeSync(this.held);
    this.held = undefined;
    this.child?.stdin.end();
    this.child?.kill();
    this.child = undefined;
    this.ready = undefined;
  }
}
