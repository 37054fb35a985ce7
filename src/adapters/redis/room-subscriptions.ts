/**
 * Interest-based room subscriptions: this node subscribes to a room's channel only while it has
 * local members there. The domain reports transitions (first member joined: `opened`, last one
 * left: `closed`); changes made in one event-loop turn are applied as one batch (one SUBSCRIBE
 * and one UNSUBSCRIBE for many rooms; per room over a Redis Cluster), and a room opened and
 * closed within the batch costs nothing.
 *
 * **The join rule.** `ready(room)` settles once SUBSCRIBE for the room has been acknowledged by
 * Redis: every delivery published to the room after that — from any node — reaches this node.
 * A client's join is confirmed (JoinRoom answer) only then, so no delivery published after a
 * client saw its join confirmed is lost to it. Redis handles the commands of one connection in
 * order, so a re-join while an UNSUBSCRIBE is in flight ends subscribed; a generation number per
 * subscribe makes sure that only the acknowledgement of the *last* SUBSCRIBE confirms the room.
 * While the subscriber link is down, `ready` does not wait (nothing crosses nodes then anyway,
 * and local delivery must not stall); a wait is bounded by `waitMs`.
 */
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';

/** What the subscriptions need from the links. */
export interface SubscriptionLink {
  subscribe(channels: string[]): Promise<unknown>;
  unsubscribe(channels: string[]): Promise<unknown>;
  /** True while the subscriber connection is up. */
  isUp(): boolean;
}

/** Counters (mutated in place). */
export interface SubscriptionCounters {
  /** Rooms subscribed (SUBSCRIBE sent). */
  roomSubscribes: number;
  /** Rooms unsubscribed. */
  roomUnsubscribes: number;
  /** Batches flushed. */
  subscriptionBatches: number;
  /** Joins confirmed after `waitMs` without the subscription's acknowledgement. */
  subscribeWaitTimeouts: number;
}

interface Waiter {
  readonly promise: Promise<void>;
  resolve(): void;
  timer: TimerHandle;
}

const MAX_CHANNELS_PER_COMMAND = 512;

export class RoomSubscriptions {
  readonly counters: SubscriptionCounters = {
    roomSubscribes: 0,
    roomUnsubscribes: 0,
    subscriptionBatches: 0,
    subscribeWaitTimeouts: 0,
  };
  /** Rooms with local members. */
  private readonly wanted = new Set<string>();
  /** Rooms whose SUBSCRIBE is in flight → generation of that SUBSCRIBE. */
  private readonly pending = new Map<string, number>();
  /** Rooms whose SUBSCRIBE Redis acknowledged (and no UNSUBSCRIBE since). */
  private readonly confirmed = new Set<string>();
  /** Rooms changed since the last flush. */
  private readonly dirty = new Set<string>();
  private readonly waiters = new Map<string, Waiter>();
  private generation = 0;
  private scheduled = false;
  private running = false;

  constructor(
    private readonly link: SubscriptionLink,
    private readonly channelOf: (room: string) => string,
    private readonly clock: Clock,
    private readonly waitMs: number,
    private readonly logger: Logger,
    private readonly defer: (fn: () => void) => void = setImmediate,
  ) {}

  /** Rooms this node is subscribed to or subscribing (for stats). */
  get size(): number {
    return this.pending.size + this.confirmed.size;
  }

  /** Begins subscribing: the rooms that already have members, then every change. */
  async start(rooms: Iterable<string>): Promise<void> {
    this.running = true;
    for (const r of rooms) this.opened(r);
    await this.flushNow();
  }

  /** Forgets everything (the subscriber connection is closed by the caller). */
  stop(): void {
    this.running = false;
    for (const w of this.waiters.values()) {
      this.clock.clearTimeout(w.timer);
      w.resolve();
    }
    this.waiters.clear();
    this.wanted.clear();
    this.pending.clear();
    this.confirmed.clear();
    this.dirty.clear();
  }

  opened(room: string): void {
    this.wanted.add(room);
    this.mark(room);
  }

  closed(room: string): void {
    this.wanted.delete(room);
    this.mark(room);
  }

