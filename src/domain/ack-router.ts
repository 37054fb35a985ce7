import type { Clock, TimerHandle } from '../ports/clock.port';
import { CloseCode, StelarError, StelarErrorCode } from './errors';

/** What a pending request is settled with: exactly one of these is called, exactly once. */
export interface AckSettler<T = unknown> {
  resolve(value: T): void;
  reject(error: Error): void;
}

interface Pending {
  readonly settler: AckSettler<any>;
  readonly label: string;
  readonly timeoutMs: number;
  timer: TimerHandle;
}

// Correlation ids are unsigned integers below 2^31 (docs/PROTOCOL.md, "TCP framing").
const MAX_ID = 0x7fffffff;

/**
 * Correlates requests with their answers by id (issue #2): the client's `request()`, acks of
 * `emit(…, { ack })` and room joins, and any server-side request. Every registered request is
 * settled exactly once — by its answer, an error answer, its timeout (through the {@link Clock}
 * port), or {@link rejectAll} on disconnect — and its entry and timer are released at that
 * moment, so nothing leaks. An answer for an unknown id (late, duplicate, or made up) is
 * ignored and reported as `false`, never thrown.
 */
export class AckRouter {
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;

  /**
   * @param clock timers for the timeouts.
   * @param defaultTimeoutMs used when {@link register} gets no timeout.
   * @param maxPending most requests pending at once; {@link register} refuses one more.
   */
  constructor(
    private readonly clock: Clock,
    private defaultTimeoutMs = 5000,
    private maxPending = Infinity,
  ) {
    AckRouter.checkTimeout(defaultTimeoutMs);
    AckRouter.checkMax(maxPending);
  }

  private static checkMax(n: number): void {
    if (n !== Infinity && !(Number.isInteger(n) && n >= 1)) throw new RangeError(`max pending requests must be an integer >= 1, got ${n}`);
  }

  /** Changes the bound for later registrations (pending ones are kept, even above it). */
  setMaxPending(n: number): void {
    AckRouter.checkMax(n);
    this.maxPending = n;
  }

  private static checkTimeout(ms: number): void {
    if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) {
      throw new RangeError(`ack timeout must be a finite number > 0, got ${ms}`);
    }
  }

  /** Requests waiting for an answer. */
  get size(): number {
    return this.pending.size;
  }

  /** Changes the timeout of later registrations (pending ones keep theirs). */
  setDefaultTimeout(ms: number): void {
    AckRouter.checkTimeout(ms);
    this.defaultTimeoutMs = ms;
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  /**
   * Registers a pending request and starts its timeout; returns its correlation id, unique
   * among the pending ones. `label` names the request in the timeout error. Throws a
   * StelarError `STELAR_ERR_TOO_MANY_REQUESTS` (nothing registered, no timer) when `maxPending`
   * requests are pending already.
   */
  register<T>(settler: AckSettler<T>, timeoutMs: number = this.defaultTimeoutMs, label = 'request'): number {
    AckRouter.checkTimeout(timeoutMs);
    if (this.pending.size >= this.maxPending) {
      throw new StelarError(
        StelarErrorCode.TooManyRequests,
        `${label} refused: ${this.maxPending} requests are waiting for an answer already (maxRequestsInFlight)`,
        CloseCode.Normal,
      );
    }
    const id = this.nextId();
    const entry: Pending = { settler, label, timeoutMs, timer: undefined };
    // One timer per request: it is cleared the moment the request settles any other way.
    entry.timer = this.clock.setTimeout(() => this.expire(id), timeoutMs);
    this.pending.set(id, entry);
    return id;
  }

  /** Promise form of {@link register}. */
  request<T = unknown>(timeoutMs?: number, label?: string): { id: number; promise: Promise<T> } {
    let settler!: AckSettler<T>;
    const promise = new Promise<T>((resolve, reject) => (settler = { resolve, reject }));
    const id = this.register(settler, timeoutMs, label);
    return { id, promise };
  }

  /** Settles `id` with its answer; false when `id` is not pending (a late answer, ignored). */
  resolve(id: number, value: unknown): boolean {
    const entry = this.take(id);
    if (!entry) return false;
    entry.settler.resolve(value);
    return true;
  }

  /** Settles `id` with an error; false when `id` is not pending. */
  reject(id: number, error: Error): boolean {
    const entry = this.take(id);
    if (!entry) return false;
    entry.settler.reject(error);
    return true;
  }

  /**
   * Rejects every pending request with `error` (disconnect), except those `keep` returns true
   * for. Returns how many were rejected.
   */
  rejectAll(error: Error, keep?: (id: number) => boolean): number {
    // Snapshot the ids first: a settler may register new requests while we iterate.
    const ids = [...this.pending.keys()];
    let n = 0;
    for (const id of ids) {
      if (keep?.(id)) continue;
      if (this.reject(id, error)) n++;
    }
    return n;
  }

  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    this.clock.clearTimeout(entry.timer);
    return entry;
  }

  private expire(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.settler.reject(
      new StelarError(
        StelarErrorCode.AckTimeout,
        `${entry.label} timed out after ${entry.timeoutMs} ms`,
        CloseCode.Normal,
      ),
    );
  }

  private nextId(): number {
    if (this.pending.size >= MAX_ID) throw new RangeError('too many pending requests');
    // Monotonic, wrapping below 2^31 and skipping ids still pending after a wrap.
    do {
      this.lastId = this.lastId >= MAX_ID ? 1 : this.lastId + 1;
    } while (this.pending.has(this.lastId));
    return this.lastId;
  }
}
