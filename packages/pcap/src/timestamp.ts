const NS_PER_SECOND = 1_000_000_000n;

/** Timestamp ticks per second for a pcapng `if_tsresol` byte, or undefined when it overflows 64 bits. */
export function ticksPerSecond(resolution: number): bigint | undefined {
  const exponent = resolution & 0x7f;
  if (resolution & 0x80) return exponent <= 63 ? 1n << BigInt(exponent) : undefined;
  return exponent <= 19 ? 10n ** BigInt(exponent) : undefined;
}

/** Ticks (at `perSecond`) since the epoch → nanoseconds, truncated as Wireshark does for finer units. */
export function ticksToNanoseconds(ticks: bigint, perSecond: bigint): bigint {
  if (perSecond === NS_PER_SECOND) return ticks;
  if (NS_PER_SECOND % perSecond === 0n) return ticks * (NS_PER_SECOND / perSecond);
  return (ticks * NS_PER_SECOND) / perSecond;
}

/**
 * Nanoseconds → ticks at `perSecond`: the exact inverse of `ticksToNanoseconds` whenever one exists
 * (every tick count is recovered for resolutions of 1 ns or coarser), otherwise truncated.
 */
export function nanosecondsToTicks(ns: bigint, perSecond: bigint): bigint {
  if (perSecond === NS_PER_SECOND) return ns;
  if (NS_PER_SECOND % perSecond === 0n) return ns / (NS_PER_SECOND / perSecond);
  const ticks = (ns * perSecond) / NS_PER_SECOND;
  if (ticksToNanoseconds(ticks, perSecond) !== ns && ticksToNanoseconds(ticks + 1n, perSecond) === ns) {
    return ticks + 1n;
  }
  return ticks;
}

/**
 * Seconds since the epoch with `digits` fraction digits, as tshark prints `frame.time_epoch`
 * (`1575842394.599412000`). Truncates, never rounds; negative times get a leading `-`.
 */
export function formatEpochTime(ns: bigint, digits = 9): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const seconds = abs / NS_PER_SECOND;
  const text = `${negative ? '-' : ''}${seconds}`;
  if (digits <= 0) return text;
  const fraction = (abs % NS_PER_SECOND).toString().padStart(9, '0');
  return `${text}.${digits <= 9 ? fraction.slice(0, digits) : fraction.padEnd(digits, '0')}`;
}

/** Nanoseconds → JavaScript Date (millisecond precision). */
export function timestampToDate(ns: bigint): Date {
  return new Date(Number(ns / 1_000_000n));
}
