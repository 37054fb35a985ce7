import type { Clock } from '../ports/clock.port';
import type { OutboundMessage, Protocol } from '../ports/connection.port';
import type { Logger } from '../ports/logger.port';
import { ClientState, type ClientRecord } from './client-record';
import type { ClientRegistry } from './client-registry.service';
import { CloseCode, StelarErrorCode } from './errors';
import type { HookRunner } from './hook-runner.service';
import { MessageType, type StelarMessage } from './message';
import type { RoomRegistry } from './room-registry.service';
import type { CodecRegistry } from './codec-registry';
import type { ServerLimits } from './server-limits';
import type { RecoveryService } from './recovery/recovery.service';
import type { StoredSession } from '../ports/session-store.port';
import { ServerCounters } from './metrics/server-counters';
import { FanOutService } from './delivery/fan-out.service';

export type { SendOptions } from './delivery/fan-out.service';
export { SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON } from './delivery/fan-out.service';

/**
 * Server → one client: direct sends (answers, `toId`, `ctx.emit`, Connect and Error messages),
 * with session recovery's recording of direct messages, and closing a client. Writing and the
 * backpressure rule (one for every transport, fan-outs too) are the {@link FanOutService}'s;
 * deciding where a server → many message goes is the `DeliveryService`'s
 * (`domain/delivery/`).
 */
export class MessageSender {
  constructor(
    private readonly codecs: CodecRegistry,
    private readonly clients: ClientRegistry,
    // rooms and hooks: read by the fan-outs that moved to DeliveryService; kept in this
    // signature so the construction sites (container, tests) stay as they are.
    private readonly rooms: RoomRegistry,
    private readonly hooks: HookRunner,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
    private readonly counters: ServerCounters = new ServerCounters(),
    /** Session recovery (null or disabled: messages are not recorded nor positioned). */
    private readonly recovery: RecoveryService | null = null,
    private readonly clock: Clock | null = null,
    /** The writer and the backpressure rule (shared with the delivery service's fan-outs). */
    readonly fan: FanOutService = new FanOutService(codecs, limits, logger, counters),
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
    return this.fan.sent;
  }

  /** Volatile messages skipped since start because their client was over `maxBufferedBytes`. */
  get volatileSkipped(): number {
    return this.fan.skipped;
  }

  /** Encodes `message` for one transport (throws on an unencodable message). */
  encode(protocol: Protocol, message: StelarMessage): OutboundMessage {
    return this.fan.encode(protocol, message);
  }

  /** The slow-consumer rule (FanOutService.hasRoom). */
  private hasRoom(record: ClientRecord, volatile: boolean): boolean {
    return this.fan.hasRoom(record, volatile);
  }

  /** Writes an already-encoded message, without the buffer check; counts it. */
  write(record: ClientRecord, out: OutboundMessage): boolean {
    return this.fan.write(record, out);
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
}
