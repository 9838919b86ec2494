import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapturedPacket, readCapture } from './capture-reader.js';

/** Why kernel tests cannot run here (also: one of `extraTools` is missing), or undefined when they can. */
export function kernelTestBlocker(extraTools: readonly string[] = []): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_NET_ADMIN)';
  for (const tool of ['ip', 'tcpdump', 'tcpreplay', 'bridge', 'ethtool', ...extraTools]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  const probe = `cnikit-vx-probe-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync(
      'ip',
      ['-n', probe, 'link', 'add', 'vxprobe', 'type', 'vxlan', 'id', '1', 'dstport', '4789'],
      {
        stdio: 'pipe',
      },
    );
  } catch (e) {
    return `cannot create a namespace with a vxlan device: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    spawnSync('ip', ['netns', 'del', probe]);
  }
  return undefined;
}

/**
 * Prints a loud banner when `blocker` stops the kernel tests named `what`; under `CI=true` throws
 * instead, so the test file fails rather than skips.
 */
export function announceKernelTestBlocker(blocker: string | undefined, what: string): void {
  if (!blocker) return;
  const line = '!'.repeat(72);
  console.warn(`\n${line}\n!!! SKIPPED ${what}: ${blocker}\n${line}\n`);
  if (process.env.CI === 'true') throw new Error(`${what} cannot run in CI: ${blocker}`);
}

/**
 * Network namespaces made for one test, all named `<prefix>-<random>-<role>` (`cnikit-vx-…` unless
 * told otherwise). Every command runs inside one of them (`ip -n` / `ip netns exec`); nothing
 * touches the root namespace.
 */
export class Lab {
  readonly id = randomBytes(3).toString('hex');
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly processes: ChildProcess[] = [];

  constructor(readonly prefix = 'cnikit-vx') {
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  }

  ns(role: string): string {
    const name = `${this.prefix}-${this.id}-${role}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.run(name, 'ip link set lo up');
    return name;
  }

  /** Runs a shell command inside namespace `ns`; throws with its stderr on failure. */
  run(ns: string, command: string): string {
    if (!this.namespaces.includes(ns)) throw new Error(`not a namespace of this lab: ${ns}`);
    const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', command], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`[${ns}] ${command}: exit ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  /** A counter of the namespace's own /proc/net/snmp6 (per namespace), e.g. `Udp6InCsumErrors`. */
  snmp6(ns: string, counter: string): number {
    const line = this.run(ns, 'cat /proc/net/snmp6')
      .split('\n')
      .find((l) => l.split(/\s+/)[0] === counter);
    if (!line) throw new Error(`[${ns}] no ${counter} in /proc/net/snmp6`);
    return Number(line.split(/\s+/)[1]);
  }

  /**
   * Starts tcpdump on `dev` in `ns`, resolving once it listens; stop() ends it and reads the file
   * (classic pcap; `nano`: nanosecond timestamps).
   */
  async capture(ns: string, dev: string, filter = '', options: { nano?: boolean } = {}): Promise<Capture> {
    const file = join(this.dir, `${ns}-${dev}-${this.processes.length}.pcap`);
    const args = ['tcpdump', '--immediate-mode', '-i', dev, '-U', '-n', '-s', '0', '-w', file];
    if (options.nano) args.splice(1, 0, '--time-stamp-precision=nano');
    if (filter) args.push(filter);
    return this.startCapture(ns, args, file, 'listening on');
  }

  /** Starts dumpcap on every one of `devs` in `ns` into one pcapng file (an interface block each). */
  async capturePcapng(ns: string, devs: readonly string[]): Promise<Capture> {
    const file = join(this.dir, `${ns}-${devs.join('-')}-${this.processes.length}.pcapng`);
    const args = ['dumpcap', '-q', ...devs.flatMap((d) => ['-i', d]), '-s', '0', '-w', file];
    return this.startCapture(ns, args, file, 'Capturing on');
  }

  private async startCapture(ns: string, command: string[], file: string, ready: string): Promise<Capture> {
    const proc = spawn('ip', ['netns', 'exec', ns, ...command], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.processes.push(proc);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`${command[0]} did not start: ${err}`)), 10_000);
      proc.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command[0]} exited (${code}): ${err}`));
      });
    });
    return new Capture(proc, file);
  }

  /** Starts a long-running command inside `ns`; it is killed by cleanup() if still running. */
  spawn(ns: string, command: string): ChildProcess {
    const proc = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', `exec ${command}`], { stdio: 'pipe' });
    this.processes.push(proc);
    return proc;
  }

  /** Kills every process this lab started (by pid) and deletes its namespaces and files. */
  cleanup(): void {
    for (const p of this.processes) {
      if (p.exitCode === null && p.signalCode === null && p.pid) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Capture {
  constructor(
    private readonly proc: ChildProcess,
    readonly file: string,
  ) {}

  /** Stops tcpdump or dumpcap (SIGINT flushes the file) and returns the packets it wrote. */
  async stop(): Promise<CapturedPacket[]> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      // `ip netns exec` execs the capture tool, so this pid is its own.
      if (this.proc.pid) process.kill(this.proc.pid, 'SIGINT');
      await Promise.race([exited, sleep(5000)]);
    }
    return existsSync(this.file) ? [...readCapture(readFileSync(this.file))] : [];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
