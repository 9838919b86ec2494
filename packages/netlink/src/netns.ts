import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetlinkSystemError } from './errors.js';
import { nativeNetlink } from './native.js';

/** Where `ip netns` keeps its named namespaces. */
export const NETNS_RUN_DIR = '/var/run/netns';

function checkName(name: string): void {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.length > 255) {
    throw new RangeError(`not a namespace name: ${JSON.stringify(name)}`);
  }
}

/** Named network namespaces, as `ip netns add/del/list` keeps them (bind mounts under /var/run/netns). */
export const Netns = {
  /** The path of a named namespace. */
  path(name: string): string {
    checkName(name);
    return join(NETNS_RUN_DIR, name);
  },

  /** `ip netns add NAME`: a new namespace kept by a bind mount; returns its path. EEXIST if taken. */
  create(name: string): string {
    const path = Netns.path(name);
    try {
      nativeNetlink().netnsCreate(NETNS_RUN_DIR, path);
    } catch (e) {
      throw NetlinkSystemError.from(e);
    }
    return path;
  },

  /** `ip netns del NAME`: the namespace goes away once no process or open fd holds it. */
  delete(name: string): void {
    try {
      nativeNetlink().netnsDelete(Netns.path(name));
    } catch (e) {
      throw NetlinkSystemError.from(e);
    }
  },

  /** `ip netns list`: the names, sorted. */
  list(): string[] {
    if (!existsSync(NETNS_RUN_DIR)) return [];
    return readdirSync(NETNS_RUN_DIR).sort();
  },

  /** An fd of a namespace (a name, or a path such as /proc/1234/ns/net); close it with `Netns.close`. */
  open(nameOrPath: string): number {
    return openSync(nameOrPath.includes('/') ? nameOrPath : Netns.path(nameOrPath), 'r');
  },

  /** An fd of the network namespace of process `pid`. */
  openPid(pid: number): number {
    return openSync(`/proc/${pid}/ns/net`, 'r');
  },

  close(fd: number): void {
    closeSync(fd);
  },
};
