import { DecodeError } from '@cnikit/wire';
import {
  DumpInterruptedError,
  decodeDoneMessage,
  decodeErrorMessage,
  NetlinkClosedError,
  NetlinkError,
  NetlinkSystemError,
} from './errors.js';
import { readHostU16, writeHostU32 } from './host-order.js';
import { type NetlinkMessage, NetlinkMessageCursor } from './message.js';
import { type NativeNetlink, type NativePoll, nativeNetlink } from './native.js';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOL_NETLINK,
  SOL_SOCKET,
} from './netlink-constants.js';

/** Where and how to open a netlink socket. */
export interface NetlinkSocketOptions {
  /** NETLINK_ROUTE (0) unless told. */
  protocol?: number;
  /** A network namespace: a path (`/var/run/netns/x`, `/proc/<pid>/ns/net`) or an open fd. */
  netns?: string | number;
  /** Legacy multicast group bitmask for bind(). */
  groups?: number;
  /** Receive buffer size in bytes (SO_RCVBUFFORCE when `forceReceiveBuffer`, which needs CAP_NET_ADMIN). */
  receiveBuffer?: number;
  forceReceiveBuffer?: boolean;
  /** NETLINK_EXT_ACK (default true): errors carry the kernel's message and the offending attribute. */
  extendedAck?: boolean;
  /** NETLINK_GET_STRICT_CHK (default true): dump filters are checked and honoured by the kernel. */
  strictCheck?: boolean;
  /**
   * Called with every datagram this socket sends and receives, as it crossed the system call (a
   * view valid only during the call; copy it to keep it): what an nlmon device would capture, for
   * `netlinkCaptureRecord` and `cnikit dissect`.
   */
  tap?: NetlinkTap;
}

/** One datagram seen by a socket's `tap`: its direction, the socket's netlink protocol, the bytes. */
export interface TappedDatagram {
  readonly direction: 'sent' | 'received';
  readonly protocol: number;
  readonly bytes: Uint8Array;
}

export type NetlinkTap = (datagram: TappedDatagram) => void;

/**
 * Per recvmsg() call. The kernel fills a dump datagram up to the largest read it has seen, capped
 * at 32 KiB less skb overhead (netlink_recvmsg's max_recvmsg_len), so a bigger buffer would not mean
 * fewer calls: a 100,000-route dump arrives in ~160 datagrams of 32,448 bytes.
 */
const RECEIVE_BUFFER = 64 * 1024;
const EMPTY: never[] = [];

/**
 * One netlink socket: requests go out one at a time, each with its own sequence number; only
 * replies carrying that number and this socket's port id are taken as answers (others are counted
 * in `ignoredMessages` and dropped). Datagrams are read without blocking the event loop.
 */
export class NetlinkSocket {
  readonly fd: number;
  /** The port id the kernel bound this socket to (nlmsg_pid of our replies). */
  readonly portId: number;
  /** Replies that were not for the request in flight (a stale sequence number or another port). */
  ignoredMessages = 0;
  private readonly native: NativeNetlink;
  private seq: number;
  private closed = false;
  private readonly rx = new Uint8Array(RECEIVE_BUFFER);
  private poll: NativePoll | undefined;
  private waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** The sequence number of a request whose reply has not been read to its end. */
  private unfinished: number | undefined;

  private constructor(
    native: NativeNetlink,
    fd: number,
    portId: number,
    private readonly protocol: number,
    private readonly tap: NetlinkTap | undefined,
  ) {
    this.native = native;
    this.fd = fd;
    this.portId = portId;
    this.seq = Math.floor(Date.now() / 1000) >>> 0;
  }

