import type { Clock } from '../ports/clock.port';
import type { OutboundMessage, Protocol } from '../ports/connection.port';
import type { Logger } from '../ports/logger.port';
import { ClientState, type ClientRecord } from './client-record';
import type { ClientRegistry } from './client-registry.service';
import { CloseCode, StelarErrorCode } from './errors';
import type { HookRunner } from './hook-runner.service';
import { errorMessage } from './hook-runner.service';
import { MessageType, type StelarMessage } from './message';
import type { RoomRegistry } from './room-registry.service';
import type { CodecRegistry } from './codec-registry';
import type { ServerLimits } from './server-limits';
import type { RecoveryService } from './recovery/recovery.service';
import { MAX_HELD_MESSAGES } from './recovery/session-admission';
import type { StoredSession } from '../ports/session-store.port';
import { ServerCounters, type TrafficCounters } from './metrics/server-counters';

/** Options of a fan-out send. */
export interface SendOptions {
  /** Skipped (and counted) for a client whose send buffer is over `maxBufferedBytes`. */
  readonly volatile?: boolean;
  /** A second id to skip besides `excludeId` (ctx.broadcast: the sender and the caller's id). */
  readonly alsoExclude?: string;
}

/** Reason used when a slow consumer is closed. */
export const SLOW_CONSUMER_REASON = 'slow consumer';

