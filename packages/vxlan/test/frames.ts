import { readFileSync } from 'node:fs';
import { parseBytes } from '@cnikit/wire';

/** A frame from benchmarks/frames (built by gopacket, checksums checked with tshark). */
export function benchmarkFrame(name: string): Uint8Array {
  return parseBytes(
    readFileSync(new URL(`../../../benchmarks/frames/${name}.hex`, import.meta.url), 'utf8').trim(),
  );
}
