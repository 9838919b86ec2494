import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { bunzip2 } from './bzip2.js';
import { type MrtRecord, readMrt } from './mrt.js';

/**
 * Streams the records of an MRT file in bounded memory: plain, gzip (node:zlib) or bzip2 (our
 * streaming decoder, one block at a time), told apart by their first bytes.
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
    yield* readMrt(bunzip2(createReadStream(path)));
  } else {
    yield* readMrt(createReadStream(path));
  }
}
