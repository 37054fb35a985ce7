import type { OutboundMessage, Protocol } from '../../ports/connection.port';
import type { Logger } from '../../ports/logger.port';
import { ClientState, type ClientRecord } from '../client-record';
import type { CodecRegistry } from '../codec-registry';
import { StelarErrorCode } from '../errors';
import { errorMessage } from '../hook-runner.service';
import type { StelarMessage } from '../message';
import { ServerCounters, type TrafficCounters } from '../metrics/server-counters';
import { MAX_HELD_MESSAGES } from '../recovery/session-admission';
import type { ServerLimits } from '../server-limits';

/** Options of a fan-out send. */
export interface SendOptions {
  /** Skipped (and counted) for a client whose send buffer is over `maxBufferedBytes`. */
  readonly volatile?: boolean;
  /** A second id to skip besides `excludeId` (ctx.broadcast: the sender and the caller's id). */
  readonly alsoExclude?: string;
  /**
   * Further recipients to skip (the broadcast builder's `except`, the rooms a several-room send
   * already covered). Absent on every other path, which then compares at most two ids.
   */
  readonly except?: RecipientFilter;
}

/** Extra exclusions of a fan-out: true for a recipient that must not get the message. */
export interface RecipientFilter {
  excludes(record: ClientRecord): boolean;
}

/** Reason used when a slow consumer is closed. */
export const SLOW_CONSUMER_REASON = 'slow consumer';

/** Code of the error a slow consumer gets in its close reason (for logs and docs). */
export const SLOW_CONSUMER_CODE = StelarErrorCode.SlowConsumer;

/**
 * Writes to connections: one message to many (fan-out) and one already-encoded message to one
 * (`write`), and the backpressure rule both follow. A fan-out encodes the message once per
 * protocol, lazily (only for protocols that have a recipient), and hands the same
 * OutboundMessage to every connection so the transport can also frame it once.
 * Counts `messagesSent` per client and in total (a broadcast to N counts N).
 *
 * The backpressure policy, one for every transport: the bound applies to what a connection
 * already buffers. A message is written when the connection's `bufferedAmount` is at most
 * `maxBufferedBytes`, whatever its own size (so one large answer below `maxPayloadSize` is
 * delivered); over the bound, a volatile message is skipped (counted in `volatileSkipped`) and
 * any other one drops the client as a slow consumer, with one `slow consumer` log line. Memory
 * per connection is therefore bounded by `maxBufferedBytes` plus one message (plus the
 * kernel's socket buffers). Direct sends (answers, replies, Connect and Error messages) follow
 * the same rule as fan-out sends.
 */
export class FanOutService {
  /** Messages written since start (StelarStats.totalMessagesSent). */
  sent = 0;
  /** Volatile messages skipped since start because their client was over `maxBufferedBytes`. */
  skipped = 0;

  constructor(
    private readonly codecs: CodecRegistry,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
    private readonly counters: ServerCounters = new ServerCounters(),
  ) {}

  /** Encodes `message` for one transport (throws on an unencodable message). */
  encode(protocol: Protocol, message: StelarMessage): OutboundMessage {
    return this.codecs.get(protocol).encode(message);
  }

