/**
 * {@link StreamStore} on Redis Streams (cluster mode with `recovery` on; docs/CLUSTER.md,
 * "Session recovery in a cluster").
 *
 * - **Shared streams** (each room, and broadcasts) are appended by whichever node publishes,
 *   with one Lua script (recovery-scripts.ts `DISTRIBUTE_LUA`, as Centrifugo does): it takes the
 *   next offset from the stream's meta hash, writes it and the epoch into the delivery's
 *   envelope, `XADD … MAXLEN ~ historySize` and PUBLISHes (SPUBLISH when sharded) the envelope
 *   on the room's (or the broadcast) channel. Redis runs the script atomically, so offset order,
 *   history order and channel order are one order for the whole cluster; every node with
 *   members, the publisher too, delivers the message from the channel with its position.
 * - **A session's direct stream** has one writer, the node holding its connection (the session
 *   record's holder field `h`): it numbers the messages itself (synchronously, no round trip
 *   before the send) and writes them behind (`XADD` at that offset, fire and forget, ordered on
 *   the one connection; refused once the record names another holder). A direct message to a
 *   session no connection holds (the client is away) is appended by the sender with one script
 *   that also decides, atomically with `h`, whether to forward it to the holder instead
 *   ({@link sendAway}, `DIRECT_AWAY_LUA`). Binary messages are stored as bytes (fields `e`,
 *   `b`, `m`), so they replay as binary.
 * - **A gap**: a room message or broadcast delivered while Redis was unreachable (locally,
 *   without a position) is in no history. The stream is marked and gets a new epoch as soon as
 *   Redis answers again (before any later write of this node: one connection, in order), so a
 *   resume from a position before the gap answers `'epoch'` instead of succeeding without it.
 * - **Reads** (a resume) check the meta epoch, then read exactly the missed range (`XRANGE …
 *   COUNT n`, never more than `historySize`): a missing meta hash (flush, eviction) is `'epoch'`,
 *   a trimmed or aged entry `'history'`, a failed or slow command `'unavailable'`.
 */
import type { ClusterDelivery } from '../../ports/cluster-bus.port';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { AwayResult, StreamEntry, StreamPosition, StreamRead, StreamStore } from '../../ports/stream-store.port';
import { MessageType, type BinaryMeta, type StelarMessage } from '../../domain/message';
import { randomEpoch } from '../memory/memory-stream-store.adapter';
import { BusChannels } from './bus-channels';
import { EnvelopeType, decodeEnvelope, encodeDelivery, positionSlotIndex } from './cluster-envelope.codec';
import type { RecoveryRedisLink } from './recovery-redis.link';

/** Bounds of the stream store (the `recovery` option). */
export interface RedisStreamStoreLimits {
  readonly historySize: number;
  readonly windowMs: number;
}

/** Meta hashes outlive idle streams this long (a room silent for longer gets a new epoch). */
export const META_TTL_MS = 86_400_000;

/** Most streams marked as gapped at once (one entry per room published into during an outage). */
export const MAX_GAPS = 100_000;

/** What a distribute did not get confirmed (for tests and the logs). */
export interface RedisStreamStoreCounters {
  /** Deliveries appended and published by the script. */
  distributed: number;
  /** Not sent: Redis unreachable (the caller delivered them without a position). */
  notSent: number;
  /** Sent but not confirmed (timeout, lost connection): may or may not have been appended. */
  unconfirmed: number;
  /** Direct-stream writes that failed. */
  directFailed: number;
  /** Direct messages appended while their session was away. */
  awayRecorded: number;
  /** Streams given a new epoch after a gap (a delivery that is in no history). */
  gapsClosed: number;
  /** Gaps that could not be marked (more than MAX_GAPS streams in one outage): documented limit. */
  gapsUnmarked: number;
}

const PLACEHOLDER = Object.freeze({ offset: 0, epoch: '00000000' });
const EPOCH: StreamRead = Object.freeze({ ok: false, reason: 'epoch' }) as StreamRead;
const HISTORY: StreamRead = Object.freeze({ ok: false, reason: 'history' }) as StreamRead;
const UNAVAILABLE: StreamRead = Object.freeze({ ok: false, reason: 'unavailable' }) as StreamRead;
const NONE: readonly StreamEntry[] = Object.freeze([]) as readonly StreamEntry[];
const NOT_SENT: Promise<boolean> = Promise.resolve(false);

interface DirectStream {
  readonly epoch: string;
  top: number;
}

