/**
 * Returns `value` if it is an integer in [0, max]; otherwise throws a RangeError naming the field
 * (and the layer, when given: `udp srcPort must be …`), as every writer does before it writes
 * anything. The message is only built when the check fails.
 */
export function checkUint(field: string, value: number, max: number, layer?: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${layer ? `${layer} ` : ''}${field} must be an integer in 0..${max}, got ${value}`);
  }
  return value;
}

/** checkUint for a field the caller may leave out (`undefined`: the writer computes it). */
export function checkOptionalUint(
  field: string,
  value: number | undefined,
  max: number,
  layer?: string,
): void {
  if (value !== undefined) checkUint(field, value, max, layer);
}