/**
 * Every server → client message goes through here. Fan-out sends encode the message once per
 * protocol, lazily (only for protocols that have a recipient), and hand the same
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
export class MessageSender {
  private sent = 0;
  private skipped = 0;

  constructor(
    private readonly codecs: CodecRegistry,
    private readonly clients: ClientRegistry,
    private readonly rooms: RoomRegistry,
    private readonly hooks: HookRunner,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
    private readonly counters: ServerCounters = new ServerCounters(),
    /** Session recovery (null or disabled: messages are not recorded nor positioned). */
    private readonly recovery: RecoveryService | null = null,
    private readonly clock: Clock | null = null,
  ) {}

  /** True when sends are recorded in streams (recovery on). */
  private get recording(): boolean {
    return this.recovery !== null && this.recovery.enabled;
  }

  private now(): number {
    return this.clock === null ? Date.now() : this.clock.now();
  }

  /** Messages written since start (StelarStats.totalMessagesSent). */
  get totalSent(): number {
    return this.sent;
  }

  /** Volatile messages skipped since start because their client was over `maxBufferedBytes`. */
  get volatileSkipped(): number {
    return this.skipped;
  }

  /** Encodes `message` for one transport (throws on an unencodable message). */
  encode(protocol: Protocol, message: StelarMessage): OutboundMessage {
    return this.codecs.get(protocol).encode(message);
  }

  /**
   * Sends one message to one client (also while its admission is running, e.g. the Connect
   * message or a middleware's reply). False when the client is closing or gone. A message the
   * codec cannot encode (e.g. cyclic data) is a caller mistake: the codec's error is thrown
   * synchronously and nothing is sent.
   */
  sendTo(record: ClientRecord, message: StelarMessage): boolean {
    if (record.state >= ClientState.Closing || !record.conn.isOpen) return false;
    // The fan-out rule for one recipient too (answers, pongs, direct sends): a peer that does
    // not read what it asks for cannot make the server hold more than maxBufferedBytes.
    const out = this.encode(record.protocol, message);
    return this.hasRoom(record, false) && this.write(record, out);
  }

  /**
   * Sends to a registered client by id; false when it is not connected here. With recovery the
   * message is also recorded in the session's direct stream, so a suspended session gets it on
   * resume (still false: it is not delivered now).
   */
  toId(id: string, message: StelarMessage): boolean {
    const positioned = this.recording ? this.recovery!.recordDirect(id, message, this.now()) : null;
    const record = this.clients.get(id);
    if (record === undefined) return false;
    return this.sendTo(record, positioned !== null && record.session !== null ? positioned : message);
  }

  /**
   * A direct message to one client (`ctx.emit`, `ctx.ack` pushes): like sendTo, but recorded in
   * the client's direct stream when it holds a session.
   */
  sendDirect(record: ClientRecord, message: StelarMessage): boolean {
    if (record.session === null || !this.recording) return this.sendTo(record, message);
    const positioned = this.recovery!.recordDirect(record.id, message, this.now());
    return this.sendTo(record, positioned ?? message);
  }

  /**
   * The answer to a request. Without a session it is sendTo. With one (recovery on), an answer
   * with object data is first encoded as it is (an unencodable one throws before anything is recorded),
   * then recorded in the session's direct stream and cached under the request's sequence
   * number, and sent to the connection that holds the session now: the requester's, or the one
   * that resumed it after a drop (false while the session is suspended: the resume replays it).
   */
  answer(record: ClientRecord, request: { readonly session: StoredSession | null; readonly seq: number }, message: StelarMessage): boolean {
    const session = request.session;
    if (session === null || !this.recording) return this.sendTo(record, message);
    // Data that may not encode (objects, BigInt) is tried first: nothing unencodable is recorded.
    const data = (message as { data?: unknown }).data;
    if ((typeof data === 'object' && data !== null) || typeof data === 'bigint') this.encode(record.protocol, message);
    const positioned = this.recovery!.recordAnswer(session, request.seq, message, this.now());
    const target = record.session === session ? record : this.clients.get(session.id);
    if (target === undefined || target.session !== session) return false;
    return this.sendTo(target, positioned ?? message);
  }

  /**
   * Sends to every connected client except `excludeId`. `onBeforeBroadcast` returning false
   * cancels it (returns -1). Otherwise returns how many clients it was written to.
   */
  broadcast(message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    if (!this.allowsBroadcast(message, excludeId)) return -1;
    return this.deliverToAll(message, excludeId, options);
  }

  /** `onBeforeBroadcast` (if set) lets this broadcast go. */
  allowsBroadcast(message: StelarMessage, excludeId?: string): boolean {
    if (!this.hooks.has('onBeforeBroadcast')) return true;
    const info = broadcastInfo(message, excludeId);
    return info === null || this.hooks.call('onBeforeBroadcast', info);
  }

  /**
   * Session recovery in a cluster: a message a distributing stream store already appended (its
   * position assigned for the whole cluster) to every local member of `room` (`room` null:
   * every local client), sessions getting `positioned`. Nothing is recorded here.
   */
  deliverPositioned(room: string | null, message: StelarMessage, positioned: StelarMessage, excludeId?: string, alsoExclude?: string): number {
    const options = alsoExclude === undefined ? undefined : { alsoExclude };
    if (room === null) return this.fanOut(this.clients.values(), message, positioned, excludeId, options);
    const members = this.rooms.members(room);
    return members === undefined ? 0 : this.fanOut(members.values(), message, positioned, excludeId, options);
  }

  /**
   * Sends to every local client except `excludeId` without consulting `onBeforeBroadcast`:
   * for deliveries another node already approved (cluster bus), so the hook runs once per
   * broadcast, on the node that started it.
   */
  deliverToAll(message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    const positioned = this.recording ? this.recovery!.recordAll(message, excludeId, options?.alsoExclude, this.now()) : null;
    return this.fanOut(this.clients.values(), message, positioned, excludeId, options);
  }

  /** Sends to every member of `room` except `excludeId`; returns the recipient count. */
  toRoom(room: string, message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    // Recorded even without live members: suspended sessions of the room get it on resume.
    const positioned = this.recording ? this.recovery!.recordRoom(room, message, excludeId, options?.alsoExclude, this.now()) : null;
    const members = this.rooms.members(room);
    if (members === undefined) return 0;
    // The room holds the records themselves: no registry lookup per member. A member still
    // running its middleware is not Open and is skipped like an unregistered one.
    return this.fanOut(members.values(), message, positioned, excludeId, options);
  }

  private fanOut(
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
    // Most fan-outs exclude nobody (server.to): no id compare per recipient then.
    const excludes = excludeId !== undefined || also !== undefined;
    // No snapshot needed: a transport that reports onClose synchronously from close() deletes
    // entries during this loop, and Map/Set iteration tolerates deletion. An encoding error
    // (caller mistake) propagates; every codec encodes the same JSON, so it surfaces on the
    // first recipient.
    for (const r of targets) {
      if (r.state !== ClientState.Open || (excludes && (r.id === excludeId || r.id === also))) continue;
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
  private hasRoom(record: ClientRecord, volatile: boolean): boolean {
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
    try {
      record.conn.send(out);
    } catch (err) {
      this.logger.warn(`send to ${record.id} failed: ${errorMessage(err)}`);
      return false;
    }
    record.info.messagesSent++;
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
   * Sends an Error message, then closes; the transport's onClose does the cleanup. Used for
   * refusals, rate limiting and oversize messages.
   */
  closeWithError(record: ClientRecord, code: StelarErrorCode, message: string, closeCode: number): void {
    record.endSession = true; // refusals and protocol errors end a session (no resume)
    this.sendTo(record, { type: MessageType.Error, code, message });
    this.close(record, closeCode, message);
  }

  /**
   * An admin close (`server.disconnect`, `ctx.disconnect`, the dashboard): counted and logged,
   * then a normal close. False when the client is not open.
   */
  adminClose(record: ClientRecord, closeCode: number, reason: string): boolean {
    if (record.state !== ClientState.Open) return false;
    record.endSession = true; // a kick is not a drop: the session is not kept for a resume
    this.counters.adminDisconnects++;
    this.logger.info(
      { clientId: record.id, ip: record.info.remoteAddress, protocol: record.protocol, code: closeCode, reason },
      'disconnecting client',
    );
    this.close(record, closeCode, reason);
    return true;
  }

  /**
   * Session recovery: `server.disconnect(id)` of a client that is away ends its suspended
   * session (a kick cannot be undone by a resume). No-op without recovery.
   */
  endSession(id: string): void {
    if (this.recording) this.recovery!.endById(id);
  }

  /** Starts closing a client once: marks it Closing (messages dropped) and closes the wire. */
  close(record: ClientRecord, closeCode: number, reason: string): void {
    if (record.state >= ClientState.Closing) return;
    record.state = ClientState.Closing;
    record.inbox = null;
    record.closeReason = reason;
    record.conn.close(closeCode, reason);
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

/** Code of the error a slow consumer gets in its close reason (for logs and docs). */
export const SLOW_CONSUMER_CODE = StelarErrorCode.SlowConsumer;

function broadcastInfo(
  message: StelarMessage,
  excludeId: string | undefined,
): { event: string; data: unknown; excludeId?: string } | null {
  switch (message.type) {
    case MessageType.Event:
      return { event: message.event, data: message.data, excludeId };
    case MessageType.Binary:
      return { event: message.event, data: message.bytes, excludeId };
    case MessageType.AckResponse:
      return { event: message.ack, data: message.data, excludeId };
    default:
      return null;
  }
}
