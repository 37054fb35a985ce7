import type { Clock, TimerHandle } from '../../../src/ports/clock.port';

/** A Clock advanced by hand: timers fire only inside `advance()`. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void; every?: number }>();

  now(): number {
    return this.t;
  }
  monotonicNow(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.timers.set(++this.seq, { at: this.t + ms, fn });
    return this.seq;
  }
  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
    return this.setTimeout(() => fn(arg), ms);
  }
  clearTimeout(h: TimerHandle): void {
    this.timers.delete(h as number);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    this.timers.set(++this.seq, { at: this.t + ms, fn, every: ms });
    return this.seq;
  }
  clearInterval(h: TimerHandle): void {
    this.timers.delete(h as number);
  }
  /** Number of pending timers (to prove everything was cleared). */
  get pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void; every?: number }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      const [id, timer] = next;
      this.t = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.t = end;
  }
}
