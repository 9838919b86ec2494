/**
 * Returns `value` if it is an integer in [0, max]; otherwise throws a RangeError naming the field,
 * as every writer does before it writes anything.
 */
export function checkUint(field: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${field} must be an integer in 0..${max}, got ${value}`);
  }
  return value;
}
