import type { Clock, TimerHandle } from '../../ports/clock.port';

type Timer = { unref?: () => void };

/**
 * A Clock over the global timer functions, for the client in any runtime (no Node import).
 * With `unref` (Node), timers do not keep the process alive on their own.
 */
export class GlobalTimersClock implements Clock {
  constructor(private readonly unref = false) {}

  now(): number {
    return Date.now();
  }

  monotonicNow(): number {
    // Every browser and Node ≥ 16 has `performance`; a runtime without one falls back to Date.
    const perf = (globalThis as { performance?: { now(): number } }).performance;
    return perf !== undefined ? perf.now() : Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = globalThis.setTimeout(fn, ms) as unknown as Timer;
    if (this.unref) t.unref?.();
    return t;
  }

  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
    const t = globalThis.setTimeout(fn, ms, arg) as unknown as Timer;
    if (this.unref) t.unref?.();
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const t = globalThis.setInterval(fn, ms) as unknown as Timer;
    if (this.unref) t.unref?.();
    return t;
  }

  clearInterval(handle: TimerHandle): void {
    globalThis.clearInterval(handle as Parameters<typeof clearInterval>[0]);
  }
}
