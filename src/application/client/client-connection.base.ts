import type { TimerHandle } from '../../ports/clock.port';
import type { ClientTransport, ClientTransportHandler } from '../../ports/client-transport.port';
import type { OutboundMessage, Protocol } from '../../ports/connection.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import { AckRouter } from '../../domain/ack-router';
import { BoundedQueue } from '../../domain/client/bounded-queue';
import { ClientStateMachine, type ClientState, type StateChange } from '../../domain/client/client-state.machine';
import { HeartbeatMonitor } from '../../domain/client/heartbeat-monitor';
import { resolveReconnectDelay } from '../../domain/client/reconnect-backoff.policy';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { MessageType, type RoomMessage, type SessionGrant, type StelarMessage } from '../../domain/message';
import { SESSION_HEADER } from '../../domain/recovery/resume-offer';
import { ClientResumeState } from './client-resume-state';
import type { ClientSendLog } from '../../domain/client/send-log';
import { AnswerConfirmer, sendLogAfterConnect, withSeq } from './client-send-recovery';
import { resolveTarget, type ClientTarget, type StelarClientOptions } from './client-options';
import type { DisconnectInfo, QueuedMessage, StelarClientDeps } from './client-deps';
import { ClientEventsBase, asError } from './client-events.base';
import { handleInbound } from './client-inbound';
import type { DefaultEventsMap, EventsMap } from '../event-map.types';

// A dial that opens no session within this time is abandoned (socket.io's default `timeout`);
// it is also capped at two heartbeat intervals so a short heartbeat gives a short dial timeout.
const DIAL_TIMEOUT_MS = 20000;
// Private-use close code (RFC 6455 §7.4.2, 4000-4999) for "the server went silent".
const CLOSE_SILENT = 4000;
/**
 * The connection side of the client: state machine, dialing through the transport port,
 * session start on the server's Connect message, heartbeats, reconnection with full-jitter
 * backoff, the offline queue and room rejoin, and the low-level send path.
 */
export abstract class ClientConnectionBase<Listen extends EventsMap = DefaultEventsMap> extends ClientEventsBase<Listen> {
  /** @internal */ readonly acks: AckRouter;
  /** @internal */ readonly rooms = new Set<string>();
  /** @internal */ messagesReceived = 0;
  /** @internal */ serverDisconnect: DisconnectInfo | null = null;
  /** @internal */ serverMaxPayload = Infinity;
  /** @internal */ readonly heartbeat: HeartbeatMonitor;
  /** @internal Session recovery: id, token and stream positions. */ readonly resume = new ClientResumeState();
  /**
   * @internal Client → server recovery: what was written in this session and not confirmed yet;
   * null when the server does not confirm (recovery off on either side, or a phase-1 server).
   */
  sendLog: ClientSendLog | null = null;
  /** Confirms received answers back to the server (session recovery). */
  private readonly answers: AnswerConfirmer;
  /** The offline queue waits for room in the unconfirmed log (new sends queue behind it). */
  private queueBlocked = false;

  protected rawTarget: string | number;
  protected target: ClientTarget;
  protected readonly machine: ClientStateMachine;
  protected readonly queue: BoundedQueue<QueuedMessage>;
  protected messagesSent = 0;
  protected connectTime: number | null = null;
  private transport: ClientTransport | null = null;
  private link: ClientTransportHandler | null = null;
  private pingOut: OutboundMessage | null = null;
  private pongOut: OutboundMessage | null = null;
  private id: string | null = null;
  private attempt = 0;
  private reconnectTimer: TimerHandle | null = null;
  /** @internal The server's retry hint (ms) of the refusal that ended the current attempt (TCP Error `retryAfter`, WS 503 `Retry-After`). */
  retryHint: number | undefined = undefined;
  private dialTimer: TimerHandle | null = null;

