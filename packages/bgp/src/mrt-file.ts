/// <reference path="./seek-bzip.d.ts" />
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import Bunzip from 'seek-bzip';
import { type MrtRecord, readMrt } from './mrt.js';

/**
 * Streams the records of an MRT file: plain, gzip (streamed through node:zlib, bounded memory) or
 * bzip2 (seek-bzip; the file is decompressed whole, so memory grows with it), told apart by
 * their first bytes.
 */
export async function* readMrtFile(path: string): AsyncGenerator<MrtRecord> {
  const magic = new Uint8Array(3);
  const handle = await open(path, 'r');
  try {
    await handle.read(magic, 0, 3, 0);
  } finally {
    await handle.close();
  }
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    yield* readMrt(createReadStream(path).pipe(createGunzip()));
  } else if (magic[0] === 0x42 && magic[1] === 0x5a && magic[2] === 0x68) {
    const { readFile } = await import('node:fs/promises');
    yield* readMrt([new Uint8Array(Bunzip.decode(await readFile(path)))]);
  } else {
    yield* readMrt(createReadStream(path));
  }
}
