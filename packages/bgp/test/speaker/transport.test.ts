import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { applyTtl, BgpSpeaker, tcpMd5Sig, ttlPolicy } from '../../src/index.js';

describe('speaker transport options', () => {
  it('ttlPolicy: GTSM sends 255 and accepts 256 − hops; a plain TTL for multihop; bad values are RangeErrors', () => {
    expect(ttlPolicy({ gtsm: true })).toEqual({ ttl: 255, minTtl: 255 });
    expect(ttlPolicy({ gtsm: { hops: 3 } })).toEqual({ ttl: 255, minTtl: 253 });
    expect(ttlPolicy({ ttl: 4 })).toEqual({ ttl: 4 });
    expect(ttlPolicy({})).toBeUndefined();
    for (const bad of [
      { ttl: 0 },
      { ttl: 256 },
      { gtsm: { hops: 0 } },
      { gtsm: { hops: 255 } },
      { ttl: 5, gtsm: true },
    ])
      expect(() => ttlPolicy(bad), JSON.stringify(bad)).toThrow(RangeError);
  });

  it('tcpMd5Sig lays out Linux’s struct tcp_md5sig (216 octets) for IPv4, IPv6 and IPv4 on an IPv6 socket', () => {
    const v4 = tcpMd5Sig('192.0.2.7', 'abc', false);
    expect(v4.length).toBe(216);
    expect([...v4.subarray(0, 8)]).toEqual([2, 0, 0, 0, 192, 0, 2, 7]);
    expect([...v4.subarray(128, 140)]).toEqual([0, 0, 3, 0, 0, 0, 0, 0, 97, 98, 99, 0]);
    const mapped = tcpMd5Sig('192.0.2.7', 'k', true);
    expect([...mapped.subarray(0, 2)]).toEqual([10, 0]);
    expect([...mapped.subarray(8, 24)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 0, 2, 7]);
    const v6 = tcpMd5Sig('2001:db8::1', 'x'.repeat(80), true);
    expect([...v6.subarray(8, 10), v6[23], v6[130], v6[131]]).toEqual([0x20, 0x01, 1, 80, 0]);
    expect(() => tcpMd5Sig('192.0.2.7', 'x'.repeat(81), false)).toThrow(RangeError);
  });

  it('a password peer sets its key on the listening socket, and removePeer deletes it (empty key)', async () => {
    const keys: [number, number, number][] = [];
    const speaker = new BgpSpeaker({
      asn: 65001,
      routerId: '192.0.2.73',
      listen: { host: '127.0.0.73', port: 0 },
      setsockoptBytes: (_fd, level, name, value) => keys.push([level, name, value[130]]),
    });
    speaker.addPeer({ address: '127.0.0.74', asn: 65002, passive: true, password: 'secret' });
    await speaker.listening;
    await new Promise((r) => setTimeout(r, 10));
    await speaker.removePeer('127.0.0.74');
    // IPPROTO_TCP (6), TCP_MD5SIG (14), key length 6, then 0.
    expect(keys).toEqual([
      [6, 14, 6],
      [6, 14, 0],
    ]);
    await speaker.close();
    const noBytes = new BgpSpeaker({ asn: 65001, routerId: '192.0.2.73', listen: false });
    expect(() => noBytes.addPeer({ address: '127.0.0.74', asn: 65002, password: 'x' })).toThrow(
      /setsockoptBytes/,
    );
    await noBytes.close();
  });

  it('ttl and gtsm need the speaker’s setsockopt, which gets the socket’s fd, level and option', async () => {
    const plain = new BgpSpeaker({ asn: 65001, routerId: '192.0.2.71', listen: false });
    expect(() => plain.addPeer({ address: '127.0.0.72', asn: 65002, gtsm: true })).toThrow(/setsockopt/);
    await plain.close();
    const calls: number[][] = [];
    const server = createServer();
    server.listen(0, '127.0.0.72');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const speaker = new BgpSpeaker({
      asn: 65001,
      routerId: '192.0.2.71',
      listen: false,
      setsockopt: (fd, level, name, value) => calls.push([fd, level, name, value]),
    });
    speaker.addPeer({
      address: '127.0.0.72',
      asn: 65002,
      port: (server.address() as { port: number }).port,
      localAddress: '127.0.0.71',
      localPort: 40179,
      gtsm: { hops: 2 },
    });
    const [conn] = (await accepted) as [Socket];
    // The source address and port we asked for.
    expect([conn.remoteAddress, conn.remotePort]).toEqual(['127.0.0.71', 40179]);
    await new Promise((r) => setTimeout(r, 50));
    // IPv4 session: IP_TTL (level 0, option 2) 255 and IP_MINTTL (0, 21) 254 on one fd.
    expect(calls.map(([, level, name, value]) => [level, name, value])).toEqual([
      [0, 2, 255],
      [0, 21, 254],
    ]);
    expect(calls[0][0]).toBeGreaterThan(2);
    conn.destroy();
    await speaker.close();
    server.close();
    expect(applyTtl(conn, { ttl: 1 }, () => undefined, false)).toBe(false);
  });
});