export class RedisStreamStore implements StreamStore {
  readonly distributes = true;
  readonly counters: RedisStreamStoreCounters = { distributed: 0, notSent: 0, unconfirmed: 0, directFailed: 0, awayRecorded: 0, gapsClosed: 0, gapsUnmarked: 0 };
  /** Direct streams this node writes (its connected sessions'), with their epoch and top. */
  private readonly direct = new Map<string, DirectStream>();
  /** Shared streams with a delivery that is in no history (Redis was down): new epoch when it is back. */
  private readonly gaps = new Set<string>();
  private readonly channels: BusChannels;
  private readonly streamTtl: number;
  private readonly metaTtl: number;
  private timer: TimerHandle | null = null;
  /** The last direct send in progress per away session (bounded by the sessions being sent to). */
  private readonly awayChains = new Map<string, Promise<AwayResult>>();

  constructor(
    private readonly link: RecoveryRedisLink,
    private readonly limits: RedisStreamStoreLimits,
    /** Origin of the envelopes the script publishes: never a node id, so no node skips them as its own. */
    private readonly origin: string,
    private readonly clock: Clock,
    private readonly newEpoch: () => string = randomEpoch,
    /** This node's id (the session records' holder field); '' does not check the holder (tests of the store alone). */
    private readonly nodeId: string = '',
  ) {
    if (!(limits.historySize >= 1)) throw new RangeError('historySize must be ≥ 1');
    this.channels = new BusChannels(link.prefix);
    this.streamTtl = limits.windowMs * 2;
    this.metaTtl = Math.max(META_TTL_MS, limits.windowMs * 2);
    link.onReady(this.closeGaps);
  }

  /** Keeps the direct streams of held sessions from expiring (unref'd timer, every windowMs). */
  start(): void {
    if (this.timer === null) this.timer = this.clock.setInterval(this.refresh, Math.min(this.limits.windowMs, 3_600_000));
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    this.direct.clear();
    this.gaps.clear();
  }

  // ------------------------------------------------------------------ shared streams

  /** Encodes synchronously (a caller mistake, e.g. an over-long event name, throws to the caller, as the bus's publish does). */
  distribute(delivery: ClusterDelivery, now: number): Promise<boolean> {
    const t = delivery.target;
    if (t.kind === 'client') return NOT_SENT;
    const envelope = encodeDelivery(this.origin, { ...delivery, pos: PLACEHOLDER });
    const stream = t.kind === 'room' ? '#' + t.room : '*';
    if (!this.link.ready) {
      this.counters.notSent++;
      // The caller delivers it locally without a position: the stream's history has a hole.
      if (this.gaps.size < MAX_GAPS || this.gaps.has(stream)) this.gaps.add(stream);
      else this.counters.gapsUnmarked++;
      return NOT_SENT;
    }
    const [streamKey, metaKey] = this.link.streamKeys(stream);
    const channel = t.kind === 'room' ? this.channels.room(t.room) : this.channels.all;
    const slot = positionSlotIndex(envelope);
    return this.link
      .run(
        'stelarDistribute', streamKey, metaKey,
        this.newEpoch(), this.limits.historySize, this.streamTtl, this.metaTtl,
        this.link.sharded ? 'spublish' : 'publish', channel, envelope, slot, now,
      )
      .then(this.onDistributed, this.onUnconfirmed);
  }

  private readonly onDistributed = (): boolean => {
    this.counters.distributed++;
    return true;
  };

  /** It may have run (timeout, connection lost after the write): never delivered twice. */
  private readonly onUnconfirmed = (err: unknown): boolean => {
    this.counters.unconfirmed++;
    this.link.noteFailure('publish', err);
    return true;
  };

  // ------------------------------------------------------------------ StreamStore

