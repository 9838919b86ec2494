import { DecodeError } from '@cnikit/wire';
import type { ByteOrder } from './byte-order.js';

/** One pcapng option (RFC draft-ietf-opsawg-pcapng §3.5): code, then the unpadded value bytes. */
export interface PcapngOption {
  readonly code: number;
  readonly value: Uint8Array;
}

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const IF_NAME = 2;
export const IF_TSRESOL = 9;
export const IF_FCSLEN = 13;
export const IF_TSOFFSET = 14;

/** Options in buf[start, end), up to opt_endofopt; throws DecodeError when one runs past `end`. */
export function decodePcapngOptions(
  buf: Uint8Array,
  start: number,
  end: number,
  order: ByteOrder,
): PcapngOption[] {
  const options: PcapngOption[] = [];
  let at = start;
  while (at + 4 <= end) {
    const code = order.u16(buf, at);
    const length = order.u16(buf, at + 2);
    if (code === OPT_ENDOFOPT) break;
    const valueEnd = at + 4 + length;
    if (valueEnd > end) {
      throw new DecodeError(
        'bad-option',
        'pcapng',
        at,
        `option ${code} of ${length} bytes runs past its block`,
      );
    }
    options.push({ code, value: buf.subarray(at + 4, valueEnd) });
    at = valueEnd + ((4 - (length & 3)) & 3);
  }
  return options;
}

/** Bytes `encodePcapngOptions` will write for these options (including opt_endofopt). */
export function pcapngOptionsLength(options: readonly PcapngOption[]): number {
  if (options.length === 0) return 0;
  let n = 4;
  for (const o of options) n += 4 + ((o.value.length + 3) & ~3);
  return n;
}

/** Writes options (and opt_endofopt when there are any) at `at`; returns the next offset. */
export function writePcapngOptions(
  options: readonly PcapngOption[],
  out: Uint8Array,
  at: number,
  order: ByteOrder,
): number {
  if (options.length === 0) return at;
  for (const o of options) {
    if (o.value.length > 0xffff) throw new RangeError(`pcapng option ${o.code}: value over 65535 bytes`);
    order.setU16(out, at, o.code);
    order.setU16(out, at + 2, o.value.length);
    out.set(o.value, at + 4);
    const padded = (o.value.length + 3) & ~3;
    out.fill(0, at + 4 + o.value.length, at + 4 + padded);
    at += 4 + padded;
  }
  order.setU32(out, at, 0);
  return at + 4;
}

/** Signed 64-bit integer in the given byte order. */
export function readI64(b: Uint8Array, o: number, order: ByteOrder): bigint {
  const high = order.u32(b, order.littleEndian ? o + 4 : o);
  const low = order.u32(b, order.littleEndian ? o : o + 4);
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
}

export function writeI64(b: Uint8Array, o: number, v: bigint, order: ByteOrder): void {
  const u = BigInt.asUintN(64, v);
  const high = Number(u >> 32n);
  const low = Number(u & 0xffffffffn);
  order.setU32(b, order.littleEndian ? o + 4 : o, high);
  order.setU32(b, order.littleEndian ? o : o + 4, low);
}
