import { EventEmitter } from 'node:events';
import type { TypedEmitter } from '@cnikit/wire';
import { NetlinkSystemError } from './errors.js';
import { NetlinkMessageCursor } from './message.js';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP } from './netlink-constants.js';
import { Addresses, Links, Neighbours, Routes, Rules } from './rtnetlink.js';
import * as C from './rtnetlink-constants.js';
import { decodeRtnetlinkMessage, type RtnetlinkMessage } from './rtnetlink-message.js';
import { NetlinkSocket } from './socket.js';

/** rtnetlink multicast groups by name. */
export const RTNL_GROUPS = {
  link: C.RTNLGRP_LINK,
  neigh: C.RTNLGRP_NEIGH,
  'ipv4-addr': C.RTNLGRP_IPV4_IFADDR,
  'ipv6-addr': C.RTNLGRP_IPV6_IFADDR,
  'ipv4-route': C.RTNLGRP_IPV4_ROUTE,
  'ipv6-route': C.RTNLGRP_IPV6_ROUTE,
  'ipv4-rule': C.RTNLGRP_IPV4_RULE,
  'ipv6-rule': C.RTNLGRP_IPV6_RULE,
} as const;

export type RtnetlinkGroup = keyof typeof RTNL_GROUPS;

/** A change the kernel announced (an RTM_NEW… or RTM_DEL… message), decoded. */
export type RtnetlinkEvent = Exclude<RtnetlinkMessage, { kind: 'error' | 'done' | 'other' }>;

function isEvent(m: RtnetlinkMessage): m is RtnetlinkEvent {
  return m.kind !== 'error' && m.kind !== 'done' && m.kind !== 'other';
}

export type MonitorEvents = {
  /** One change, in the order the kernel sent them. */
  event: (event: RtnetlinkEvent) => void;
  /**
   * The socket overran (ENOBUFS: the kernel dropped events for this socket) or a message did not
   * decode. After ENOBUFS the monitor keeps running; what was lost must be re-read with a dump.
   */
  error: (error: Error) => void;
  close: () => void;
};

export interface MonitorOptions {
  /** The namespace to watch (path or fd); the handle's own when opened through `nl.monitor`. */
  netns?: string | number;
  /** Socket receive buffer in bytes (SO_RCVBUFFORCE when root, else SO_RCVBUF). */
  receiveBuffer?: number;
  /**
   * First emit what already exists in the groups (a dump of each, as `new…` events), then the
   * changes. The groups are joined before the dumps, so nothing is missed in between (a change
   * made during the dumps may be seen twice).
   */
  listExisting?: boolean;
}

/**
 * A subscription to rtnetlink multicast groups, as a typed event emitter and as an async iterator
 * (`for await (const e of monitor)`). Lost messages are never a silent gap: ENOBUFS is emitted as
 * an `error` (and thrown by the iterator). `close()` releases the socket.
 */
export class Monitor extends (EventEmitter as new () => TypedEmitter<MonitorEvents>) {
  /** Events decoded so far. */
  received = 0;
  private readonly socket: NetlinkSocket;
  private stopWatch: (() => void) | undefined;
  private readonly cursor = new NetlinkMessageCursor();
  private closed = false;
  /** Resolves once the monitor delivers changes (after the existing objects, with `listExisting`). */
  ready: Promise<void> = Promise.resolve();

  private constructor(socket: NetlinkSocket) {
    super();
    this.socket = socket;
  }

  /** Opens a socket in `options.netns`, joins `groups` and starts delivering events. */
  static open(groups: readonly RtnetlinkGroup[], options: MonitorOptions = {}): Monitor {
    const socket = NetlinkSocket.open({ netns: options.netns });
    try {
      if (options.receiveBuffer) {
        try {
          socket.setOption(1, 33 /* SO_RCVBUFFORCE */, options.receiveBuffer);
        } catch {
          socket.setOption(1, 8 /* SO_RCVBUF */, options.receiveBuffer);
        }
      }
      for (const g of groups) socket.addMembership(RTNL_GROUPS[g]);
    } catch (e) {
      socket.close();
      throw e;
    }
    const m = new Monitor(socket);
    if (options.listExisting) {
      m.ready = m.listExisting(groups, options.netns).then(
        () => {
          if (!m.closed) m.stopWatch = socket.watch(() => m.drain());
        },
        (e: Error) => {
          m.emit('error', e);
          m.close();
        },
      );
    } else {
      m.stopWatch = socket.watch(() => m.drain());
    }
    return m;
  }

