/**
 * Deadlines of pending handshakes (a socket that has not sent its HTTP request or its TCP hello
 * yet), swept by one timer per transport instead of one timer per socket. Every entry gets the
 * same timeout, so insertion order is deadline order and a sweep stops at the first entry that
 * is still in time. One object per transport (or per HTTP server), none per connection.
 */
export class DeadlineSweep<K> {
  private readonly deadlines = new Map<K, number>();
  private timer: NodeJS.Timeout | null = null;

  /**
   * `timeout`: ms each entry may wait; `expired(key)` is called for each entry past it, after
   * the entry was removed.
   */
  constructor(
    readonly timeout: number,
    private readonly expired: (key: K) => void,
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
    this.deadlines.set(key, performance.now() + this.timeout);
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
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(sweepDeadlines, ms, this);
    this.timer.unref();
  }

  /** @internal the timer fired: expires every entry past its deadline, re-arms for the next. */
  sweep(): void {
    this.timer = null;
    const now = performance.now();
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
