/** Returns `value` if it is an integer in [0, max]; otherwise throws a RangeError naming the field. */
export function checkUint(layer: string, field: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${layer}: ${field} must be an integer in 0..${max}, got ${value}`);
  }
  return value;
}
