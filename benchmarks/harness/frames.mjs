/**
 * The shared test frames (../frames/*.hex, built by the gopacket peer and read by it too) and a
 * ring of copies for the benchmarks to walk.
 */
import { readFileSync } from 'node:fs';

const FRAMES_DIR = new URL('../frames/', import.meta.url);

/** The bytes of `frames/<name>.hex`. */
export function readFrame(name) {
  const text = readFileSync(new URL(`${name}.hex`, FRAMES_DIR), 'utf8').trim();
  if (!/^(?:[0-9a-f]{2})+$/.test(text)) throw new Error(`frames/${name}.hex is not one line of hex`);
  return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/**
 * `count` copies of a frame in one buffer, each at its own offset (`stride` apart, so alignment
 * varies as it does in a capture or ring buffer). Benchmarks step through the copies so that no
 * read is loop-invariant; the references get the same buffer, so one DataView serves them all.
 */
export class FrameRing {
  /**
   * @param {Uint8Array} frame
   * @param {number} count a power of two
   */
  constructor(frame, count = 64, stride = frame.length + 3) {
    if (count & (count - 1)) throw new RangeError('count must be a power of two');
    this.frame = frame;
    this.count = count;
    this.mask = count - 1;
    this.buf = new Uint8Array(stride * count);
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    /** @type {Uint8Array[]} each copy as its own subarray, made once, for APIs that take no offset */
    this.copies = [];
    for (let i = 0; i < count; i++) {
      const start = i * stride;
      this.buf.set(frame, start);
      this.starts[i] = start;
      this.ends[i] = start + frame.length;
      this.copies.push(this.buf.subarray(start, start + frame.length));
    }
  }
}
