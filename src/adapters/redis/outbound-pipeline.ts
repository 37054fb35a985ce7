/**
 * The bus's outbound side: every delivery to other nodes leaves through here, in publish order.
 *
 * - **Fast path**: Redis up, nothing held, fewer than `maxInFlight` deliveries awaiting their
 *   reply → PUBLISH at once, or, with `batchMax` > 1, packed with the other deliveries of this
 *   event-loop turn to the same channel into one batch envelope (cluster-batch.codec.ts), at
 *   most `batchMax` deliveries and `batchBytes` bytes a batch, published at the end of the turn
 *   (one `setImmediate`, unref'd, cleared by stop()). Order is kept per channel; with
 *   `batchKeepsPublisherOrder` (one Redis: the publisher's order holds across channels) a
 *   delivery to another channel first publishes the open batch, so batches are runs.
 * - **Held** (bounded queue): while Redis is away, slow (in-flight at the cap) or a direct send
 *   ahead is still looking up its client's node, deliveries wait in a FIFO of at most
 *   `maxQueued` entries and `maxBytes` payload bytes. **Drop policy**: when full, the *oldest*
 *   held delivery is dropped (`droppedQueueFull`), so what is sent after an outage is the most
 *   recent traffic; one held longer than `maxAgeMs` is dropped when its turn comes
 *   (`droppedStale`) instead of arriving late.
 * - **Direct sends** (`sendDirect`) look up the client's node in the directory first; later
 *   deliveries wait behind them, so the publish order is kept. An unknown client, or a node
 *   channel nobody listens on (the node died), counts as `undeliverable`.
 * - **Losses are counted**: a publish Redis did not acknowledge (connection lost with it in
 *   flight) counts as `unconfirmed` (it may or may not have arrived; it is never re-sent:
 *   at-most-once). Every drop is also added to `dropped`.
 * - **Stall detection**: publishes in flight and no reply for `stallTimeoutMs` → `onStall()` (the
 *   bus reconnects the link, which fails what was in flight: `unconfirmed`).
 */
import type { Clock } from '../../ports/clock.port';
import { writeDeliverySeq } from './cluster-envelope.codec';
import { BATCH_ENTRY_OVERHEAD, batchHeaderBytes, encodeBatch } from './cluster-batch.codec';

/** Channels whose sequence numbers are remembered; past this the table restarts (receivers rebase). */
const MAX_SEQ_CHANNELS = 65536;

/** What the pipeline needs from the publisher connection. */
export interface PublishLink {
  isUp(): boolean;
  publish(channel: string, message: Buffer): Promise<number>;
}

/** Counters (mutated in place). */
export interface OutboundCounters {
  /** Deliveries Redis acknowledged. */
  published: number;
  /** Every delivery lost on the way out: the sum of the four causes below. */
  dropped: number;
  droppedQueueFull: number;
  droppedStale: number;
  /** Held when the bus stopped. */
  droppedOnStop: number;
  /** Handed to Redis but not acknowledged (connection lost meanwhile). */
  unconfirmed: number;
  /** Direct sends to a client no live node holds. */
  undeliverable: number;
  /** Deliveries held now, and the most ever held. */
  queued: number;
  queuedPeak: number;
  /** Deliveries handed to Redis (or packed in an open batch) and awaiting its reply now. */
  inFlight: number;
  /** Times the link was declared stalled. */
  stalls: number;
  /** Redis publishes carrying deliveries (one per batch). */
  redisPublishes: number;
  /** Deliveries packed in an open batch, waiting for the end of the event-loop turn (counted in `inFlight` too). */
  batchPending: number;
}

