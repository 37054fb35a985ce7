/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Time and timer scheduling. The system adapter unref()s every timer so none keeps the process
 * alive; tests use a fake clock that advances by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const Clock = Symbol.for('stelar.Clock');