  private async listExisting(
    groups: readonly RtnetlinkGroup[],
    netns: string | number | undefined,
  ): Promise<void> {
    const dumps = NetlinkSocket.open({ netns });
    try {
      const emitAll = async <T>(items: AsyncIterable<T>, wrap: (x: T) => RtnetlinkEvent) => {
        for await (const x of items) {
          if (this.closed) return;
          this.received++;
          this.emit('event', wrap(x));
        }
      };
      for (const g of new Set(groups)) {
        if (g === 'link') await emitAll(new Links(dumps).dump(), (link) => ({ kind: 'newlink', link }));
        else if (g === 'ipv4-addr' || g === 'ipv6-addr') {
          const family = g === 'ipv4-addr' ? 4 : 6;
          await emitAll(new Addresses(dumps).dump({ family }), (address) => ({ kind: 'newaddr', address }));
        } else if (g === 'ipv4-route' || g === 'ipv6-route') {
          const family = g === 'ipv4-route' ? 4 : 6;
          await emitAll(new Routes(dumps).dump({ family, table: 0 }), (route) => ({
            kind: 'newroute',
            route,
          }));
        } else if (g === 'neigh') {
          await emitAll(new Neighbours(dumps).dump(), (neighbour) => ({ kind: 'newneigh', neighbour }));
        } else {
          const family = g === 'ipv4-rule' ? 4 : 6;
          await emitAll(new Rules(dumps).dump({ family }), (rule) => ({ kind: 'newrule', rule }));
        }
      }
    } finally {
      dumps.close();
    }
  }

  private drain(): void {
    for (;;) {
      if (this.closed) return;
      let datagram: Uint8Array | undefined;
      try {
        datagram = this.socket.receiveNow();
      } catch (e) {
        const err = NetlinkSystemError.from(e) as Error;
        // ENOBUFS is reported once per overrun and the socket stays usable: report, keep reading.
        this.emit('error', err);
        if ((err as { code?: string }).code === 'ENOBUFS') continue;
        this.close();
        return;
      }
      if (!datagram) return;
      try {
        this.cursor.reset(datagram);
        while (this.cursor.next()) {
          const type = this.cursor.message.type;
          if (type === NLMSG_NOOP || type === NLMSG_DONE || type === NLMSG_ERROR) continue;
          const decoded = decodeRtnetlinkMessage(this.cursor.message);
          if (!isEvent(decoded)) continue;
          this.received++;
          this.emit('event', decoded);
        }
      } catch (e) {
        this.emit('error', e as Error);
      }
    }
  }

  /**
   * The events as an async iterator; an `error` (ENOBUFS) is thrown from `next()`, `close()` ends
   * it. Events are buffered between `next()` calls (`highWaterMark`, 65,536 by default; beyond it
   * the iterator throws rather than grow without bound).
   */
  async *events(highWaterMark = 65_536): AsyncGenerator<RtnetlinkEvent, void, undefined> {
    const queue: RtnetlinkEvent[] = [];
    let head = 0;
    let failure: Error | undefined;
    let done = this.closed;
    let wake: (() => void) | undefined;
    const onEvent = (e: RtnetlinkEvent) => {
      if (queue.length - head >= highWaterMark)
        failure ??= new Error(`monitor: more than ${highWaterMark} events waiting`);
      else queue.push(e);
      wake?.();
    };
    const onError = (e: Error) => {
      failure ??= e;
      wake?.();
    };
    const onClose = () => {
      done = true;
      wake?.();
    };
    this.on('event', onEvent);
    this.on('error', onError);
    this.on('close', onClose);
    try {
      for (;;) {
        if (head < queue.length) {
          const e = queue[head++];
          if (head > 1024 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          yield e;
          continue;
        }
        if (failure) {
          const f = failure;
          failure = undefined;
          throw f;
        }
        if (done) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      this.off('event', onEvent);
      this.off('error', onError);
      this.off('close', onClose);
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<RtnetlinkEvent, void, undefined> {
    return this.events();
  }

  /** Stops delivery and closes the socket; emits `close` once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch?.();
    this.socket.close();
    this.emit('close');
  }
}
