/**
 * Caps how many zlib jobs run at once across every connection. zlib work runs on libuv's thread
 * pool; letting thousands of connections each start an inflate at once fragments memory badly
 * (the ws project measured it), so jobs queue FIFO behind a small concurrency budget.
 */
export class ZlibLimiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be >= 1');
  }

  /** Runs `job` now or when a slot frees; the job must call `done()` exactly once. */
  add(job: () => void): void {
    this.queue.push(job);
    this.next();
  }

  /** Releases one slot. */
  done(): void {
    this.running--;
    this.next();
  }

  private next(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      this.running++;
      (this.queue.shift() as () => void)();
    }
  }
}

/** The process-wide limiter shared by every permessage-deflate context. */
export const sharedZlibLimiter = new ZlibLimiter(10);
