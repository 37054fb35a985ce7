import type { TimerHandle } from '../../ports/clock.port';
import type { ClientTransportHandler } from '../../ports/client-transport.port';
import type { OutboundMessage } from '../../ports/connection.port';
import type { ClientState } from '../../domain/client/client-state.machine';
import { HeartbeatMonitor } from '../../domain/client/heartbeat-monitor';
import { resolveReconnectDelay } from '../../domain/client/reconnect-backoff.policy';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { MessageType, type SessionGrant } from '../../domain/message';
import { SESSION_HEADER } from '../../domain/recovery/resume-offer';
import { ClientResumeState } from './client-resume-state';
import { resolveTarget, type ClientTarget, type StelarClientOptions } from './client-options';
import type { DisconnectInfo, StelarClientDeps } from './client-deps';
import { asError } from './client-events.base';
import { ClientSendBase } from './client-send.base';
import { handleInbound } from './client-inbound';
import type { DefaultEventsMap, EventsMap } from '../event-map.types';

// A dial that opens no session within this time is abandoned (socket.io's default `timeout`);
// it is also capped at two heartbeat intervals so a short heartbeat gives a short dial timeout.
const DIAL_TIMEOUT_MS = 20000;
// Private-use close code (RFC 6455 §7.4.2, 4000-4999) for "the server went silent".
const CLOSE_SILENT = 4000;
/**
 * The connection side of the client: state machine, dialing through the transport port (the
 * session-recovery offer in the dial headers), session start on the server's Connect message,
 * heartbeats, reconnection with anchored full-jitter backoff and room rejoin. The send path, the offline
 * queue and client → server recovery are {@link ClientSendBase}'s.
 */
export abstract class ClientConnectionBase<Listen extends EventsMap = DefaultEventsMap> extends ClientSendBase<Listen> {
  /** @internal */ messagesReceived = 0;
  /** @internal */ serverDisconnect: DisconnectInfo | null = null;
  /** @internal */ readonly heartbeat: HeartbeatMonitor;
  /** @internal Session recovery: id, token and stream positions. */ readonly resume = new ClientResumeState();

  protected rawTarget: string | number;
  protected target: ClientTarget;
  protected connectTime: number | null = null;
  private link: ClientTransportHandler | null = null;
  private pingOut: OutboundMessage | null = null;
  private pongOut: OutboundMessage | null = null;
  private id: string | null = null;
  private attempt = 0;
  /** Monotonic ms of the first failure of the current outage: the backoff's anchor. */
  private outageStart = 0;
  private reconnectTimer: TimerHandle | null = null;
  /** @internal The server's retry hint (ms) of the refusal that ended the current attempt (TCP Error `retryAfter`, WS 503 `Retry-After`). */
  retryHint: number | undefined = undefined;
  private dialTimer: TimerHandle | null = null;

  protected constructor(target: string | number, options: StelarClientOptions, deps: StelarClientDeps) {
    super(options, deps);
    this.rawTarget = target;
    this.target = resolveTarget(target, this.opts.mode, this.opts.tls, deps.transports);
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
    this.sendLogStarted(info.recovered, grant);
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
    if (info.recovered) this.resendUnconfirmed();
    this.drainQueue();
    this.listeners.dispatch('connect', info);
  }

  /** @internal Answers a server Ping message. */
  sendPong(): void {
    // A transport whose Ping is a frame it answers itself (TCP) says so; otherwise the Ping is a
    // message (WS JSON {"t":2}) and the answer comes from here.
    if (this.deps.transports[this.opts.mode]?.answersPing !== true) this.sendControl(this.pongOut);
  }

  // ---- connection management -------------------------------------------------------------

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
          // The transport bounds its opening handshake by the same time (docs/API.md).
          connectTimeout: dialTimeout,
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
    const kept = this.keptRequests();
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
    // it neither uses up reconnectionAttempts nor grows the backoff (its wait moves the anchor).
    const retryAfter = this.retryHint;
    this.retryHint = undefined;
    // The first failure of this outage (attempts restart from 0 on connect() and on a session)
    // anchors the backoff windows (docs/API.md, "Reconnection").
    const now = this.deps.clock.monotonicNow();
    if (this.attempt === 0) this.outageStart = now;
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
      { attempt, baseDelay: o.reconnectionDelay, maxDelay: o.maxReconnectionDelay, custom: o.customReconnectDelay, hook: o.hooks.onReconnectDelay, random: this.deps.random, retryAfter, elapsed: now - this.outageStart },
      (err) => this.reportError(asError(err), 'reconnectDelay'),
    );
    if (retryAfter !== undefined) this.outageStart += delay;
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
    this.sendsDetached();
    this.id = null;
    this.heartbeat.stop();
    this.clearDialTimer();
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
