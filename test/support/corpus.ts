import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CapturedPacket, readCapture } from './capture-reader.js';
import {
  assertCorpusComplete,
  CORPUS_DIR,
  CORPUS_EXPECTED_DIR,
  CORPUS_HOWTO,
  CORPUS_PCAP_DIR,
  corpusPresent,
} from './corpus-location.js';

export * from './capture-reader.js';
export * from './corpus-location.js';
export * from './dissection-fields.js';
export * from './field-agreement.js';
export * from './manifest.js';
export * from './mutate.js';
export * from './tshark-expected.js';

/** Path of tshark's decode of a corpus capture, or undefined when the corpus has none for it. */
export function expectedPath(file: string): string | undefined {
  const path = join(CORPUS_EXPECTED_DIR, `${file}.json.gz`);
  return existsSync(path) ? path : undefined;
}

/** The corpus's capture files, sorted; throws when the corpus is missing or incomplete (guard with haveCorpus). */
export function corpusFiles(): string[] {
  if (!corpusPresent()) throw new Error(`no capture corpus at ${CORPUS_DIR}: ${CORPUS_HOWTO}`);
  assertCorpusComplete();
  return readdirSync(CORPUS_PCAP_DIR).sort();
}

/** Every packet of a corpus capture; throws naming the file when it cannot be read. */
export function corpusPackets(file: string): CapturedPacket[] {
  const path = join(CORPUS_PCAP_DIR, file);
  try {
    return [...readCapture(readFileSync(path))];
  } catch (e) {
    throw new Error(`cannot read corpus capture ${path}: ${(e as Error).message}`);
  }
}
