import type { MaybePromise } from '../ports/maybe-promise';
import type { IRateLimiter, RateLimiterFactory } from '../ports/rate-limiter.port';

/** One limit: `maxPoints` messages per `windowMs`. */
export interface RateLimitConfig {
  maxPoints: number;
  windowMs: number;
}

/** Per-event limits (the public `EventRateLimits`). */
export type EventRateLimits = Record<string, RateLimitConfig>;

/** The rate-limit part of the server options. */
export interface RateLimitOptions {
  /** Global built-in bucket; `false` disables it. Defaults: 100 points per 1000 ms. */
  rateLimit?: Partial<RateLimitConfig> | false;
  eventRateLimits?: EventRateLimits;
  /** Replaces the built-in global bucket. */
  customRateLimiter?: IRateLimiter;
}

/** Defaults of the global bucket. */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitConfig> = { maxPoints: 100, windowMs: 1000 };

/**
 * Decides whether a client may send one more message.
 *
 * **Precedence: per-client override > per-event > global > (nothing).** Exactly one limiter
 * decides each message, the most specific one configured:
 * 1. a per-client override (`setClientLimit`) when one is set for that client;
 * 2. else the event's limit when `eventRateLimits[event]` exists (buckets keyed
 *    `${clientId}\u0000${event}`, so each client has its own bucket per event);
 * 3. else the global limiter: the `customRateLimiter` when given (it replaces the built-in
 *    global bucket), otherwise the built-in token bucket from `rateLimit`;
 * 4. with `rateLimit: false` and no custom limiter there is no global limit, but per-event and
 *    per-client limits still apply.
 *
 * `check` is synchronous unless the deciding limiter is async (a custom limiter returning a
 * Promise), so the sync path allocates nothing.
 */
export class RateLimitPolicy {
  private global: IRateLimiter | null = null;
  private custom: IRateLimiter | null = null;
  private readonly events = new Map<string, IRateLimiter>();
  private readonly clients = new Map<string, IRateLimiter>();

  constructor(
    private readonly factory: RateLimiterFactory,
    options: RateLimitOptions = {},
  ) {
    this.configure({ rateLimit: options.rateLimit ?? {}, ...options });
  }

  /**
   * Live update. Only the keys present are changed: `rateLimit` rebuilds the built-in global
   * bucket (its state starts fresh), `eventRateLimits` replaces every per-event limit,
   * `customRateLimiter` (or `undefined` explicitly) swaps the custom limiter.
   */
  configure(options: RateLimitOptions): void {
    if ('rateLimit' in options) {
      const rl = options.rateLimit;
      if (rl === false) this.global = null;
      else {
        const cfg = validate('rateLimit', { ...DEFAULT_RATE_LIMIT, ...stripUndefined(rl ?? {}) });
        this.global = this.factory.create(cfg.maxPoints, cfg.windowMs);
      }
    }
    if ('customRateLimiter' in options) {
      const c = options.customRateLimiter;
      if (c !== undefined && (typeof c !== 'object' || typeof c.check !== 'function')) {
        throw new TypeError('customRateLimiter must implement IRateLimiter');
      }
      this.custom = c ?? null;
    }
    if (options.eventRateLimits !== undefined) {
      const next = new Map<string, IRateLimiter>();
      for (const [event, cfg] of Object.entries(options.eventRateLimits)) {
        const v = validate(`eventRateLimits.${event}`, cfg);
        next.set(event, this.factory.create(v.maxPoints, v.windowMs));
      }
      this.events.clear();
      for (const [k, v] of next) this.events.set(k, v);
    }
  }

  /** True when some limit (global, custom, per-event or per-client) is configured. */
  get enabled(): boolean {
    return this.global !== null || this.custom !== null || this.events.size > 0 || this.clients.size > 0;
  }

  /** Charges one message and says whether it may pass (see the class doc for precedence). */
  check(clientId: string, event?: string): MaybePromise<boolean> {
    const own = this.clients.get(clientId);
    if (own !== undefined) return own.check(clientId);
    if (event !== undefined) {
      const ev = this.events.get(event);
      if (ev !== undefined) return ev.check(`${clientId}\u0000${event}`);
    }
    const global = this.custom ?? this.global;
    return global === null ? true : global.check(clientId);
  }

  setEventLimit(event: string, limit: RateLimitConfig): void {
    if (typeof event !== 'string' || event.length === 0) throw new TypeError('event must be a non-empty string');
    const v = validate(`event limit "${event}"`, limit);
    this.events.set(event, this.factory.create(v.maxPoints, v.windowMs));
  }

  removeEventLimit(event: string): boolean {
    return this.events.delete(event);
  }

  hasEventLimit(event: string): boolean {
    return this.events.has(event);
  }

  setClientLimit(clientId: string, limit: RateLimitConfig): void {
    if (typeof clientId !== 'string' || clientId.length === 0) {
      throw new TypeError('clientId must be a non-empty string');
    }
    const v = validate(`client limit "${clientId}"`, limit);
    this.clients.set(clientId, this.factory.create(v.maxPoints, v.windowMs));
  }

  removeClientLimit(clientId: string): boolean {
    return this.clients.delete(clientId);
  }

  hasClientLimit(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  /**
   * Forgets everything about a client (called on disconnect): its override, its per-event
   * buckets, its global bucket and the custom limiter's state.
   */
  reset(clientId: string): MaybePromise<void> {
    this.clients.delete(clientId);
    for (const [event, limiter] of this.events) limiter.reset(`${clientId}\u0000${event}`);
    this.global?.reset(clientId);
    return this.custom?.reset(clientId);
  }

  /** Purges expired entries in every limiter (called every 30 s). */
  cleanup(): MaybePromise<void> {
    const pending: Promise<unknown>[] = [];
    for (const l of this.limiters()) {
      const r = l.cleanup();
      if (isPromise(r)) pending.push(r);
    }
    return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** Entries tracked by every limiter (StelarStats.rateLimiterEntries). */
  size(): MaybePromise<number> {
    let sum = 0;
    const pending: Promise<number>[] = [];
    for (const l of this.limiters()) {
      const r = l.size();
      if (isPromise(r)) pending.push(r);
      else sum += r;
    }
    if (pending.length === 0) return sum;
    return Promise.all(pending).then((all) => all.reduce((a, b) => a + b, sum));
  }

  private *limiters(): Iterable<IRateLimiter> {
    if (this.global !== null) yield this.global;
    if (this.custom !== null) yield this.custom;
    yield* this.events.values();
    yield* this.clients.values();
  }
}

function validate(what: string, cfg: Partial<RateLimitConfig> | undefined): RateLimitConfig {
  if (typeof cfg !== 'object' || cfg === null) throw new TypeError(`${what} must be { maxPoints, windowMs }`);
  const { maxPoints, windowMs } = cfg;
  if (typeof maxPoints !== 'number' || !(maxPoints > 0) || !Number.isFinite(maxPoints)) {
    throw new RangeError(`${what}.maxPoints must be a positive number, got ${String(maxPoints)}`);
  }
  if (typeof windowMs !== 'number' || !(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new RangeError(`${what}.windowMs must be a positive number, got ${String(windowMs)}`);
  }
  return { maxPoints, windowMs };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** True for a Promise or any thenable. */
export function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
