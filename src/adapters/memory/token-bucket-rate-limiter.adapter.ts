import type { Clock } from '../../ports/clock.port';
import type { IRateLimiter } from '../../ports/rate-limiter.port';

/** One client's bucket: tokens left at the time of the last refill. */
interface Bucket {
  tokens: number;
  last: number;
}

/**
 * In-memory token bucket: each id may spend `maxPoints` tokens per `windowMs`; tokens refill
 * continuously (`maxPoints / windowMs` per millisecond), so a burst of `maxPoints` is allowed and
 * the sustained rate is `maxPoints` per window. A new id starts with a full bucket. Everything is
 * synchronous.
 */
export class TokenBucketRateLimiter implements IRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;

  constructor(
    readonly maxPoints: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isFinite(maxPoints) || maxPoints <= 0) {
      throw new RangeError(`maxPoints must be a positive number, got ${maxPoints}`);
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`windowMs must be a positive number, got ${windowMs}`);
    }
    this.ratePerMs = maxPoints / windowMs;
  }

  /** Spends `cost` tokens from `id`'s bucket; false (and nothing spent) when too few are left. */
  check(id: string, cost = 1): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = { tokens: this.maxPoints, last: now };
      this.buckets.set(id, bucket);
    } else {
      this.refill(bucket, now);
    }
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  reset(id: string): void {
    this.buckets.delete(id);
  }

  /** Drops every bucket that has refilled completely: it is indistinguishable from a new one. */
  cleanup(): void {
    const now = this.clock.now();
    for (const [id, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.maxPoints) this.buckets.delete(id);
    }
  }

  /** Number of tracked ids. */
  size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = now - bucket.last;
    // A clock that goes backwards (NTP step) must not drain the bucket.
    if (elapsed > 0) {
      bucket.tokens = Math.min(this.maxPoints, bucket.tokens + elapsed * this.ratePerMs);
    }
    bucket.last = now;
  }
}
