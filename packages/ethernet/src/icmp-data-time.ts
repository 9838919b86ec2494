import type { DissectionNode } from '@cnikit/wire';
import { readU32 } from '@cnikit/wire';

const DAY_SECONDS = 86_400;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Type names tshark 4.0.17 shows after an ICMP type (`Type: 8 (Echo (ping) request)`). */
export const ICMPV4_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  4: 'Source quench (flow control)',
  5: 'Redirect',
  8: 'Echo (ping) request',
  9: 'Mobile IP Advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
  30: 'Traceroute',
  42: 'Extended Echo request',
  43: 'Extended Echo reply',
};

/** `Mon DD, YYYY HH:MM:SS.nnnnnnnnn UTC`, the absolute time as tshark writes it with TZ=UTC. */
export function formatAbsoluteTime(seconds: number, nanoseconds: number): string {
  const date = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const clock = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  const fraction = String(nanoseconds).padStart(9, '0');
  return `${MONTHS[date.getUTCMonth()]} ${day}, ${date.getUTCFullYear()} ${clock}.${fraction} UTC`;
}

/** Seconds as tshark writes a relative time: sign, seconds, nine decimals (`-35.162937000`). */
function formatRelativeTime(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `${negative ? '-' : ''}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}

/**
 * The timestamp ping writes at the start of an echo's data, as Wireshark 4.0.17 finds it: when
 * more than 8 bytes of data follow the header, their first 8 are a `struct timeval` (seconds,
 * microseconds) in network order, else in little-endian order, if one of them lies within a day
 * of the frame's own second and its microseconds are below one million. Returns the
 * `icmp.data_time` and `icmp.data_time_relative` nodes, or none (then it is data).
 */
export function icmpDataTimeNodes(
  buf: Uint8Array,
  dataStart: number,
  end: number,
  frameTime: bigint | undefined,
): DissectionNode[] {
  if (frameTime === undefined || end - dataStart <= 8) return [];
  const frameSeconds = Number(frameTime / 1_000_000_000n);
  const plausible = (s: number, us: number) => Math.abs(s - frameSeconds) < DAY_SECONDS && us < 1_000_000;
  let seconds = readU32(buf, dataStart);
  let micros = readU32(buf, dataStart + 4);
  if (!plausible(seconds, micros)) {
    seconds = littleEndianU32(buf, dataStart);
    micros = littleEndianU32(buf, dataStart + 4);
    if (!plausible(seconds, micros)) return [];
  }
  const nanos = micros * 1000;
  const text = formatAbsoluteTime(seconds, nanos);
  const relative = formatRelativeTime(frameTime - (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)));
  return [
    {
      field: 'icmp.data_time',
      name: 'Timestamp from icmp data',
      offset: dataStart,
      length: 8,
      value: text,
    },
    {
      field: 'icmp.data_time_relative',
      name: 'Timestamp from icmp data (relative)',
      offset: dataStart,
      length: 8,
      value: relative,
      display: `[Timestamp from icmp data (relative): ${relative} seconds]`,
    },
  ];
}

function littleEndianU32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}
