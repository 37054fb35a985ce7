import type { Clock } from '../../ports/clock.port';
import type { IRateLimiter, RateLimiterFactory } from '../../ports/rate-limiter.port';
import { TokenBucketRateLimiter } from './token-bucket-rate-limiter.adapter';

/** Creates {@link TokenBucketRateLimiter}s sharing one clock (global, per-event, per-client). */
export class TokenBucketRateLimiterFactory implements RateLimiterFactory {
  constructor(private readonly clock: Clock) {}

  create(maxPoints: number, windowMs: number): IRateLimiter {
    return new TokenBucketRateLimiter(maxPoints, windowMs, this.clock);
  }
}
