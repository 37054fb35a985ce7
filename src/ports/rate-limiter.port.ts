import type { MaybePromise } from './maybe-promise';

/**
 * Pluggable rate limiter, exactly as the public type reference defines it (methods may also
 * return a Promise, for networked stores such as Redis).
 */
export interface IRateLimiter {
  /** True if the client may proceed; increments its counter. `cost` defaults to 1. */
  check(id: string, cost?: number): MaybePromise<boolean>;
  /** Forget the client (called on disconnect). */
  reset(id: string): MaybePromise<void>;
  /** Purge expired entries (called every 30 s). */
  cleanup(): MaybePromise<void>;
  /** Tracked entries (StelarStats.rateLimiterEntries). */
  size(): MaybePromise<number>;
}

export const IRateLimiter = Symbol.for('stelar.IRateLimiter');

/** Creates the built-in token-bucket limiters for global, per-event and per-client limits. */
export interface RateLimiterFactory {
  create(maxPoints: number, windowMs: number): IRateLimiter;
}
export const RateLimiterFactory = Symbol.for('stelar.RateLimiterFactory');