  static open(options: NetlinkSocketOptions = {}): NetlinkSocket {
    const native = nativeNetlink();
    const protocol = options.protocol ?? NETLINK_ROUTE;
    let fd: number;
    try {
      fd = native.open(protocol, options.netns);
    } catch (e) {
      throw NetlinkSystemError.from(e);
    }
    try {
      if (options.extendedAck !== false) native.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      if (options.strictCheck !== false) native.setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
      if (options.receiveBuffer) {
        const opt = options.forceReceiveBuffer ? SO_RCVBUFFORCE : SO_RCVBUF;
        native.setsockopt(fd, SOL_SOCKET, opt, options.receiveBuffer);
      }
      const portId = native.bind(fd, options.groups ?? 0);
      return new NetlinkSocket(native, fd, portId, protocol, options.tap);
    } catch (e) {
      native.close(fd);
      throw NetlinkSystemError.from(e);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Joins a multicast group (NETLINK_ADD_MEMBERSHIP, group numbers as RTNLGRP_*). */
  addMembership(group: number): void {
    this.check();
    this.sys(() => this.native.setsockopt(this.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group));
  }

  dropMembership(group: number): void {
    this.check();
    this.sys(() => this.native.setsockopt(this.fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group));
  }

  setOption(level: number, name: number, value: number): void {
    this.check();
    this.sys(() => this.native.setsockopt(this.fd, level, name, value));
  }

  getOption(level: number, name: number): number {
    this.check();
    return this.sys(() => this.native.getsockopt(this.fd, level, name));
  }

  /** A fresh sequence number. */
  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /** Sends bytes as they are. */
  send(bytes: Uint8Array): void {
    this.check();
    this.sys(() => this.native.send(this.fd, bytes));
    this.tap?.({ direction: 'sent', protocol: this.protocol, bytes });
  }

  /**
   * Reads one datagram into the socket's buffer (valid until the next read) without blocking the
   * event loop; resolves with its length.
   */
  async receive(): Promise<Uint8Array> {
    for (;;) {
      this.check();
      const n = this.sys(() => this.native.recv(this.fd, this.rx));
      if (n > this.rx.length) {
        throw new DecodeError('truncated', 'netlink', 0, `datagram of ${n} bytes cut to ${this.rx.length}`);
      }
      if (n >= 0) return this.received(n);
      await this.readable();
    }
  }

  /** Reads one datagram if one is waiting (undefined if none); never waits. */
  receiveNow(): Uint8Array | undefined {
    this.check();
    const n = this.sys(() => this.native.recv(this.fd, this.rx));
    if (n > this.rx.length) {
      throw new DecodeError('truncated', 'netlink', 0, `datagram of ${n} bytes cut to ${this.rx.length}`);
    }
    return n >= 0 ? this.received(n) : undefined;
  }

  private received(n: number): Uint8Array {
    const datagram = this.rx.subarray(0, n);
    this.tap?.({ direction: 'received', protocol: this.protocol, bytes: datagram });
    return datagram;
  }

  /** Resolves when the socket is readable (a level-triggered uv_poll, stopped once it fired). */
  readable(): Promise<void> {
    this.check();
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.poll = this.native.pollStart(this.fd, () => {
        this.stopPoll();
        const w = this.waiter;
        this.waiter = undefined;
        w?.resolve();
      });
    });
  }

  /**
   * Keeps calling `onReadable` whenever data waits, until the returned function is called. A socket
   * error (ENOBUFS after an overrun) makes libuv stop the poll (it reports UV_EBADF); the poll is
   * started again after `onReadable` has read the error, so delivery goes on.
   */
  watch(onReadable: () => void): () => void {
    this.check();
    const start = (): NativePoll => {
      const poll = this.native.pollStart(this.fd, (status) => {
        if (status < 0 && this.poll === poll) this.stopPoll();
        onReadable();
        if (status < 0 && !this.closed && this.poll === undefined) this.poll = start();
      });
      return poll;
    };
    this.poll = start();
    return () => this.stopPoll();
  }

  private stopPoll(): void {
    if (this.poll) {
      this.native.pollStop(this.poll);
      this.poll = undefined;
    }
  }

