/**
 * `value` when it is a positive finite number, `fallback` when it is undefined; a RangeError
 * naming the option otherwise (a caller mistake, thrown when the transport is built).
 */
export function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}
