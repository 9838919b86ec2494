import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CORPUS_PCAP_DIR } from './corpus-location.js';
import { loadTsharkPackets, type TsharkLayers } from './tshark-expected.js';

/**
 * cnikit does not reassemble IP: a first fragment's transport header is dissected, a later
 * fragment's payload is data, as tshark shows them with `-o ip.defragment:FALSE -o
 * ipv6.defragment:FALSE`. The corpus's expected JSON was made with tshark's defaults (reassembly
 * on), where a first fragment waiting for the rest is `data`. For a capture holding IP fragments,
 * this decodes it again with reassembly off (same command and TZ as the corpus README's, plus
 * those two preferences); any other capture keeps its committed decode.
 */
export const NO_REASSEMBLY_PREFS = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'] as const;

let tsharkRuns: boolean | undefined;

function haveTshark(): boolean {
  if (tsharkRuns === undefined) {
    const r = spawnSync('tshark', ['-v'], { stdio: 'ignore', timeout: 60_000 });
    tsharkRuns = r.error === undefined && r.status === 0;
  }
  return tsharkRuns;
}

/** Whether tshark's default decode of any frame shows an IPv4 fragment or an IPv6 Fragment header. */
export function holdsIpFragments(packets: readonly TsharkLayers[]): boolean {
  return packets.some((p) => {
    const text = JSON.stringify(p);
    return (
      text.includes('"ip.flags.mf":"1"') ||
      /"ip\.frag_offset":"[1-9]/.test(text) ||
      text.includes('"ipv6.fraghdr"') ||
      text.includes('"ipv6.fraghdr.offset"')
    );
  });
}

/**
 * tshark's decode of corpus capture `file` as cnikit dissects it (no IP reassembly): the committed
 * `expected` JSON, or for a capture holding IP fragments a live `tshark` run with reassembly off.
 * Without tshark that capture cannot be checked: under CI=true this throws; otherwise it warns
 * loudly and returns undefined (skip the file).
 */
export function tsharkPacketsWithoutReassembly(file: string, expected: string): TsharkLayers[] | undefined {
  const committed = loadTsharkPackets(expected);
  if (!holdsIpFragments(committed)) return committed;
  if (!haveTshark()) {
    const why = `tshark is needed to decode ${file} without IP reassembly (apt-get install tshark)`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`\n*** SKIPPING ${file}: ${why}\n`);
    return undefined;
  }
  const r = spawnSync(
    'tshark',
    ['-r', join(CORPUS_PCAP_DIR, file), '-T', 'json', '--no-duplicate-keys', ...NO_REASSEMBLY_PREFS],
    { encoding: 'utf8', maxBuffer: 512 << 20, timeout: 300_000, env: { ...process.env, TZ: 'UTC' } },
  );
  if (r.error) throw r.error;
  // 2: tshark read the file but it ends cut short (the committed decode was made the same way).
  if (r.status !== 0 && r.status !== 2) throw new Error(`tshark on ${file} exited ${r.status}: ${r.stderr}`);
  const packets = (JSON.parse(r.stdout) as { _source: { layers: TsharkLayers } }[]).map(
    (p) => p._source.layers,
  );
  if (packets.length !== committed.length) {
    throw new Error(
      `${file}: tshark without reassembly gave ${packets.length} frames, the corpus ${committed.length}`,
    );
  }
  return packets;
}