  /**
   * Sends `request` (its nlmsg_seq and nlmsg_pid are overwritten with a fresh number and this
   * port) and yields, per datagram, what `decode` returns for each reply message (a view valid
   * only during the call; `undefined` results are skipped) until the request is answered: the ack
   * (NLMSG_ERROR 0), NLMSG_DONE of a dump, or the one reply of a request without NLM_F_ACK and
   * NLM_F_DUMP. A kernel error throws a NetlinkError (its `request` a copy of the bytes sent). A
   * dump interrupted by a change (NLM_F_DUMP_INTR) throws DumpInterruptedError after all its
   * messages were yielded. Requests on one socket run one after another; leaving the loop early
   * is safe (the rest of that reply is recognised by its sequence number and dropped). With
   * `into`, the decoded replies are pushed there instead and each datagram yields an empty array.
   */
  async *exchange<T>(
    request: Uint8Array,
    decode: (m: NetlinkMessage) => T | undefined,
    operation = 'netlink request',
    into?: T[],
  ): AsyncGenerator<T[], void, undefined> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    try {
      await previous;
      yield* this.run(request, decode, operation, into);
    } finally {
      // Left early (or a decode failed) mid-reply: read the rest of it, or the kernel would
      // answer the next dump on this socket with EBUSY.
      try {
        if (this.unfinished !== undefined && !this.closed) await this.drainReply(this.unfinished);
      } finally {
        this.unfinished = undefined;
        release();
      }
    }
  }

  private async drainReply(seq: number): Promise<void> {
    const cursor = new NetlinkMessageCursor();
    for (;;) {
      cursor.reset(await this.receive());
      while (cursor.next()) {
        const m = cursor.message;
        this.ignoredMessages++;
        if (m.seq === seq && (m.type === NLMSG_DONE || m.type === NLMSG_ERROR)) return;
      }
    }
  }

  /**
   * Sends every request (each must ask for an ack, NLM_F_ACK; its seq and pid are overwritten)
   * with up to `window` of them in flight, and resolves once each is answered: per request,
   * undefined for an ack, or the NetlinkError the kernel answered it with. The kernel handles each
   * on its own (one failing does not stop the others), as `ip -batch -force` does; pipelining
   * saves a round trip through the event loop per request.
   */
  async acknowledgeAll(
    requests: readonly Uint8Array[],
    operation: (index: number) => string,
    window = 64,
  ): Promise<(NetlinkError | undefined)[]> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    try {
      await previous;
      this.check();
      const results: (NetlinkError | undefined)[] = new Array(requests.length).fill(undefined);
      const bySeq = new Map<number, number>();
      let sent = 0;
      const sendNext = () => {
        const request = requests[sent];
        const seq = this.nextSeq();
        writeHostU32(request, 8, seq);
        writeHostU32(request, 12, 0);
        bySeq.set(seq, sent++);
        this.send(request);
      };
      while (sent < requests.length && sent < window) sendNext();
      const cursor = new NetlinkMessageCursor();
      while (bySeq.size > 0) {
        cursor.reset(await this.receive());
        while (cursor.next()) {
          const m = cursor.message;
          const index = m.type === NLMSG_ERROR && m.pid === this.portId ? bySeq.get(m.seq) : undefined;
          if (index === undefined) {
            this.ignoredMessages++;
            continue;
          }
          bySeq.delete(m.seq);
          const { error, extAck } = decodeErrorMessage(m);
          if (error !== 0)
            results[index] = new NetlinkError(-error, extAck, requests[index].slice(), operation(index));
          if (sent < requests.length) sendNext();
        }
      }
      return results;
    } finally {
      release();
    }
  }

  /** Sends `request` and collects every decoded reply (see `exchange`). */
  async request<T>(
    request: Uint8Array,
    decode: (m: NetlinkMessage) => T | undefined = () => undefined,
    operation?: string,
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const _ of this.exchange(request, decode, operation, out));
    return out;
  }

  private async *run<T>(
    request: Uint8Array,
    decode: (m: NetlinkMessage) => T | undefined,
    operation: string,
    into: T[] | undefined,
  ): AsyncGenerator<T[], void, undefined> {
    this.check();
    const seq = this.nextSeq();
    writeHostU32(request, 8, seq);
    writeHostU32(request, 12, 0);
    const flags = readHostU16(request, 6);
    const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
    const acked = (flags & NLM_F_ACK) !== 0;
    this.send(request);
    this.unfinished = seq;
    const cursor = new NetlinkMessageCursor();
    let interrupted = false;
    for (;;) {
      const datagram = await this.receive();
      cursor.reset(datagram);
      const batch: T[] = into ?? [];
      const before = batch.length;
      let finished = false;
      while (!finished && cursor.next()) {
        const m = cursor.message;
        if (m.seq !== seq || (m.pid !== this.portId && m.pid !== 0)) {
          this.ignoredMessages++;
          continue;
        }
        if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
        const type = m.type;
        if (type === NLMSG_NOOP || type === NLMSG_OVERRUN) continue;
        if (type === NLMSG_ERROR) {
          const { error, extAck } = decodeErrorMessage(m);
          if (error !== 0) {
            this.unfinished = undefined;
            throw new NetlinkError(-error, extAck, request.slice(), operation);
          }
          if (!dump) finished = true;
          continue;
        }
        if (type === NLMSG_DONE) {
          const { error, extAck } = decodeDoneMessage(m);
          if (error !== 0) {
            this.unfinished = undefined;
            throw new NetlinkError(-error, extAck, request.slice(), operation);
          }
          if (!acked || dump) finished = true;
          continue;
        }
        const x = decode(m);
        if (x !== undefined) batch.push(x);
        if (!dump && !acked && !(m.flags & NLM_F_MULTI)) finished = true;
      }
      if (finished) this.unfinished = undefined;
      if (batch.length > before) yield into ? EMPTY : batch;
      if (finished) {
        if (interrupted) throw new DumpInterruptedError(operation, 1);
        return;
      }
    }
  }

  /** Closes the socket; a pending read rejects with NetlinkClosedError. Closing twice is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPoll();
    const w = this.waiter;
    this.waiter = undefined;
    this.native.close(this.fd);
    w?.reject(new NetlinkClosedError());
  }

  private check(): void {
    if (this.closed) throw new NetlinkClosedError();
  }

  private sys<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw NetlinkSystemError.from(e);
    }
  }
}
