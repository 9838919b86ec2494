import { Monitor, type MonitorOptions, type RtnetlinkGroup } from './monitor.js';
import { Addresses, Links, Neighbours, Routes, Rules } from './rtnetlink.js';
import { NetlinkSocket, type NetlinkSocketOptions, type NetlinkTap } from './socket.js';

export interface NetlinkOptions {
  /** The namespace to work in: a path (`/var/run/netns/x`, `/proc/<pid>/ns/net`) or an open fd. */
  netns?: string | number;
  /** Receive buffer (bytes) of the request socket. */
  receiveBuffer?: number;
  /** Sees every datagram of the request socket (see `NetlinkSocketOptions.tap`). */
  tap?: NetlinkTap;
}

/**
 * An rtnetlink handle bound to one network namespace, in the spirit of vishvananda/netlink's
 * `NewHandleAt`: every request goes through a socket opened inside that namespace, so nothing
 * here ever switches the calling thread's namespace beyond the one native call that opens it.
 */
export class Netlink {
  readonly links: Links;
  readonly addresses: Addresses;
  readonly routes: Routes;
  readonly neighbours: Neighbours;
  /** Bridge/VXLAN forwarding entries (AF_BRIDGE neighbours, NTF_SELF unless told). */
  readonly fdb: Neighbours;
  readonly rules: Rules;

  private constructor(
    readonly socket: NetlinkSocket,
    readonly options: NetlinkOptions,
  ) {
    this.links = new Links(socket);
    this.addresses = new Addresses(socket);
    this.routes = new Routes(socket);
    this.neighbours = new Neighbours(socket);
    this.fdb = new Neighbours(socket, true);
    this.rules = new Rules(socket);
  }

  static async open(options: NetlinkOptions = {}): Promise<Netlink> {
    const socketOptions: NetlinkSocketOptions = {
      netns: options.netns,
      receiveBuffer: options.receiveBuffer,
      tap: options.tap,
    };
    return new Netlink(NetlinkSocket.open(socketOptions), options);
  }

  /**
   * Watches `groups` in this handle's namespace (`ip monitor`): a typed event emitter and async
   * iterator of decoded changes, with ENOBUFS reported, on a socket of its own.
   */
  monitor(groups: readonly RtnetlinkGroup[], options: Omit<MonitorOptions, 'netns'> = {}): Monitor {
    return Monitor.open(groups, { ...options, netns: this.options.netns });
  }

  /** Closes the socket; later calls reject with NetlinkClosedError. */
  close(): void {
    this.socket.close();
  }
}
