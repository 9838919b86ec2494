import { connect, type Socket } from 'node:net';
import {
  BgpFramer,
  type BgpMessage,
  type BgpSession,
  decodeMessage,
  encodeMessage,
} from '../../src/index.js';

/** Polls `check` every 20 ms until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A hand-driven BGP endpoint over TCP: sends what it is told and records every message it gets. */
export class RawPeer {
  readonly received: BgpMessage[] = [];
  closed = false;
  private readonly framer = new BgpFramer();
  private constructor(
    readonly socket: Socket,
    public session: BgpSession,
  ) {
    socket.on('data', (c: Buffer) => {
      for (const m of this.framer.push(c)) this.received.push(decodeMessage(m, this.session));
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  static async connect(
    host: string,
    port: number,
    localAddress: string,
    session: BgpSession = {},
  ): Promise<RawPeer> {
    const s = connect({ host, port, localAddress });
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    return new RawPeer(s, session);
  }

  send(m: BgpMessage): void {
    this.socket.write(encodeMessage(m, this.session));
  }

  sendBytes(b: Uint8Array): void {
    this.socket.write(b);
  }

  of<T extends BgpMessage['type']>(type: T): Extract<BgpMessage, { type: T }>[] {
    return this.received.filter((m): m is Extract<BgpMessage, { type: T }> => m.type === type);
  }

  close(): void {
    this.socket.destroy();
  }
}
