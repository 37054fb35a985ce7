import type { MaybePromise } from './maybe-promise';

/** Pluggable per-IP connection tracker, exactly as the public type reference defines it. */
export interface IIPTracker {
  /** True if a new connection from `ip` should be allowed. */
  check(ip: string): MaybePromise<boolean>;
  /** A client from `ip` connected. */
  add(ip: string): MaybePromise<void>;
  /** A client from `ip` disconnected. */
  remove(ip: string): MaybePromise<void>;
  getCount(ip: string): MaybePromise<number>;
  /** Purge zero-count entries (called every 30 s). */
  cleanup(): MaybePromise<void>;
}

export const IIPTracker = Symbol.for('stelar.IIPTracker');
