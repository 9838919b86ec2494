import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatEpochTime, readCapture } from '@cnikit/pcap';
import { afterAll, describe, expect, it } from 'vitest';
import { itWithTool } from '../../wire/test/tools.js';

/**
 * pcapng `if_tsoffset` (seconds added to every timestamp of the interface) on interfaces with
 * microsecond timestamps, the common case, which the decoder reads on a fast path of its own. The
 * file is written byte by byte here, not by our writer (which would undo a sign error of the
 * reader's with the same error of its own); the answer is tshark 4.0.17's frame.time_epoch.
 */

/** Little-endian pcapng writer for this test: blocks from parts, each padded to 4 bytes. */
function block(type: number, body: Uint8Array): Uint8Array {
  const padded = (body.length + 3) & ~3;
  const out = new Uint8Array(12 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, out.length, true);
  out.set(body, 8);
  view.setUint32(out.length - 4, out.length, true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function option(code: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + ((value.length + 3) & ~3));
  const view = new DataView(out.buffer);
  view.setUint16(0, code, true);
  view.setUint16(2, value.length, true);
  out.set(value, 4);
  return out;
}

const sectionHeader = () => {
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  view.setUint32(0, 0x1a2b3c4d, true); // byte-order magic
  view.setUint16(4, 1, true); // major version
  view.setBigInt64(8, -1n, true); // section length unknown
  return block(0x0a0d0d0a, body);
};

/** An Ethernet interface; `resolution` undefined leaves if_tsresol out (µs by default). */
const interfaceDescription = (offsetSeconds: bigint, resolution?: number) => {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint16(0, 1, true); // LINKTYPE_ETHERNET
  view.setUint32(4, 65535, true);
  const offset = new Uint8Array(8);
  new DataView(offset.buffer).setBigInt64(0, offsetSeconds, true);
  return block(
    1,
    concat(
      head,
      ...(resolution === undefined ? [] : [option(9, Uint8Array.of(resolution))]),
      option(14, offset),
      option(0, new Uint8Array(0)),
    ),
  );
};

const FRAME = concat(Uint8Array.of(0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x88, 0xb5), new Uint8Array(46));

const enhancedPacket = (interfaceId: number, ticks: bigint) => {
  const head = new Uint8Array(20);
  const view = new DataView(head.buffer);
  view.setUint32(0, interfaceId, true);
  view.setUint32(4, Number(ticks >> 32n), true);
  view.setUint32(8, Number(ticks & 0xffffffffn), true);
  view.setUint32(12, FRAME.length, true);
  view.setUint32(16, FRAME.length, true);
  return block(6, concat(head, FRAME));
};

/** Interfaces 0-3: µs by default and explicitly, offsets of both signs; 4: ns, a control. */
const FILE = concat(
  sectionHeader(),
  interfaceDescription(86_400n),
  interfaceDescription(-1_000_000n),
  interfaceDescription(3_600n, 6),
  interfaceDescription(-7n, 6),
  interfaceDescription(-1_000_000n, 9),
  enhancedPacket(0, 1_700_000_000_123_456n),
  enhancedPacket(1, 1_700_000_000_654_321n),
  enhancedPacket(2, 1_234_567_890_000_001n),
  enhancedPacket(3, 10_000_000_999_999n),
  enhancedPacket(4, 1_700_000_000_123_456_789n),
);

/** tshark 4.0.17's frame.time_epoch for FILE's frames (checked live below when tshark is here). */
const TSHARK_TIME_EPOCH = [
  '1700086400.123456000',
  '1699000000.654321000',
  '1234571490.000001000',
  '9999993.999999000',
  '1699000000.123456789',
];

describe('pcapng if_tsoffset on microsecond interfaces', () => {
  it('every timestamp is the ticks plus the interface offset, as tshark shows it', () => {
    const packets = readCapture(FILE).packets();
    expect(packets.map((p) => formatEpochTime(p.timestamp))).toEqual(TSHARK_TIME_EPOCH);
    expect(packets.map((p) => p.interfaceIndex)).toEqual([0, 1, 2, 3, 4]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'cnikit-tsoffset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  itWithTool('tshark')('the known answers are what tshark reads from the same bytes', () => {
    const path = join(dir, 'tsoffset.pcapng');
    writeFileSync(path, FILE);
    const run = spawnSync('tshark', ['-r', path, '-T', 'json', '--no-duplicate-keys'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    expect(run.status, run.stderr).toBe(0);
    const frames = JSON.parse(run.stdout) as { _source: { layers: { frame: Record<string, string> } } }[];
    expect(frames.map((f) => f._source.layers.frame['frame.time_epoch'])).toEqual(TSHARK_TIME_EPOCH);
  });
});