  /** True when deliveries to `room` are confirmed to reach this node. */
  isConfirmed(room: string): boolean {
    return this.confirmed.has(room) && !this.dirty.has(room);
  }

  /** See the file comment: undefined when no wait is needed. */
  ready(room: string): PromiseLike<void> | undefined {
    if (!this.running || !this.link.isUp() || !this.wanted.has(room) || this.isConfirmed(room)) return undefined;
    let w = this.waiters.get(room);
    if (w === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      const waiter: Waiter = { promise, resolve, timer: undefined };
      waiter.timer = this.clock.setTimeout(() => {
        if (this.waiters.get(room) !== waiter) return;
        this.waiters.delete(room);
        this.counters.subscribeWaitTimeouts++;
        resolve();
      }, this.waitMs);
      this.waiters.set(room, (w = waiter));
    }
    return w.promise;
  }

  private mark(room: string): void {
    if (!this.running) return;
    this.dirty.add(room);
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(this.flush);
  }

  private readonly flush = (): void => {
    void this.flushNow();
  };

  private async flushNow(): Promise<void> {
    this.scheduled = false;
    if (!this.running || this.dirty.size === 0) return;
    const subs: string[] = [];
    const unsubs: string[] = [];
    const gen = ++this.generation;
    for (const room of this.dirty) {
      const want = this.wanted.has(room);
      const have = this.pending.has(room) || this.confirmed.has(room);
      if (want && !have) {
        this.pending.set(room, gen);
        subs.push(room);
      } else if (!want && have) {
        this.pending.delete(room);
        this.confirmed.delete(room);
        this.release(room);
        unsubs.push(room);
      } else if (want && this.confirmed.has(room)) {
        this.release(room); // closed and reopened within the batch: still subscribed
      }
    }
    this.dirty.clear();
    if (subs.length + unsubs.length === 0) return;
    this.counters.subscriptionBatches++;
    this.counters.roomSubscribes += subs.length;
    this.counters.roomUnsubscribes += unsubs.length;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < unsubs.length; i += MAX_CHANNELS_PER_COMMAND) {
      const chunk = unsubs.slice(i, i + MAX_CHANNELS_PER_COMMAND);
      work.push(this.link.unsubscribe(chunk.map(this.channelOf)).catch(this.onUnsubscribeError));
    }
    for (let i = 0; i < subs.length; i += MAX_CHANNELS_PER_COMMAND) {
      const chunk = subs.slice(i, i + MAX_CHANNELS_PER_COMMAND);
      work.push(
        this.link.subscribe(chunk.map(this.channelOf)).then(
          () => this.confirm(chunk, gen),
          (err: unknown) => this.failed(chunk, gen, err),
        ),
      );
    }
    await Promise.all(work);
  }

  private confirm(rooms: string[], gen: number): void {
    for (const room of rooms) {
      if (this.pending.get(room) !== gen) continue; // superseded by a later UNSUBSCRIBE/SUBSCRIBE
      this.pending.delete(room);
      this.confirmed.add(room);
      this.release(room);
    }
  }

  /** A failed SUBSCRIBE: the room is not subscribed; joins are not held (they cannot be helped). */
  private failed(rooms: string[], gen: number, err: unknown): void {
    this.logger.warn(`[stelar:cluster] subscribing ${rooms.length} room channel(s) failed: ${describe(err)}`);
    for (const room of rooms) {
      if (this.pending.get(room) !== gen) continue;
      this.pending.delete(room);
      this.release(room);
      // Retried on the next change of the room, or when the subscriber reconnects (resync).
    }
  }

  /** After the subscriber reconnected: subscribe again whatever is wanted but not subscribed. */
  resync(): void {
    for (const room of this.wanted) if (!this.pending.has(room) && !this.confirmed.has(room)) this.mark(room);
  }

  private release(room: string): void {
    const w = this.waiters.get(room);
    if (w === undefined) return;
    this.waiters.delete(room);
    this.clock.clearTimeout(w.timer);
    w.resolve();
  }

  private readonly onUnsubscribeError = (err: unknown): void => {
    this.logger.debug(`[stelar:cluster] unsubscribing room channels failed: ${describe(err)}`);
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