  /** Direct streams only (their one writer numbers them); shared streams go through {@link distribute}. */
  append(stream: string, message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StreamEntry {
    const d = this.direct.get(stream) ?? this.create(stream);
    const offset = ++d.top;
    const entry: StreamEntry = { offset, seq: now, at: now, message, exclude, exclude2 };
    const [streamKey, metaKey] = this.link.streamKeys(stream);
    if (!this.link.ready) {
      this.counters.directFailed++;
      return entry;
    }
    this.link
      .run(
        'stelarAppendDirect', streamKey, metaKey, this.link.sessionKey(stream.slice(1)),
        d.epoch, offset, this.limits.historySize, this.streamTtl, this.metaTtl, now, this.nodeId, ...entryFields(message),
      )
      .catch(this.onDirectFailure);
    return entry;
  }

  /**
   * A direct message to session `sessionId`, whose connection is not on this node: forwarded to
   * the node holding it, or appended to its direct stream while it is away (one script decides,
   * atomically with the record's holder field). `notHere`: this node was named the holder but
   * has no connection for it any more (it dropped as the message crossed). A holder whose node
   * channel has no subscriber (the node died) is cleared and the message appended.
   */
  sendAway(sessionId: string, message: StelarMessage, now: number, notHere = false): Promise<AwayResult> {
    // One at a time per session, so a deaf holder's retry never lets a later message overtake.
    const prev = this.awayChains.get(sessionId);
    const run = (): Promise<AwayResult> => this.sendAwayNow(sessionId, message, now, notHere);
    const p = prev === undefined ? run() : prev.then(run);
    this.awayChains.set(sessionId, p);
    void p.then(() => {
      if (this.awayChains.get(sessionId) === p) this.awayChains.delete(sessionId);
    });
    return p;
  }

  private async sendAwayNow(sessionId: string, message: StelarMessage, now: number, notHere: boolean): Promise<AwayResult> {
    if (!this.link.ready) return 'failed';
    const stream = '@' + sessionId;
    const [streamKey, metaKey] = this.link.streamKeys(stream);
    const fields = entryFields(message);
    let gone = notHere ? this.nodeId : '';
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = (await this.link.run(
          'stelarDirectAway', streamKey, metaKey, this.link.sessionKey(sessionId),
          gone, this.limits.historySize, this.streamTtl, this.metaTtl, now, ...fields,
        )) as [number, string?, string?];
        if (r[0] === 0) return 'none';
        if (r[0] === 2) {
          this.counters.awayRecorded++;
          return 'recorded';
        }
        const holder = String(r[1]);
        const envelope = encodeDelivery(this.origin, awayDelivery(sessionId, message));
        if ((await this.link.publish(this.channels.node(holder), envelope)) > 0) return 'forwarded';
        gone = holder; // nobody listens on its channel: that node is gone
      }
      return 'failed';
    } catch (err) {
      this.counters.directFailed++;
      this.link.noteFailure('direct send', err);
      return 'failed';
    }
  }

  position(stream: string, _now: number): StreamPosition | Promise<StreamPosition> {
    if (stream.charCodeAt(0) === 0x40 /* @ */) {
      const d = this.direct.get(stream) ?? this.create(stream);
      return { offset: d.top, epoch: d.epoch };
    }
    const [streamKey, metaKey] = this.link.streamKeys(stream);
    return (this.link.run('stelarPosition', streamKey, metaKey, this.newEpoch(), this.metaTtl) as Promise<[string, string]>).then(
      ([epoch, top]) => ({ offset: Number(top), epoch }),
    );
  }

  epochOf(stream: string): string | undefined {
    return this.direct.get(stream)?.epoch;
  }

  async read(stream: string, after: StreamPosition, now: number): Promise<StreamRead> {
    const [streamKey, metaKey] = this.link.streamKeys(stream);
    if (!this.link.ready) return UNAVAILABLE;
    try {
      const [epoch, topText] = await this.link.client.hmget(metaKey, 'e', 's');
      if (epoch === null || topText === null || epoch !== after.epoch) return EPOCH;
      const top = Number(topText);
      if (after.offset > top) return EPOCH; // a position this incarnation never gave out
      const n = top - after.offset;
      if (n > this.limits.historySize) return HISTORY;
      let entries: readonly StreamEntry[] = NONE;
      if (n > 0) {
        const rows = await this.link.client.xrangeBuffer(streamKey, `${after.offset + 1}-0`, `${top}-0`, 'COUNT', n);
        // A missing entry (trimmed by MAXLEN, or the stream expired): never a partial replay.
        if (rows.length !== n) return HISTORY;
        const list: StreamEntry[] = [];
        const oldest = now - this.limits.windowMs;
        for (const row of rows) {
          const e = parseEntry(row);
          if (e === null || e.offset !== after.offset + list.length + 1 || e.at < oldest) return HISTORY;
          list.push(e);
        }
        entries = list;
      }
      // The resuming node becomes the direct stream's writer: it continues the numbering.
      if (stream.charCodeAt(0) === 0x40) this.direct.set(stream, { epoch, top });
      return { ok: true, epoch, top, entries };
    } catch (err) {
      this.link.noteFailure('history read', err);
      return UNAVAILABLE;
    }
  }

  delete(stream: string): void {
    this.direct.delete(stream);
    if (!this.link.ready) return;
    this.link.client.del(...this.link.streamKeys(stream)).catch(this.onDirectFailure);
  }

  /**
   * Redis trims (MAXLEN) and expires (TTL) by itself; this node forgets the direct streams it no
   * longer writes (sessions suspended or resumed elsewhere), so `direct` stays bounded by its
   * connected sessions.
   */
  sweep(_now: number, keep: (stream: string) => boolean): void {
    for (const name of this.direct.keys()) if (!keep(name)) this.direct.delete(name);
  }

  /** Direct streams this node writes. */
  get streamCount(): number {
    return this.direct.size;
  }

  /** Entries live in Redis, not in this process. */
  get entryCount(): number {
    return 0;
  }

  /** A new direct stream (a new session): a fresh epoch, old entries dropped. */
  private create(stream: string): DirectStream {
    const d: DirectStream = { epoch: this.newEpoch(), top: 0 };
    this.direct.set(stream, d);
    if (this.link.ready) this.link.run('stelarReset', ...this.link.streamKeys(stream), d.epoch, this.metaTtl).catch(this.onDirectFailure);
    else this.counters.directFailed++;
    return d;
  }

  /** Redis answers again: each gapped stream starts a new incarnation (entries dropped, new epoch). */
  private readonly closeGaps = (): void => {
    for (const stream of this.gaps) {
      this.link.run('stelarReset', ...this.link.streamKeys(stream), this.newEpoch(), this.metaTtl).then(
        () => {
          this.gaps.delete(stream);
          this.counters.gapsClosed++;
        },
        // Still down (or slow): the mark stays for the next time Redis is ready.
        (err: unknown) => this.link.noteFailure('epoch reset', err),
      );
    }
  };

  private readonly refresh = (): void => {
    if (!this.link.ready) return;
    for (const stream of this.direct.keys()) {
      const [, metaKey] = this.link.streamKeys(stream);
      this.link.client.pexpire(metaKey, this.metaTtl).catch(this.onDirectFailure);
    }
  };

  private readonly onDirectFailure = (err: unknown): void => {
    this.counters.directFailed++;
    this.link.noteFailure('history write', err);
  };
}

