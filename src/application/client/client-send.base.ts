import type { ClientTransport } from '../../ports/client-transport.port';
import type { OutboundMessage, Protocol } from '../../ports/connection.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import { AckRouter } from '../../domain/ack-router';
import { BoundedQueue } from '../../domain/client/bounded-queue';
import { ClientStateMachine } from '../../domain/client/client-state.machine';
import type { ClientSendLog } from '../../domain/client/send-log';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { MessageType, type RoomMessage, type SessionGrant, type StelarMessage } from '../../domain/message';
import { AnswerConfirmer, sendLogAfterConnect, withSeq } from './client-send-recovery';
import type { StelarClientOptions } from './client-options';
import type { QueuedMessage, StelarClientDeps } from './client-deps';
import { ClientEventsBase, asError } from './client-events.base';
import type { DefaultEventsMap, EventsMap } from '../event-map.types';

/**
 * The send side of the client: encoding within the payload limits, the offline queue, room
 * requests, and client → server session recovery (docs/API.md, "Session recovery"): messages
 * written in a session are numbered and kept in the send log until the server confirms them,
 * the offline queue waits for room in that log, answers received are confirmed back, and after a
 * resume what was not confirmed is re-sent first. Extended by {@link ClientConnectionBase}, which
 * owns the link (`transport`) and says when the session starts and ends.
 */
export abstract class ClientSendBase<Listen extends EventsMap = DefaultEventsMap> extends ClientEventsBase<Listen> {
  /** @internal */ readonly acks: AckRouter;
  /** @internal The rooms joined (rejoined on a new session). */ readonly rooms = new Set<string>();
  /** @internal */ serverMaxPayload = Infinity;
  /**
   * @internal Client → server recovery: what was written in this session and not confirmed yet;
   * null when the server does not confirm (recovery off on either side, or a phase-1 server).
   */
  sendLog: ClientSendLog | null = null;
  /** Confirms received answers back to the server (session recovery). */
  private readonly answers: AnswerConfirmer;
  /** The offline queue waits for room in the unconfirmed log (new sends queue behind it). */
  private queueBlocked = false;

  protected readonly machine: ClientStateMachine;
  protected readonly queue: BoundedQueue<QueuedMessage>;
  protected messagesSent = 0;
  /** The current link, set by the connection side (null between connections). */
  protected transport: ClientTransport | null = null;

  protected constructor(options: StelarClientOptions, deps: StelarClientDeps) {
    super(options, deps);
    this.machine = new ClientStateMachine((change) => this.callHook('onStateChange', change));
    this.acks = new AckRouter(deps.clock, this.opts.ackTimeout, this.opts.maxRequestsInFlight);
    this.queue = new BoundedQueue<QueuedMessage>(this.opts.messageQueueSize);
    this.answers = new AnswerConfirmer(deps.clock, (offset) => {
      if (this.transport !== null) this.sendControl(this.codecFor(this.opts.mode).encode({ type: MessageType.Confirm, offset }));
    });
  }

  // ---- session recovery at the edges of a session ----------------------------------------

  /** At the server's Connect: the send log of this session (kept when it resumed the last one). */
  protected sendLogStarted(recovered: boolean, grant: SessionGrant | undefined): void {
    this.sendLog = sendLogAfterConnect(this.sendLog, recovered, grant, this.acks, (m) => this.logger.warn(m));
  }

  /** A resumed session: what the server had not confirmed is re-sent first, in order, as it was. */
  protected resendUnconfirmed(): void {
    if (this.sendLog !== null) for (const e of this.sendLog.unconfirmed()) this.transport?.send(e.out);
  }

  /**
   * The requests that keep waiting across the drop (written with a sequence number, still
   * pending): re-sent or answered after a resume. Null without client → server recovery.
   */
  protected keptRequests(): Set<number> | null {
    const kept = this.opts.reconnection && this.sendLog !== null ? this.sendLog.requests : null;
    if (kept !== null) for (const id of [...kept]) if (!this.acks.has(id)) kept.delete(id);
    return kept;
  }

  /** The link is gone: nothing to confirm on it, and the queue is no longer held back. */
  protected sendsDetached(): void {
    this.transport = null;
    this.answers.stop();
    this.queueBlocked = false;
  }

  /** Writes what waits in the offline queue, while the unconfirmed log has room for it. */
  protected drainQueue(): void {
    let count = 0;
    this.queueBlocked = false;
    for (let m = this.queue.peek(); m !== undefined && this.transport !== null; m = this.queue.peek()) {
      if (this.sendLog !== null && m.message !== undefined && !this.sendLog.hasRoom(m.out.payload.byteLength)) {
        this.queueBlocked = true; // the rest waits for confirmations; new sends queue behind it
        break;
      }
      this.queue.shift();
      this.write(m);
      count++;
    }
    if (count > 0) this.callHook('onQueueDrained', { count });
  }

  // ---- internals used by client-inbound.ts -----------------------------------------------

  /** @internal The server confirmed every message up to `seq`. */
  confirmed(seq: number): void {
    if (this.sendLog === null) return;
    this.sendLog.confirm(seq);
    if (this.queueBlocked && this.machine.state === 'connected') this.drainQueue();
  }

