import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEndOfRib, buildUpdate, community, encodeMessage } from '@cnikit/bgp';
import { pcapFile } from '../../../ethernet/test/fixtures/synthetic-pcap.js';

/** One TCP segment of a synthetic stream: its payload and raw sequence number. */
export interface StreamSegment {
  readonly seq: number;
  readonly payload: Uint8Array;
  readonly flags?: number;
}

export const TCP_ACK = 0x10;
export const TCP_PSH = 0x08;
export const TCP_SYN = 0x02;

/**
 * A raw IPv4 + TCP frame (LINKTYPE_RAW) from 192.0.2.1:`sport` to 192.0.2.2:179; checksums are left
 * zero (tshark does not check them by default).
 */
export function tcpFrame(segment: StreamSegment, ack = 1, sport = 40179): Uint8Array {
  const { seq, payload } = segment;
  const f = new Uint8Array(40 + payload.length);
  const v = new DataView(f.buffer);
  f.set([0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
  v.setUint16(2, f.length);
  v.setUint16(20, sport);
  v.setUint16(22, 179);
  v.setUint32(24, seq >>> 0);
  v.setUint32(28, ack >>> 0);
  f[32] = 0x50;
  f[33] = segment.flags ?? TCP_ACK | TCP_PSH;
  v.setUint16(34, 0xffff);
  f.set(payload, 40);
  return f;
}

/**
 * The BGP byte stream of a session announcing `prefixes` IPv4 /24s in UPDATEs of at most 1,000
 * prefixes (10.0.0.0/24, 10.0.1.0/24, …), between an OPEN, KEEPALIVEs and an End-of-RIB.
 */
export function bgpStream(prefixes: number): { bytes: Uint8Array; messages: number } {
  const session = { fourOctetAs: true };
  const parts: Uint8Array[] = [
    encodeMessage(
      {
        type: 'open',
        version: 4,
        myAs: 65001,
        holdTime: 90,
        bgpId: 0xc0000201,
        parameters: [
          {
            kind: 'capabilities',
            capabilities: [
              { kind: 'multiprotocol', afi: 1, safi: 1 },
              { kind: 'four-octet-as', asn: 65001 },
            ],
          },
        ],
      },
      session,
    ),
    encodeMessage({ type: 'keepalive' }, session),
  ];
  for (let first = 0; first < prefixes; first += 1000) {
    const list: string[] = [];
    for (let i = first; i < Math.min(prefixes, first + 1000); i++) list.push(`10.${i >> 8}.${i & 255}.0/24`);
    parts.push(
      encodeMessage(
        buildUpdate(list, {
          nextHop: '192.0.2.1',
          asPath: [65001, 65002],
          communities: [community(65001, first / 1000)],
        }),
        session,
      ),
    );
  }
  parts.push(encodeMessage(buildEndOfRib(1, 1), session), encodeMessage({ type: 'keepalive' }, session));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, messages: parts.length };
}

/** Cuts `bytes` at the given offsets (sorted, inside the stream) into segments from sequence number `isn` + 1. */
export function cutStream(bytes: Uint8Array, cuts: readonly number[], isn: number): StreamSegment[] {
  const points = [0, ...cuts, bytes.length];
  const out: StreamSegment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    if (points[i + 1] <= points[i]) continue;
    out.push({ seq: (isn + 1 + points[i]) >>> 0, payload: bytes.subarray(points[i], points[i + 1]) });
  }
  return out;
}

/** `tshark -q -z io,phs` (default preferences) on raw-IP `frames`: its statistics table. */
export function tsharkHierarchyRaw(frames: readonly Uint8Array[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-reassembly-'));
  try {
    const file = join(dir, 'stream.pcap');
    writeFileSync(file, pcapFile(frames, 101));
    const r = spawnSync('tshark', ['-r', file, '-q', '-z', 'io,phs'], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`tshark exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
