import type { Clock, TimerHandle } from '../../ports/clock.port';

/** The real clock. Every timer is unref()'d so Stelar never keeps the process alive by itself. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonicNow(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }

  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
    const t = setTimeout(fn, ms, arg);
    t.unref();
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const t = setInterval(fn, ms);
    t.unref();
    return t;
  }

  clearInterval(handle: TimerHandle): void {
    clearInterval(handle as NodeJS.Timeout);
  }
}