/** Pipeline bounds (see the file comment). */
export interface OutboundLimits {
  readonly maxQueued: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  /** Most deliveries awaiting Redis's reply (a batch counts its deliveries). */
  readonly maxInFlight: number;
  readonly stallTimeoutMs: number;
  /** Most deliveries one batch envelope carries; 1 (the default) publishes each alone. */
  readonly batchMax?: number;
  /** Most bytes of one batch envelope (a delivery larger than this goes alone). */
  readonly batchBytes?: number;
  /** Batches are runs of one channel (the publisher's order across channels is kept). Default true. */
  readonly batchKeepsPublisherOrder?: boolean;
}

/** Schedules the end-of-turn flush (tests pass their own). */
export interface TurnScheduler {
  defer(fn: () => void): unknown;
  cancel(handle: unknown): void;
}

const immediateScheduler: TurnScheduler = {
  defer: (fn) => setImmediate(fn).unref(),
  cancel: (h) => clearImmediate(h as NodeJS.Immediate),
};

/** Deliveries to one channel waiting for the end of the turn. */
interface OpenBatch {
  readonly channel: string;
  readonly parts: Buffer[];
  bytes: number;
  readonly at: number;
}

const LOOKUP_NONE = 0;
const LOOKUP_RUNNING = 1;
const LOOKUP_DONE = 2;

interface Held {
  channel: string | null;
  readonly payload: Buffer;
  readonly at: number;
  /** Client id of a direct send (null for room/all deliveries). */
  readonly clientId: string | null;
  lookup: number;
  dropped: boolean;
}

export class OutboundPipeline {
  readonly counters: OutboundCounters = {
    published: 0,
    dropped: 0,
    droppedQueueFull: 0,
    droppedStale: 0,
    droppedOnStop: 0,
    unconfirmed: 0,
    undeliverable: 0,
    queued: 0,
    queuedPeak: 0,
    inFlight: 0,
    stalls: 0,
    redisPublishes: 0,
    batchPending: 0,
  };
  private queue: Held[] = [];
  private head = 0;
  private bytes = 0;
  /** When the in-flight publishes last made progress (a reply, or the first send). */
  private progressAt = 0;
  private stopped = false;
  /** Last sequence number per channel (deliveries are numbered per channel when sent). */
  private readonly seqs = new Map<string, number>();
  /** Open batches by channel, in the order they were opened. */
  private readonly open = new Map<string, OpenBatch>();
  private flushHandle: unknown = undefined;
  private readonly batchMax: number;
  private readonly batchBytes: number;
  private readonly batchKeepsOrder: boolean;

  constructor(
    private readonly link: PublishLink,
    private readonly limits: OutboundLimits,
    private readonly clock: Clock,
    /** The node channel of `clientId`'s node, or null when no node holds it. */
    private readonly lookup: (clientId: string) => Promise<string | null>,
    private readonly onStall: () => void,
    /** Told of every drop (the bus logs once per outage). */
    private readonly onDrop: (why: string) => void,
    private readonly scheduler: TurnScheduler = immediateScheduler,
  ) {
    this.batchMax = limits.batchMax ?? 1;
    this.batchBytes = limits.batchBytes ?? Infinity;
    this.batchKeepsOrder = limits.batchKeepsPublisherOrder ?? true;
  }

  /** Publishes `payload` on `channel`, in order after everything held. */
  send(channel: string, payload: Buffer): void {
    if (this.stopped) return;
    if (this.head === this.queue.length && this.link.isUp() && this.counters.inFlight < this.limits.maxInFlight) {
      if (this.batchMax > 1) this.pack(channel, payload);
      else this.transmit(channel, payload, false);
      return;
    }
    this.flushOpen();
    this.hold({ channel, payload, at: this.clock.now(), clientId: null, lookup: LOOKUP_DONE, dropped: false });
  }

  /** Publishes `payload` to the node holding `clientId` (looked up first), in order. */
  sendDirect(clientId: string, payload: Buffer): void {
    if (this.stopped) return;
    this.flushOpen();
    this.hold({ channel: null, payload, at: this.clock.now(), clientId, lookup: LOOKUP_NONE, dropped: false });
    this.drain();
  }

