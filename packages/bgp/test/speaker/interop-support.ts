import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Lab } from '../../../../test/support/netns.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../../../..');

export const FRR_BGPD = '/usr/lib/frr/bgpd';

/**
 * Polls `check` (sync or async) every 100 ms until it is true; after `ms` fails with `what` and,
 * when given, `context()` (what the daemon says, for the failure message).
 */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 20_000,
  context?: () => string,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A daemon's stderr, collected for error messages. */
function stderrOf(proc: ChildProcess): () => string {
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return () => err;
}

/**
 * Starts FRR's bgpd alone (no zebra: -Z, no kernel routes) in `ns` with `conf` written to
 * `dir`/bgpd.conf; resolves once its vty socket exists in `dir` (vtysh --vty_socket dir).
 */
export async function startFrrBgpd(lab: Lab, ns: string, dir: string, conf: string): Promise<ChildProcess> {
  const path = join(dir, 'bgpd.conf');
  writeFileSync(path, conf);
  const bgpd = lab.spawn(
    ns,
    `${FRR_BGPD} -Z -S -P 0 -f ${path} --vty_socket ${dir} -i ${join(dir, 'bgpd.pid')}`,
  );
  const err = stderrOf(bgpd);
  const end = Date.now() + 10_000;
  while (!existsSync(join(dir, 'bgpd.vty'))) {
    if (bgpd.exitCode !== null) throw new Error(`bgpd exited ${bgpd.exitCode}: ${err()}`);
    if (Date.now() > end) throw new Error(`bgpd made no vty socket: ${err()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return bgpd;
}

/**
 * Starts gobgpd in `ns` with `conf` written to `dir`/gobgpd.toml, its API on 127.0.0.1:50051;
 * resolves once `gobgp global` answers there.
 */
export async function startGobgpd(lab: Lab, ns: string, dir: string, conf: string): Promise<ChildProcess> {
  const path = join(dir, 'gobgpd.toml');
  writeFileSync(path, conf);
  const go = lab.spawn(ns, `gobgpd -f ${path} --api-hosts 127.0.0.1:50051 -l warn`);
  const err = stderrOf(go);
  const end = Date.now() + 15_000;
  for (;;) {
    if (go.exitCode !== null) throw new Error(`gobgpd exited ${go.exitCode}: ${err()}`);
    try {
      lab.run(ns, 'gobgp -u 127.0.0.1 -p 50051 global');
      return go;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Bundles child-speaker.ts (and the speaker's source) into one .mjs in `dir`. */
export async function bundleChild(dir: string): Promise<string> {
  const outfile = join(dir, 'child-speaker.mjs');
  await build({
    entryPoints: [join(here, 'child-speaker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
    alias: {
      '@cnikit/wire': join(root, 'packages/wire/src/index.ts'),
      '@cnikit/netlink': join(root, 'packages/netlink/src/index.ts'),
    },
  });
  return outfile;
}

export interface ChildEvent {
  readonly event: string;
  readonly name: string;
  readonly peer?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly subcode?: number;
  readonly at: number;
}

/** The speaker child process in a namespace: `call` sends a command and resolves with its reply. */
export class ChildSpeaker {
  readonly events: ChildEvent[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  stderr = '';

  constructor(readonly proc: ChildProcess) {
    let buf = '';
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as {
          id?: number;
          result?: unknown;
          error?: string;
        } & ChildEvent;
        buf = buf.slice(nl + 1);
        if (msg.id === undefined) {
          this.events.push(msg);
          continue;
        }
        const w = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        if (msg.error) w?.reject(new Error(msg.error));
        else w?.resolve(msg.result);
      }
    });
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
  }

  static start(lab: Lab, ns: string, script: string): ChildSpeaker {
    // The bundle lives in the lab's folder: the netlink addon (for `nativeSetsockopt`) is found by path.
    const addon = join(root, 'packages/netlink');
    return new ChildSpeaker(
      lab.spawn(ns, `env CNIKIT_NETLINK_ADDON_DIR=${addon} ${process.execPath} ${script}`),
    );
  }

  call<T = unknown>(command: Record<string, unknown>, ms = 10_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`child: no reply to ${command.cmd} (stderr: ${this.stderr})`)),
        ms,
      );
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.proc.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }
}

/** `birdc show route all` split into one block of text per route line (prefix as key, first path). */
export function birdRoutes(output: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of output.split('\n')) {
    const m = /^([0-9a-f.:]+\/\d+)\s/.exec(line);
    if (m) {
      current = m[1];
      out.set(current, line);
    } else if (current && /^\s/.test(line)) {
      out.set(current, `${out.get(current)}\n${line.trim()}`);
    } else if (!/^\s/.test(line)) {
      current = undefined;
    }
  }
  return out;
}
