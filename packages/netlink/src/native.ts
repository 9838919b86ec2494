import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The socket addon's functions (native/netlink.c); every error it throws has `code` = errno name. */
export interface NativeNetlink {
  open(protocol: number, netns: string | number | undefined): number;
  bind(fd: number, groups: number): number;
  setsockopt(fd: number, level: number, name: number, value: number): void;
  /** setsockopt with a struct value (TCP_MD5SIG's `struct tcp_md5sig`), given as its bytes. */
  setsockoptBytes(fd: number, level: number, name: number, value: Uint8Array): void;
  getsockopt(fd: number, level: number, name: number): number;
  send(fd: number, bytes: Uint8Array): number;
  /** The datagram's full length (more than `into.length` if cut short), or -1 when none waits. */
  recv(fd: number, into: Uint8Array): number;
  close(fd: number): void;
  pollStart(fd: number, onReadable: (status: number) => void): NativePoll;
  pollStop(poll: NativePoll): void;
  pollRef(poll: NativePoll, ref: boolean): void;
  netnsCreate(dir: string, path: string): void;
  netnsDelete(path: string): void;
}

/** An opaque uv_poll handle of the addon. */
export type NativePoll = { readonly __nativePoll: unique symbol };

/** Thrown when a socket is opened where the addon is missing (not Linux, or it was not built). */
export class NetlinkUnavailableError extends Error {
  override readonly name = 'NetlinkUnavailableError';
  readonly code = 'ENETLINKUNAVAILABLE';
}

let loaded: NativeNetlink | Error | undefined;

function packageRoot(): string {
  // src/native.ts in the repository, dist/index.{js,cjs} when installed: the package is one up.
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

/**
 * The addon, loaded on first use (importing the package never loads it) through node-gyp-build
 * from the package directory (prebuilds/ or build/), or from `$CNIKIT_NETLINK_ADDON_DIR` when set
 * (for applications bundled into one file, where the package directory is not beside the code).
 */
export function nativeNetlink(): NativeNetlink {
  if (loaded === undefined) {
    if (process.platform !== 'linux') {
      loaded = new NetlinkUnavailableError(
        `@cnikit/netlink: netlink sockets exist only on Linux (this is ${process.platform}); ` +
          'the message codec works everywhere',
      );
    } else {
      try {
        // A bundled application has no package directory beside its code: it names one.
        const root = process.env.CNIKIT_NETLINK_ADDON_DIR || packageRoot();
        const require = createRequire(join(root, 'package.json'));
        type Addon = NativeNetlink & { supported?: boolean };
        // build/Release is where node-gyp-build looks first; loading it directly spares its
        // 20-40 ms of module loading and directory probing to every short-lived process (CNI plugins).
        const built = join(root, 'build/Release/cnikit_netlink.node');
        const addon: Addon = existsSync(built)
          ? (require(built) as Addon)
          : (require('node-gyp-build') as (dir: string) => Addon)(root);
        loaded =
          addon.supported === false
            ? new NetlinkUnavailableError(
                '@cnikit/netlink: the native addon was built without netlink support',
              )
            : addon;
      } catch (e) {
        loaded = new NetlinkUnavailableError(
          `@cnikit/netlink: the native socket addon is not built (${(e as Error).message.split('\n')[0]}); ` +
            'run `npm rebuild @cnikit/netlink` with a C compiler and Python installed',
          { cause: e },
        );
      }
    }
  }
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

/** Whether the addon can be loaded here (without throwing). */
export function netlinkAvailable(): boolean {
  try {
    nativeNetlink();
    return true;
  } catch {
    return false;
  }
}