  /** Sends what is held, as far as Redis and the order allow (call when the link is back). */
  drain(): void {
    if (this.stopped || !this.link.isUp()) return;
    const q = this.queue;
    // Start every pending lookup at once (pipelined); only the head's result gates sending.
    for (let i = this.head; i < q.length; i++) if (q[i].lookup === LOOKUP_NONE) this.startLookup(q[i]);
    const now = this.clock.now();
    while (this.head < q.length && this.counters.inFlight < this.limits.maxInFlight) {
      const e = q[this.head];
      if (e.lookup !== LOOKUP_DONE) break;
      this.shift();
      if (now - e.at > this.limits.maxAgeMs) {
        this.count('droppedStale', 'held longer than outboundMaxAgeMs');
      } else if (e.channel === null) {
        this.counters.undeliverable++;
      } else {
        this.transmit(e.channel, e.payload, e.clientId !== null);
      }
    }
    this.compact();
  }

  /** Called periodically: declares a stall when in-flight publishes get no reply. */
  checkStall(): void {
    if (this.counters.inFlight === 0 || this.stopped) return;
    if (this.clock.now() - this.progressAt < this.limits.stallTimeoutMs) return;
    this.counters.stalls++;
    this.progressAt = this.clock.now(); // one stall per timeout, not one per check
    this.onStall();
  }

  /** Publishes the open batches, drops everything held (counted) and refuses new deliveries. */
  stop(): void {
    this.flushOpen();
    this.stopped = true;
    for (let i = this.head; i < this.queue.length; i++) {
      this.queue[i].dropped = true;
      this.counters.droppedOnStop++;
      this.counters.dropped++;
    }
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
    this.counters.queued = 0;
  }

  private transmit(channel: string, payload: Buffer, direct: boolean): void {
    if (this.counters.inFlight++ === 0) this.progressAt = this.clock.now();
    this.publishOne(channel, payload, direct);
  }

  /** PUBLISH of one delivery already counted in `inFlight`. */
  private publishOne(channel: string, payload: Buffer, direct: boolean): void {
    this.counters.redisPublishes++;
    this.numberNext(channel, payload);
    this.link.publish(channel, payload).then(direct ? this.onDirectAck : this.onAck, this.onFail);
  }

  /** Writes the channel's next sequence number into `payload`. */
  private numberNext(channel: string, payload: Buffer): void {
    const seq = ((this.seqs.get(channel) ?? 0) + 1) >>> 0;
    if (seq === 1 && this.seqs.size >= MAX_SEQ_CHANNELS) this.seqs.clear();
    this.seqs.set(channel, seq);
    writeDeliverySeq(payload, seq);
  }

  /** Adds a fast-path delivery to its channel's open batch (see the file comment). */
  private pack(channel: string, payload: Buffer): void {
    let b = this.open.get(channel);
    if (b === undefined) {
      if (this.batchKeepsOrder && this.open.size > 0) this.flushOpen();
    } else if (b.parts.length >= this.batchMax || b.bytes + BATCH_ENTRY_OVERHEAD + payload.byteLength > this.batchBytes) {
      this.open.delete(channel);
      this.transmitBatch(b);
      b = undefined;
    }
    if (b === undefined) {
      b = { channel, parts: [], bytes: batchHeaderBytes(payload), at: this.clock.now() };
      this.open.set(channel, b);
    }
    b.parts.push(payload);
    b.bytes += BATCH_ENTRY_OVERHEAD + payload.byteLength;
    // In flight from here (so maxInFlight bounds open batches too, and every delivery is counted
    // once: published + dropped + undeliverable + queued + inFlight = sent).
    if (this.counters.inFlight++ === 0) this.progressAt = this.clock.now();
    this.counters.batchPending++;
    if (this.flushHandle === undefined) this.flushHandle = this.scheduler.defer(this.onTurnEnd);
  }

