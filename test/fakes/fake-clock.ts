import type { Clock, TimerHandle } from '../../src/ports/clock.port';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
  every: number | null;
}

/**
 * A Clock for unit tests that only moves when told to: `advance(ms)` fires due timers in
 * time order (ties in creation order). Also exposes the delays asked for, to check backoff.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();
  /** Every setTimeout delay requested, in order. */
  readonly timeoutDelays: number[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Moves with `advance()` like `now()` (one fake time line for both). */
  monotonicNow(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.timeoutDelays.push(ms);
    return this.add(fn, ms, null);
  }

  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
    this.timeoutDelays.push(ms);
    return this.add(() => fn(arg), ms, null);
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearInterval(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers still scheduled (intervals included). */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      let next: Timer | undefined;
      for (const t of this.timers.values()) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (!next) break;
      this.time = Math.max(this.time, next.at);
      if (next.every === null) this.timers.delete(next.id);
      else next.at += next.every;
      next.fn();
    }
    this.time = end;
  }

  private add(fn: () => void, ms: number, every: number | null): number {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn, every });
    return id;
  }
}
