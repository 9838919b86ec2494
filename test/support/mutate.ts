/** A small seeded PRNG (mulberry32): the same seed gives the same mutations on every run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte values that decide layout in L2-L4 headers: versions, lengths, protocol numbers. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x0f, 0x11, 0x29, 0x2b, 0x2c, 0x3a, 0x3b, 0x3c, 0x40, 0x45, 0x46, 0x4f,
  0x60, 0x7f, 0x80, 0xff,
];
/** 16-bit values: EtherTypes, lengths at the edges. */
const INTERESTING_WORDS = [
  0x0000, 0x0001, 0x0008, 0x05dc, 0x0600, 0x0800, 0x0806, 0x8100, 0x86dd, 0x88a8, 0x7fff, 0x8000, 0xffff,
];

/**
 * Copies `packet` into `scratch` and applies 1-4 random edits, mostly in the first 96 bytes where
 * the headers are: bit flips, random or layout-deciding bytes and words, truncation, extension
 * with random bytes. Returns the mutated length. `scratch` must hold packet.length + 64 bytes.
 */
export function mutatePacket(packet: Uint8Array, scratch: Uint8Array, random: () => number): number {
  scratch.set(packet);
  let length = packet.length;
  const edits = 1 + Math.floor(random() * 4);
  for (let k = 0; k < edits; k++) {
    const span = random() < 0.8 ? Math.min(length, 96) : length;
    const at = Math.floor(random() * span);
    const kind = Math.floor(random() * 6);
    if (kind === 4) {
      length = Math.floor(random() * (length + 1));
    } else if (kind === 5) {
      const grown = Math.min(scratch.length, length + 1 + Math.floor(random() * 64));
      for (let i = length; i < grown; i++) scratch[i] = Math.floor(random() * 256);
      length = grown;
    } else if (length > 0) {
      if (kind === 0) scratch[at] ^= 1 << Math.floor(random() * 8);
      else if (kind === 1) scratch[at] = Math.floor(random() * 256);
      else if (kind === 2) scratch[at] = INTERESTING_BYTES[Math.floor(random() * INTERESTING_BYTES.length)];
      else if (at + 1 < length) {
        const w = INTERESTING_WORDS[Math.floor(random() * INTERESTING_WORDS.length)];
        scratch[at] = w >>> 8;
        scratch[at + 1] = w & 0xff;
      }
    }
  }
  return length;
}