  private readonly onTurnEnd = (): void => {
    this.flushHandle = undefined;
    this.flushOpen();
  };

  /**
   * Publishes every open batch, in the order they were opened; while Redis is away their
   * deliveries are held instead (the queue is empty whenever a batch is open, so they go first).
   */
  private flushOpen(): void {
    if (this.flushHandle !== undefined) {
      this.scheduler.cancel(this.flushHandle);
      this.flushHandle = undefined;
    }
    if (this.open.size === 0) return;
    const up = this.link.isUp();
    for (const b of this.open.values()) {
      if (up) this.transmitBatch(b);
      else {
        this.counters.batchPending -= b.parts.length;
        this.counters.inFlight -= b.parts.length;
        for (const p of b.parts) this.hold({ channel: b.channel, payload: p, at: b.at, clientId: null, lookup: LOOKUP_DONE, dropped: false });
      }
    }
    this.open.clear();
  }

  /** One Redis publish for a batch (a batch of one goes as the plain delivery envelope). */
  private transmitBatch(b: OpenBatch): void {
    const n = b.parts.length;
    this.counters.batchPending -= n;
    if (n === 1) return this.publishOne(b.channel, b.parts[0], false);
    this.counters.redisPublishes++;
    for (const p of b.parts) this.numberNext(b.channel, p);
    this.link.publish(b.channel, encodeBatch(b.parts, b.bytes)).then(
      () => {
        this.counters.inFlight -= n - 1;
        this.counters.published += n - 1;
        this.onAck();
      },
      () => {
        this.counters.inFlight -= n - 1;
        for (let i = 1; i < n; i++) this.count('unconfirmed', 'Redis did not acknowledge a publish');
        this.onFail();
      },
    );
  }

  private readonly onAck = (): void => {
    this.progress();
    this.counters.published++;
    if (this.head < this.queue.length) this.drain();
  };

  private readonly onDirectAck = (receivers: number): void => {
    this.progress();
    if (receivers > 0) this.counters.published++;
    else this.counters.undeliverable++;
    if (this.head < this.queue.length) this.drain();
  };

  private readonly onFail = (): void => {
    this.progress();
    this.count('unconfirmed', 'Redis did not acknowledge a publish');
    if (this.head < this.queue.length) this.drain();
  };

  private progress(): void {
    this.counters.inFlight--;
    this.progressAt = this.clock.now();
  }

  private hold(e: Held): void {
    this.queue.push(e);
    this.bytes += e.payload.byteLength;
    const c = this.counters;
    while (this.queue.length - this.head > this.limits.maxQueued || this.bytes > this.limits.maxBytes) {
      const old = this.shift();
      old.dropped = true;
      this.count('droppedQueueFull', 'the outbound queue is full (Redis away or slow)');
    }
    c.queued = this.queue.length - this.head;
    if (c.queued > c.queuedPeak) c.queuedPeak = c.queued;
  }

  private shift(): Held {
    const e = this.queue[this.head];
    this.queue[this.head++] = undefined as unknown as Held;
    this.bytes -= e.payload.byteLength;
    this.counters.queued = this.queue.length - this.head;
    return e;
  }

  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private startLookup(e: Held): void {
    e.lookup = LOOKUP_RUNNING;
    this.lookup(e.clientId!).then(
      (channel) => {
        e.channel = channel;
        e.lookup = LOOKUP_DONE;
        if (!e.dropped) this.drain();
      },
      () => {
        // Redis failed the lookup: going away → look up again once it is back; else give up
        // (counted as undeliverable when its turn comes).
        e.lookup = this.link.isUp() ? LOOKUP_DONE : LOOKUP_NONE;
        if (!e.dropped) this.drain();
      },
    );
  }

  private count(reason: 'droppedQueueFull' | 'droppedStale' | 'unconfirmed', why: string): void {
    this.counters.dropped++;
    this.counters[reason]++;
    this.onDrop(why);
  }
}
