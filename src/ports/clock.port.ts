/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Time and timer scheduling. The system adapter unref()s every timer so none keeps the process
 * alive; tests use a fake clock that advances by hand.
 */
export interface Clock {
  /** Milliseconds since the epoch (wall clock: it jumps when the system time is set). */
  now(): number;
  /**
   * Milliseconds on a monotonic clock (`performance.now()` in the system clock): never goes
   * back, unaffected by system time changes; only differences mean anything. Deadlines and
   * durations are measured on it.
   */
  monotonicNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * `setTimeout` that calls `fn(arg)`: with a module-level `fn`, arming a timer for one of many
   * sockets creates no closure (the transports' close timers and deadline sweeps use it).
   * Cleared with {@link clearTimeout}.
   */
  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

export const Clock = Symbol.for('stelar.Clock');
