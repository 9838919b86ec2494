import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPUS_DIR, CORPUS_PCAP_DIR } from '../../../../test/support/corpus-location.js';

export { corpusFiles } from '../../../../test/support/corpus.js';
// One location rule for every suite: $CNIKIT_CORPUS, else ../shared/corpus beside the clone.
export { CORPUS_DIR, haveCorpus } from '../../../../test/support/corpus-location.js';
export const PCAP_DIR = CORPUS_PCAP_DIR;

export function corpusBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(PCAP_DIR, name)));
}

/** What tshark says about each frame: the fields the capture-file layer decides. */
export interface FrameFacts {
  readonly timeEpoch: string;
  readonly len: number;
  readonly capLen: number;
  readonly interfaceId?: number;
}

/** tshark's frame facts from the corpus's expected JSON, or undefined when there is none. */
export function expectedFrames(name: string): FrameFacts[] | undefined {
  const path = join(CORPUS_DIR, 'expected', `${name}.json.gz`);
  if (!existsSync(path)) return undefined;
  const frames = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
    _source: { layers: { frame: Record<string, string> } };
  }[];
  return frames.map((f) => {
    const fr = f._source.layers.frame;
    return {
      timeEpoch: fr['frame.time_epoch'],
      len: Number(fr['frame.len']),
      capLen: Number(fr['frame.cap_len']),
    };
  });
}

/** True when `tool` runs; otherwise prints why the test is skipped, and throws when CI=true. */
export function requireTool(tool: string, purpose: string): boolean {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return true;
  const message = `${tool} is not installed: SKIPPING ${purpose} (apt-get install tshark)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  console.warn(`\n!!! ${message} !!!\n`);
  return false;
}

/** `tshark -r path -T fields` for the frame facts, one entry per frame. */
export function tsharkFrames(path: string): FrameFacts[] {
  const out = execFileSync(
    'tshark',
    [
      '-r',
      path,
      '-T',
      'fields',
      '-e',
      'frame.time_epoch',
      '-e',
      'frame.len',
      '-e',
      'frame.cap_len',
      '-e',
      'frame.interface_id',
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, TZ: 'UTC' },
      maxBuffer: 1 << 28,
    },
  );
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [timeEpoch, len, capLen, iface] = l.split('\t');
      return {
        timeEpoch,
        len: Number(len),
        capLen: Number(capLen),
        ...(iface ? { interfaceId: Number(iface) } : {}),
      };
    });
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

/** Seeded PRNG (mulberry32) so damage tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into chunks of random sizes (1 byte up to 3× `typical`). */
export async function* randomChunks(
  bytes: Uint8Array,
  random: () => number,
  typical = 97,
): AsyncGenerator<Uint8Array> {
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + Math.floor(random() * random() * 3 * typical);
    yield bytes.slice(at, at + n);
    at += n;
  }
}

/** Frame facts and bytes of every frame in one tshark run (`-T json -x`). */
export function tsharkJsonFrames(path: string): (FrameFacts & { hex: string })[] {
  const out = execFileSync('tshark', ['-r', path, '-T', 'json', '-x', '--no-duplicate-keys'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 1 << 30,
  });
  const frames = JSON.parse(out) as {
    _source: { layers: { frame: Record<string, string>; frame_raw?: [string, ...unknown[]] } };
  }[];
  return frames.map(({ _source: { layers } }) => {
    const fr = layers.frame;
    const iface = fr['frame.interface_id'];
    return {
      timeEpoch: fr['frame.time_epoch'],
      len: Number(fr['frame.len']),
      capLen: Number(fr['frame.cap_len']),
      ...(iface === undefined ? {} : { interfaceId: Number(iface) }),
      hex: layers.frame_raw?.[0] ?? '',
    };
  });
}
