import type { IRateLimiter, RateLimiterFactory } from '../../src/ports/rate-limiter.port';

/** Allows the first `allow` checks per id, then denies; records every call. */
export class CountingRateLimiter implements IRateLimiter {
  readonly checks: { id: string; cost?: number }[] = [];
  readonly resets: string[] = [];
  cleanups = 0;
  private readonly used = new Map<string, number>();

  constructor(
    private readonly allow = Infinity,
    readonly label = 'limiter',
  ) {}

  check(id: string, cost?: number): boolean {
    this.checks.push({ id, cost });
    const n = (this.used.get(id) ?? 0) + 1;
    this.used.set(id, n);
    return n <= this.allow;
  }
  reset(id: string): void {
    this.resets.push(id);
    this.used.delete(id);
  }
  cleanup(): void {
    this.cleanups++;
  }
  size(): number {
    return this.used.size;
  }
}

/**
 * An async limiter whose answers the test releases by hand, in any order (`resolve(i, ok)`),
 * to prove the domain keeps a client's messages in order.
 */
export class DeferredRateLimiter implements IRateLimiter {
  readonly pending: { id: string; resolve: (ok: boolean) => void; reject: (e: Error) => void }[] = [];
  readonly resets: string[] = [];
  cleanups = 0;
  entries = 0;

  check(id: string): Promise<boolean> {
    return new Promise((resolve, reject) => this.pending.push({ id, resolve, reject }));
  }
  async reset(id: string): Promise<void> {
    this.resets.push(id);
  }
  async cleanup(): Promise<void> {
    this.cleanups++;
  }
  async size(): Promise<number> {
    return this.entries;
  }
  /** Answers the oldest pending check. */
  answer(ok: boolean): void {
    const p = this.pending.shift();
    if (!p) throw new Error('no pending check');
    p.resolve(ok);
  }
}

/** A factory that records the limiters it made (CountingRateLimiter allowing `maxPoints`). */
export class FakeRateLimiterFactory implements RateLimiterFactory {
  readonly made: { maxPoints: number; windowMs: number; limiter: CountingRateLimiter }[] = [];

  create(maxPoints: number, windowMs: number): CountingRateLimiter {
    const limiter = new CountingRateLimiter(maxPoints, `${maxPoints}/${windowMs}`);
    this.made.push({ maxPoints, windowMs, limiter });
    return limiter;
  }
}
