/**
 * Case (d)'s input: 1,000,000 IPv4 prefixes in 10,000 UPDATEs of 100 prefixes each, with varied
 * attributes (ORIGIN 0–2, AS_PATH of 1–8 four-octet ASNs, NEXT_HOP, MED on half, LOCAL_PREF on a
 * quarter, 0–4 communities, 0–2 large communities) and prefix lengths 8–32, from a fixed seed, so
 * every run decodes the same bytes. Written with our builders into one buffer and to a temp file
 * that the GoBGP peer reads ($CNIKIT_BGP_UPDATES); the file is deleted when the case ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUpdate, updateLength, writeUpdate } from '@cnikit/bgp';

export const MESSAGES = 10_000;
export const PREFIXES_PER_MESSAGE = 100;
const SESSION = { fourOctetAs: true };

/** xorshift32: the same numbers on every run and machine. */
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function ipv4Text(a) {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** @returns {{ buf: Uint8Array, starts: Int32Array }} the messages back to back, and where each starts */
export function buildUpdates(seed = 9) {
  const next = random(seed);
  const messages = [];
  let total = 0;
  for (let k = 0; k < MESSAGES; k++) {
    const prefixes = [];
    for (let i = 0; i < PREFIXES_PER_MESSAGE; i++) {
      const length = 8 + (next() % 25);
      const mask = length === 32 ? 0xffffffff : ~(0xffffffff >>> length) >>> 0;
      prefixes.push({ family: 4, address: (next() & mask) >>> 0, length });
    }
    const asPath = Array.from({ length: 1 + (next() % 8) }, () => 1 + (next() % 4_199_999_999));
    const r = next();
    const update = buildUpdate(prefixes, {
      origin: r % 3,
      asPath,
      nextHop: ipv4Text((0x0a000000 | (next() & 0xffffff)) >>> 0),
      ...(r & 8 ? { med: next() } : {}),
      ...((r >>> 4) % 4 === 0 ? { localPref: next() % 1000 } : {}),
      communities: Array.from({ length: (r >>> 8) % 5 }, () => next()),
      largeCommunities: Array.from({ length: (r >>> 12) % 3 }, () => ({
        global: next(),
        local1: next(),
        local2: next(),
      })),
    });
    messages.push(update);
    total += updateLength(update, SESSION);
  }
  const buf = new Uint8Array(total);
  const starts = new Int32Array(MESSAGES + 1);
  let at = 0;
  for (let k = 0; k < MESSAGES; k++) {
    starts[k] = at;
    at += writeUpdate(messages[k], buf, at, SESSION);
  }
  starts[MESSAGES] = at;
  return { buf, starts };
}

/** Writes the bytes to a fresh temp dir; returns the file's path and a function that removes it. */
export function writeUpdatesFile(buf) {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-bench-bgp-'));
  const path = join(dir, 'updates.bin');
  writeFileSync(path, buf);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