  /** @internal An answer arrived at `offset` of the direct stream: confirmed back, batched. */
  answerSeen(offset: number): void {
    if (this.sendLog !== null) this.answers.seen(offset);
  }

  /** @internal A room refused (ok:false): forget it and report. */
  roomRefused(msg: RoomMessage): void {
    const verb = msg.type === MessageType.JoinRoom ? 'join' : 'leave';
    if (msg.type === MessageType.JoinRoom) this.rooms.delete(msg.room);
    this.reportError(new Error(`cannot ${verb} room "${msg.room}": ${msg.reason ?? 'refused'}`), `room:${verb}`);
  }

  // ---- send path (used by BaseStelarClient) ----------------------------------------------

  protected encode(message: StelarMessage): OutboundMessage {
    const codec = this.codecFor(this.opts.mode);
    const out = codec.encode(message);
    const limit = Math.min(this.opts.maxPayloadSize, this.serverMaxPayload);
    if (out.payload.byteLength > limit) {
      throw new RangeError(`message of ${out.payload.byteLength} bytes exceeds maxPayloadSize (${limit})`);
    }
    return out;
  }

  protected codecFor(mode: Protocol): MessageCodec {
    const codec = this.deps.codecs[mode];
    if (!codec) throw new Error(`no ${mode} codec in this build`);
    return codec;
  }

  protected enqueueWithId(event: string, id: number, message: StelarMessage, joinRoom?: string): void {
    try {
      if (joinRoom === undefined && message.type === MessageType.AckRequest) this.sendMessage(event, message, id);
      else this.enqueue({ event, out: this.encode(message), id, joinRoom });
    } catch (err) {
      this.acks.reject(id, asError(err));
      throw err;
    }
  }

  /**
   * Sends an event, binary message or request: at once when connected (numbered and kept until
   * confirmed when the server confirms), else into the offline queue. Throws
   * STELAR_ERR_UNCONFIRMED_FULL when the unconfirmed log is full (see ClientSendLog).
   */
  protected sendMessage(event: string, message: StelarMessage, id?: number): void {
    const log = this.sendLog;
    if (log !== null && this.machine.state === 'connected' && this.transport !== null && !this.queueBlocked) {
      const out = this.encode(withSeq(message, log.nextSeq));
      if (!log.hasRoom(out.payload.byteLength)) {
        throw new StelarError(StelarErrorCode.UnconfirmedFull, `"${event}" not sent: ${log.size} unconfirmed`, CloseCode.Normal);
      }
      this.transport.send(out);
      log.add(event, out, message.type === MessageType.AckRequest ? id : undefined);
      this.messagesSent++;
      return;
    }
    this.enqueue({ event, out: this.encode(message), id, message });
  }

  protected enqueue(m: QueuedMessage): void {
    if (this.machine.state === 'connected' && this.transport && !this.queueBlocked) {
      this.write(m);
      return;
    }
    const dropped = this.queue.push(m);
    if (dropped) this.dropped(dropped);
    this.callHook('onMessageQueued', { event: m.event, queueSize: this.queue.size });
  }

  protected dropped(m: QueuedMessage): void {
    this.logger.warn(`[stelar-client] offline queue full: dropped "${m.event}"`);
    if (m.id !== undefined) {
      this.acks.reject(m.id, new StelarError(StelarErrorCode.Disconnected, `"${m.event}" was dropped from the full offline queue`, CloseCode.Normal));
    }
  }

  protected write(m: QueuedMessage): void {
    const log = this.sendLog;
    if (log !== null && m.message !== undefined) {
      let out: OutboundMessage;
      try {
        out = this.encode(withSeq(m.message, log.nextSeq));
      } catch (err) {
        // Queued before the server's limit was known, and over it: dropped, reported (never thrown
        // into the Connect handling).
        this.reportError(asError(err), `send:${m.event}`);
        if (m.id !== undefined) this.acks.reject(m.id, asError(err));
        return;
      }
      this.transport!.send(out);
      log.add(m.event, out, m.message.type === MessageType.AckRequest ? m.id : undefined);
    } else this.transport!.send(m.out);
    this.messagesSent++;
    if (m.joinRoom !== undefined) this.rooms.add(m.joinRoom);
  }

  protected sendControl(out: OutboundMessage | null): void {
    if (!out || !this.transport) return;
    try {
      this.transport.send(out);
    } catch (err) {
      this.reportError(asError(err), 'heartbeat');
    }
  }

  protected roomRequest(type: typeof MessageType.JoinRoom | typeof MessageType.LeaveRoom, room: string): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let id: number;
      try {
        id = this.acks.register(
          {
            resolve: (answer: unknown) => {
              const msg = answer as RoomMessage;
              if (msg.ok === false && msg.type !== undefined) this.roomRefused(msg);
              resolve(msg.ok !== false);
            },
            reject: () => resolve(false),
          },
          this.opts.ackTimeout,
          `room "${room}"`,
        );
      } catch (err) {
        // maxRequestsInFlight reached: refused like a room the server refuses (false + error).
        this.reportError(asError(err), type === MessageType.JoinRoom ? 'room:join' : 'room:leave');
        resolve(false);
        return;
      }
      this.enqueueWithId(type === MessageType.JoinRoom ? 'joinRoom' : 'leaveRoom', id, { type, room, id }, type === MessageType.JoinRoom ? room : undefined);
    });
  }
}
