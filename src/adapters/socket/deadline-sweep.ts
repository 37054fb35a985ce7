import type { Clock, TimerHandle } from '../../ports/clock.port';
import { SYSTEM_CLOCK } from './socket-timers';

/**
 * Deadlines of pending handshakes (a socket that has not sent its HTTP request or its TCP hello
 * yet), swept by one timer per transport instead of one timer per socket. Every entry gets the
 * same timeout, so insertion order is deadline order and a sweep stops at the first entry that
 * is still in time. One object per transport (or per HTTP server), none per connection. Time
 * and the timer come from the transport's injected Clock (`TOKENS.Clock`), time from its
 * monotonic reading (a system time change neither expires every pending handshake at once nor
 * lets them wait for ever); the timer is unref'd.
 */
export class DeadlineSweep<K> {
  private readonly deadlines = new Map<K, number>();
  private timer: TimerHandle | null = null;

  /**
   * `timeout`: ms each entry may wait; `expired(key)` is called for each entry past it, after
   * the entry was removed. `clock`: default {@link SYSTEM_CLOCK}.
   */
  constructor(
    readonly timeout: number,
    private readonly expired: (key: K) => void,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  /** Entries waiting. */
  get size(): number {
    return this.deadlines.size;
  }

  /** The keys waiting, oldest first. */
  keys(): IterableIterator<K> {
    return this.deadlines.keys();
  }

  /** True while `key` is waiting. */
  has(key: K): boolean {
    return this.deadlines.has(key);
  }

  /** Starts the clock of `key`. */
  add(key: K): void {
    this.deadlines.set(key, this.clock.monotonicNow() + this.timeout);
    if (this.timer === null) this.arm(this.timeout);
  }

  /**
   * Stops the clock of `key`; false when it was not waiting. The timer stays armed when the
   * map empties: it then finds nothing and stops (cheaper than clearing and re-creating it for
   * every socket of a connect burst).
   */
  delete(key: K): boolean {
    return this.deadlines.delete(key);
  }

  /** Forgets every entry and stops the timer (transport closing). */
  clear(): void {
    this.deadlines.clear();
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeoutWith(sweepDeadlines, ms, this);
  }

  /** @internal the timer fired: expires every entry past its deadline, re-arms for the next. */
  sweep(): void {
    this.timer = null;
    const now = this.clock.monotonicNow();
    for (const [key, deadline] of this.deadlines) {
      if (deadline > now) {
        this.arm(Math.ceil(deadline - now));
        return;
      }
      this.deadlines.delete(key);
      this.expired(key);
    }
  }
}

function sweepDeadlines(sweep: { sweep(): void }): void {
  sweep.sweep();
}