  /**
   * Writes `message` to every Open recipient of `targets` but the excluded ones; sessions get
   * `positioned` (when not null). Returns how many it was written to.
   */
  fanOut(
    targets: Iterable<ClientRecord>,
    message: StelarMessage,
    positioned: StelarMessage | null,
    excludeId: string | undefined,
    options: SendOptions | undefined,
  ): number {
    // One encoding per protocol (and per form: session records get the positioned message, the
    // same object for all of them, under their `positionedKey`), made on its first recipient. Two slots cover the usual mix
    // (WebSocket + TCP) without allocating; a third protocol in the same fan-out gets a Map.
    // Slot keys: a plain message's is the recipient's traffic counters (one object per protocol,
    // so a key compare is a pointer compare), a positioned one's its `positionedKey` string.
    let p1: unknown = null;
    let out1: OutboundMessage | null = null;
    let p2: unknown = null;
    let out2: OutboundMessage | null = null;
    let more: Map<unknown, OutboundMessage> | null = null;
    // Deliveries per slot: the totals and the per-transport traffic counters (one object per
    // protocol, shared by its clients) are added once per fan-out, not once per recipient.
    let n1 = 0;
    let n2 = 0;
    let t1: TrafficCounters | null = null;
    let t2: TrafficCounters | null = null;
    let nMore = 0;
    const cap = this.limits.maxBufferedBytes;
    const checkRoom = cap > 0;
    const volatile = options?.volatile === true;
    const also = options?.alsoExclude;
    const except = options?.except;
    // Most fan-outs exclude nobody (server.to): no id compare per recipient then.
    const excludes = excludeId !== undefined || also !== undefined;
    // No snapshot needed: a transport that reports onClose synchronously from close() deletes
    // entries during this loop, and Map/Set iteration tolerates deletion. An encoding error
    // (caller mistake) propagates; every codec encodes the same JSON, so it surfaces on the
    // first recipient.
    for (const r of targets) {
      if (r.state !== ClientState.Open || (excludes && (r.id === excludeId || r.id === also))) continue;
      if (except !== undefined && except.excludes(r)) continue;
      const conn = r.conn;
      if (!conn.isOpen) continue;
      // The slow-consumer rule of hasRoom(), inline: this runs once per recipient.
      if (checkRoom && conn.bufferedAmount > cap) {
        if (volatile) this.skipped++;
        else this.dropSlowConsumer(r);
        continue;
      }
      const pos = positioned !== null && r.session !== null;
      const p: unknown = pos ? r.positionedKey : r.traffic;
      if (p === p1) {
        if (this.deliver(r, out1!)) n1++;
      } else if (p1 === null) {
        p1 = p;
        t1 = r.traffic;
        out1 = this.encode(r.protocol, pos ? positioned! : message);
        if (this.deliver(r, out1)) n1++;
      } else if (p === p2) {
        if (this.deliver(r, out2!)) n2++;
      } else if (p2 === null) {
        p2 = p;
        t2 = r.traffic;
        out2 = this.encode(r.protocol, pos ? positioned! : message);
        if (this.deliver(r, out2)) n2++;
      } else {
        more ??= new Map();
        let o = more.get(p);
        if (o === undefined) more.set(p, (o = this.encode(r.protocol, pos ? positioned! : message)));
        // (write() counts these one by one)
        if (this.write(r, o)) nMore++;
      }
    }
    if (n1 > 0) addTraffic(t1!, n1, out1!);
    if (n2 > 0) addTraffic(t2!, n2, out2!);
    const count = n1 + n2 + nMore;
    this.sent += n1 + n2;
    this.counters.broadcasts++;
    this.counters.deliveries += count;
    return count;
  }

  /**
   * One fan-out delivery, without the buffer check: {@link write} minus the totals and the
   * traffic counters, which fanOut adds once for all recipients of a slot.
   */
  private deliver(record: ClientRecord, out: OutboundMessage): boolean {
    try {
      record.conn.send(out);
    } catch (err) {
      this.logger.warn(`send to ${record.id} failed: ${errorMessage(err)}`);
      return false;
    }
    record.info.messagesSent++;
    return true;
  }

  /**
   * The slow-consumer rule (see the class comment): true when `record` may be written to;
   * otherwise skips a volatile message or drops the client, and returns false.
   */
  hasRoom(record: ClientRecord, volatile: boolean): boolean {
    const cap = this.limits.maxBufferedBytes;
    if (!(cap > 0) || record.conn.bufferedAmount <= cap) return true;
    if (volatile) this.skipped++;
    else this.dropSlowConsumer(record);
    return false;
  }

  /** Writes an already-encoded message, without the buffer check; counts it. */
  write(record: ClientRecord, out: OutboundMessage): boolean {
    const held = record.held;
    if (held !== null) return this.hold(record, held, out);
    if (!this.deliver(record, out)) return false;
    this.sent++;
    const t = record.traffic;
    t.messagesOut++;
    t.bytesOut += out.payload.byteLength;
    return true;
  }

  /** A resume over a networked store is reading the history: kept for after the missed messages (bounded). */
  private hold(record: ClientRecord, held: OutboundMessage[], out: OutboundMessage): boolean {
    if (held.length >= MAX_HELD_MESSAGES) {
      record.held = null;
      this.dropSlowConsumer(record);
      return false;
    }
    held.push(out);
    return true;
  }

  /**
   * A client over `maxBufferedBytes` is dropped at once: a close frame or Disconnect would queue
   * behind the very backlog it is not reading, so a polite close would keep its memory until the
   * close timeout. The peer sees an abnormal close (1006); the transport reports the close and
   * the usual cleanup runs. Logged once per client (it is Closing afterwards).
   */
  private dropSlowConsumer(r: ClientRecord): void {
    if (r.state >= ClientState.Closing) return;
    this.counters.slowConsumersDropped++;
    this.logger.warn(
      {
        clientId: r.id,
        ip: r.info.remoteAddress,
        protocol: r.protocol,
        bufferedBytes: r.conn.bufferedAmount,
        maxBufferedBytes: this.limits.maxBufferedBytes,
        code: SLOW_CONSUMER_CODE,
      },
      `${SLOW_CONSUMER_REASON}: dropping ${r.id} (${r.conn.bufferedAmount} bytes buffered)`,
    );
    r.state = ClientState.Closing;
    r.inbox = null;
    r.conn.terminate();
  }
}

/** `n` deliveries of `out` on one transport's shared traffic counters. */
function addTraffic(t: TrafficCounters, n: number, out: OutboundMessage): void {
  t.messagesOut += n;
  t.bytesOut += n * out.payload.byteLength;
}
