import { readU16, readU32, writeU16, writeU32 } from '@cnikit/wire';

/** Little-endian 16-bit read; callers have checked the bounds. */
export function readU16LE(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

/** Little-endian 32-bit read; callers have checked the bounds. */
export function readU32LE(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

export function writeU16LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
}

export function writeU32LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Reads and writes in one byte order, chosen once per file or section. */
export interface ByteOrder {
  readonly littleEndian: boolean;
  u16(b: Uint8Array, o: number): number;
  u32(b: Uint8Array, o: number): number;
  setU16(b: Uint8Array, o: number, v: number): void;
  setU32(b: Uint8Array, o: number, v: number): void;
}

export const LITTLE_ENDIAN: ByteOrder = {
  littleEndian: true,
  u16: readU16LE,
  u32: readU32LE,
  setU16: writeU16LE,
  setU32: writeU32LE,
};

export const BIG_ENDIAN: ByteOrder = {
  littleEndian: false,
  u16: readU16,
  u32: readU32,
  setU16: writeU16,
  setU32: writeU32,
};

export function byteOrder(littleEndian: boolean): ByteOrder {
  return littleEndian ? LITTLE_ENDIAN : BIG_ENDIAN;
}

/** Unsigned 64-bit value from two 32-bit halves. */
export function u64(high: number, low: number): bigint {
  return (BigInt(high) << 32n) | BigInt(low);
}
