/// <reference types="node" />
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { type CaptureStreamOptions, CaptureStreamReader } from './stream-reader.js';

/** Where a capture comes from: a file path or URL, a Node Readable, or any async iterable of bytes. */
export type CaptureSource = string | URL | Readable | AsyncIterable<Uint8Array>;

/**
 * Streams a pcap/pcapng capture (Node only). Memory stays bounded by the largest block:
 * ```ts
 * const reader = openCapture('trace.pcapng');
 * for await (const packet of reader) console.log(packet.timestamp, packet.data.length);
 * ```
 */
export function openCapture(source: CaptureSource, options?: CaptureStreamOptions): CaptureStreamReader {
  const chunks =
    typeof source === 'string' || source instanceof URL
      ? (createReadStream(source, { highWaterMark: 64 * 1024 }) as AsyncIterable<Uint8Array>)
      : (source as AsyncIterable<Uint8Array>);
  return new CaptureStreamReader(chunks, options);
}