/** One XRANGE row: `[id, [field, value, …]]` → the entry, or null when malformed. */
function parseEntry(row: [Buffer, Buffer[]]): StreamEntry | null {
  const offset = Number.parseInt(row[0].toString('latin1'), 10);
  const fields = row[1];
  let message: StelarMessage | null = null;
  let at = NaN;
  let exclude: string | undefined;
  let exclude2: string | undefined;
  let event: string | null = null;
  let bytes: Buffer | null = null;
  let meta: BinaryMeta | undefined;
  try {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const f = fields[i].toString('latin1');
      if (f === 't') at = Number(fields[i + 1].toString('latin1'));
      else if (f === 'e') event = fields[i + 1].toString('utf8');
      else if (f === 'b') bytes = fields[i + 1];
      else if (f === 'm') meta = JSON.parse(fields[i + 1].toString('utf8')) as BinaryMeta;
      else if (f === 'j') message = JSON.parse(fields[i + 1].toString('utf8')) as StelarMessage;
      else if (f === 'v') {
        const env = decodeEnvelope(fields[i + 1]);
        if (env.type !== EnvelopeType.Delivery) return null;
        const d = env.delivery;
        message = { type: MessageType.Event, event: d.event, data: d.data };
        exclude = d.excludeId;
        exclude2 = d.exclude2;
      }
    }
  } catch {
    return null;
  }
  if (event !== null && bytes !== null) message = { type: MessageType.Binary, event, bytes: new Uint8Array(bytes), meta };
  if (message === null || !Number.isSafeInteger(offset) || !Number.isFinite(at)) return null;
  return { offset, seq: at, at, message, exclude, exclude2 };
}

/** The entry fields of a direct message for the direct scripts: JSON, or binary as bytes (replays as binary). */
function entryFields(message: StelarMessage): (string | Buffer)[] {
  if (message.type !== MessageType.Binary) return ['j', JSON.stringify(message), '', ''];
  const b = message.bytes;
  const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return ['b', message.event, bytes, message.meta === undefined ? '' : JSON.stringify(message.meta)];
}

/** The delivery of a forwarded direct message (to the client `clientId` on its holder node). */
function awayDelivery(clientId: string, message: StelarMessage): ClusterDelivery {
  const target = { kind: 'client', clientId } as const;
  if (message.type === MessageType.Binary) return { target, event: message.event, bytes: message.bytes, meta: message.meta };
  return { target, event: (message as { event: string }).event, data: (message as { data?: unknown }).data };
}