  protected constructor(target: string | number, options: StelarClientOptions, deps: StelarClientDeps) {
    super(options, deps);
    this.rawTarget = target;
    this.target = resolveTarget(target, this.opts.mode, this.opts.tls, deps.transports);
    this.machine = new ClientStateMachine((change) => this.onStateChange(change));
    this.acks = new AckRouter(deps.clock, this.opts.ackTimeout, this.opts.maxRequestsInFlight);
    this.queue = new BoundedQueue<QueuedMessage>(this.opts.messageQueueSize);
    this.answers = new AnswerConfirmer(deps.clock, (offset) => {
      if (this.transport !== null) this.sendControl(this.codecFor(this.opts.mode).encode({ type: MessageType.Confirm, offset }));
    });
    this.heartbeat = new HeartbeatMonitor(deps.clock, {
      ping: () => this.sendControl(this.pingOut),
      silent: (ms) => this.dropLink(StelarErrorCode.HeartbeatTimeout, `heartbeat timeout: server silent for ${ms} ms`),
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Connects (no-op when already connecting/connected); `callback` runs on the next `connect`. */
  connect(callback?: () => void): this {
    if (callback !== undefined) {
      if (typeof callback !== 'function') throw new TypeError('connect callback must be a function');
      if (this.isConnected()) queueMicrotask(callback);
      else this.listeners.once('connect', callback);
    }
    if (this.machine.state !== 'disconnected') return this;
    this.attempt = 0;
    this.machine.transition('connecting');
    this.dial();
    return this;
  }

  /**
   * Disconnects for good (no reconnection) and releases everything: timers, pending requests
   * (rejected with STELAR_ERR_DISCONNECTED), the offline queue and the rejoin set.
   */
  disconnect(): this {
    this.clearTimers();
    const wasConnected = this.machine.state === 'connected';
    const transport = this.transport;
    this.detach();
    if (transport) {
      try {
        transport.close(CloseCode.Normal, 'client disconnect');
      } catch (err) {
        this.logger.debug('[stelar-client] close failed', err);
      }
    }
    this.queue.clear();
    this.rooms.clear();
    this.resume.forget();
    this.sendLog = null;
    this.acks.rejectAll(new StelarError(StelarErrorCode.Disconnected, 'client disconnected', CloseCode.Normal));
    if (this.machine.state !== 'disconnected') this.machine.transition('disconnected');
    if (wasConnected) this.listeners.dispatch('disconnect', { code: CloseCode.Normal, reason: 'client disconnect' });
    return this;
  }

  /** True once the server's Connect message arrived, until the connection is lost. */
  isConnected(): boolean {
    return this.machine.state === 'connected';
  }

  /**
   * Bytes handed to the connection and not yet written to the network (like a WebSocket's
   * `bufferedAmount`): check it to pace large or frequent sends to a slow link. 0 when there is
   * no connection; messages held in the offline queue count in `getQueueSize()` instead.
   */
  getBufferedAmount(): number {
    return this.transport === null ? 0 : this.transport.bufferedAmount;
  }

  /** `'disconnected' | 'connecting' | 'connected' | 'reconnecting'`. */
  getState(): ClientState {
    return this.machine.state;
  }

  /** The id the server assigned (null until the server's Connect message arrives). */
  getId(): string | null {
    return this.id;
  }

  /**
   * True when the current connection resumed the previous session (session recovery): same
   * id, rooms restored by the server, every missed message delivered.
   */
  isRecovered(): boolean {
    return this.machine.state === 'connected' && this.resume.recovered;
  }

  /** The URL dialed, in the scheme of the mode's transport (`ws(s)://…`, `tcp://…`/`tls://…`). */
  getUrl(): string {
    return this.target.url;
  }

  /** Changes the target; used by the next dial (call before connect(), or to move servers). */
  setUrl(url: string | number): this {
    this.target = resolveTarget(url, this.opts.mode, this.opts.tls, this.deps.transports);
    this.rawTarget = url;
    return this;
  }

  // ---- internals used by client-inbound.ts -----------------------------------------------

  /** @internal The server's Connect message: the session is up. */
  sessionStarted(clientId: string, maxPayloadSize: number, grant?: SessionGrant): void {
    if (this.machine.state === 'connected') return;
    const info = this.resume.started(clientId, grant);
    this.sendLog = sendLogAfterConnect(this.sendLog, info.recovered, grant, this.acks, (m) => this.logger.warn(m));
    this.clearDialTimer();
    this.id = clientId;
    this.serverMaxPayload = maxPayloadSize > 0 ? maxPayloadSize : Infinity;
    this.connectTime = this.deps.clock.now();
    this.attempt = 0;
    this.machine.transition('connected');
    this.heartbeat.start(this.opts.heartbeatInterval);
    // Rejoin first, then flush: queued messages may be meant for those rooms. A resumed
    // session's rooms were restored by the server.
    if (!info.recovered) for (const room of [...this.rooms]) this.roomRequest(MessageType.JoinRoom, room);
    // A resumed session: what the server had not confirmed is re-sent first, in order, as it was.
    if (info.recovered && this.sendLog !== null) for (const e of this.sendLog.unconfirmed()) this.transport?.send(e.out);
    this.drainQueue();
    this.listeners.dispatch('connect', info);
  }

  /** Writes what waits in the offline queue, while the unconfirmed log has room for it. */
  private drainQueue(): void {
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

  /** @internal Answers a server Ping message. */
  sendPong(): void {
    // A transport whose Ping is a frame it answers itself (TCP) says so; otherwise the Ping is a
    // message (WS JSON {"t":2}) and the answer comes from here.
    if (this.deps.transports[this.opts.mode]?.answersPing !== true) this.sendControl(this.pongOut);
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

  // ---- connection management -------------------------------------------------------------

  private onStateChange(change: StateChange): void {
    this.callHook('onStateChange', change);
  }

  private dial(): void {
    const mode = this.opts.mode;
    const factory = this.deps.transports[mode];
    if (!factory || !this.deps.codecs[mode]) {
      this.reportError(new Error(`mode '${mode}' is not available in this build`), 'connect');
      this.detach();
      this.machine.transition('disconnected');
      return;
    }
    const codec = this.codecFor(mode);
    this.pingOut = codec.encode({ type: MessageType.Ping });
    this.pongOut = codec.encode({ type: MessageType.Pong });
    this.serverDisconnect = null;
    this.retryHint = undefined;
    // One handler object per attempt: callbacks from an abandoned attempt find `link` changed
    // and are ignored, so a late close of an old socket cannot disturb the new one.
    const link: ClientTransportHandler = {
      // The session starts with the server's Connect message, not with the transport opening:
      // the TCP transport sends the {"v":1} hello itself (docs/PROTOCOL.md, "TCP connection
      // lifecycle"), and the WebSocket upgrade is the hello.
      onOpen: () => {},
      onMessage: (payload, binary) => {
        if (this.link === link) handleInbound(this, codec, payload, binary);
      },
      onClose: (code, reason, retryAfterMs) => {
        if (this.link !== link) return;
        if (retryAfterMs !== undefined && retryAfterMs > 0) this.retryHint = retryAfterMs;
        this.linkLost(code, reason);
      },
      onError: (err) => {
        if (this.link === link) this.reportError(err, 'transport');
      },
    };
    this.link = link;
    const o = this.opts;
    const dialTimeout = Math.min(DIAL_TIMEOUT_MS, 2 * o.heartbeatInterval);
    this.dialTimer = this.deps.clock.setTimeout(() => {
      this.dialTimer = null;
      this.dropLink(StelarErrorCode.ConnectTimeout, `no session within ${dialTimeout} ms`);
    }, dialTimeout);
    try {
      const transport = factory.connect(
        {
          url: this.target.url,
          tls: this.target.tls,
          rejectUnauthorized: o.rejectUnauthorized,
          tlsSettings: { ca: o.ca, cert: o.cert, key: o.key, servername: o.servername },
          headers: { ...o.headers, [SESSION_HEADER]: this.resume.offer() },
          maxPayloadSize: o.maxPayloadSize,
          maxFrameSize: o.maxFrameSize,
          codec,
        },
        link,
      );
      // A transport may fail synchronously inside connect() (onClose already handled): keep it
      // only if this attempt is still the current one.
      if (this.link === link) this.transport = transport;
    } catch (err) {
      this.reportError(asError(err), 'connect');
      if (this.link === link) this.linkLost(CloseCode.Abnormal, asError(err).message);
    }
  }

  /** @internal Abandons the current connection locally (silent server, dial timeout). */
  dropLink(errCode: StelarErrorCode, reason: string): void {
    const transport = this.transport;
    if (!this.link) return;
    this.reportError(new StelarError(errCode, reason, CloseCode.Abnormal), 'heartbeat');
    this.detach();
    try {
      transport?.close(CLOSE_SILENT, 'heartbeat timeout');
    } catch {
      // the socket is already dead; nothing more to release
    }
    this.linkLost(CloseCode.Abnormal, reason);
  }

  private linkLost(code: number, reason: string): void {
    const wasConnected = this.machine.state === 'connected';
    const info = this.serverDisconnect ?? { code, reason };
    this.detach();
    // Requests already on the wire can no longer be answered; queued ones keep waiting. With
    // client → server recovery, requests written in the session wait too: they are re-sent (or
    // answered) after a resume, and reject with STELAR_ERR_SESSION_LOST if it fails.
    const queued = new Set<number>();
    for (const m of this.queue.toArray()) if (m.id !== undefined) queued.add(m.id);
    const kept = this.opts.reconnection && this.sendLog !== null ? this.sendLog.requests : null;
    if (kept !== null) for (const id of [...kept]) if (!this.acks.has(id)) kept.delete(id);
    this.acks.rejectAll(
      new StelarError(StelarErrorCode.Disconnected, `connection lost: ${info.reason || info.code}`, info.code),
      (id) => queued.has(id) || (kept !== null && kept.has(id)),
    );
    if (this.opts.reconnection) this.machine.transition('reconnecting');
    else {
      this.machine.transition('disconnected');
      // No retry will send them: settle queued requests now rather than at their ackTimeout.
      this.rejectQueuedRequests(new StelarError(StelarErrorCode.Disconnected, `cannot connect to ${this.target.url}: ${info.reason || info.code}`, info.code));
    }
    if (wasConnected) this.listeners.dispatch('disconnect', info);
    else if (!this.opts.reconnection) this.reportError(new Error(`cannot connect to ${this.target.url}: ${reason || code}`), 'connect');
    if (this.machine.state === 'reconnecting') this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    // A refusal with the server's retry hint (shed under load) is the server pacing the crowd:
    // it neither uses up reconnectionAttempts nor grows the backoff.
    const retryAfter = this.retryHint;
    this.retryHint = undefined;
    const attempt = retryAfter !== undefined && this.attempt > 0 ? this.attempt : ++this.attempt;
    if (attempt > this.opts.reconnectionAttempts) {
      this.machine.transition('disconnected');
      // Nothing will be sent any more: settle what still waits in the queue (and on the wire) now.
      const failed = new StelarError(StelarErrorCode.Disconnected, 'reconnection failed', CloseCode.Abnormal);
      this.rejectQueuedRequests(failed);
      this.acks.rejectAll(failed);
      this.sendLog?.reset();
      this.listeners.dispatch('reconnect_failed');
      return;
    }
    const o = this.opts;
    const delay = resolveReconnectDelay(
      { attempt, baseDelay: o.reconnectionDelay, maxDelay: o.maxReconnectionDelay, custom: o.customReconnectDelay, hook: o.hooks.onReconnectDelay, random: this.deps.random, retryAfter },
      (err) => this.reportError(asError(err), 'reconnectDelay'),
    );
    this.listeners.dispatch('reconnecting', attempt);
    // A listener may have called disconnect() or connect() meanwhile.
    if (this.machine.state !== 'reconnecting' || this.reconnectTimer !== null) return;
    this.reconnectTimer = this.deps.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.machine.state === 'reconnecting') this.dial();
    }, delay);
  }

  /** Removes the requests (and room requests) from the offline queue and rejects them; plain events stay queued. */
  private rejectQueuedRequests(err: StelarError): void {
    for (const m of this.queue.removeWhere((q) => q.id !== undefined)) this.acks.reject(m.id!, err);
  }

  private detach(): void {
    this.link = null;
    this.transport = null;
    this.id = null;
    this.heartbeat.stop();
    this.clearDialTimer();
    this.answers.stop();
    this.queueBlocked = false;
  }

  private clearDialTimer(): void {
    if (this.dialTimer !== null) this.deps.clock.clearTimeout(this.dialTimer);
    this.dialTimer = null;
  }

  private clearTimers(): void {
    this.clearDialTimer();
    this.heartbeat.stop();
    if (this.reconnectTimer !== null) this.deps.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
}
