import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CapturedPacket, readCapture } from './capture-reader.js';

export * from './capture-reader.js';
export * from './dissection-fields.js';
export * from './field-agreement.js';
export * from './manifest.js';
export * from './mutate.js';
export * from './tshark-expected.js';

/** The repository's root folder. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** The shared capture corpus (see its README.md): `../shared/corpus` beside the clone, or $CNIKIT_CORPUS. */
export const CORPUS_DIR = process.env.CNIKIT_CORPUS ?? resolve(REPO_ROOT, '../shared/corpus');
export const CORPUS_PCAP_DIR = join(CORPUS_DIR, 'pcap');

/** Path of tshark's decode of a capture, or undefined when there is none. */
export function expectedPath(file: string): string | undefined {
  const path = join(CORPUS_DIR, 'expected', `${file}.json.gz`);
  return existsSync(path) ? path : undefined;
}

export function corpusFiles(): string[] {
  return existsSync(CORPUS_PCAP_DIR) ? readdirSync(CORPUS_PCAP_DIR).sort() : [];
}

/** Every packet of a corpus capture; unreadable files yield nothing. */
export function corpusPackets(file: string): CapturedPacket[] {
  try {
    return [...readCapture(readFileSync(join(CORPUS_PCAP_DIR, file)))];
  } catch {
    return [];
  }
}
