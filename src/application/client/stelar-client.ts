import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { ClientTransport, ClientTransportFactory, ClientTransportHandler } from '../../ports/client-transport.port';
import type { OutboundMessage } from '../../ports/connection.port';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import { AckRouter } from '../../domain/ack-router';
import { BoundedQueue } from '../../domain/client/bounded-queue';
import { ClientStateMachine, type ClientState, type StateChange } from '../../domain/client/client-state.machine';
import { HeartbeatMonitor } from '../../domain/client/heartbeat-monitor';
import { ListenerRegistry, type Listener } from '../../domain/client/listener-registry';
import { resolveReconnectDelay } from '../../domain/client/reconnect-backoff.policy';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { MessageType, type BinaryMeta, type RoomMessage, type StelarMessage } from '../../domain/message';
import { readFileInput, toBytes, type BinaryData, type FileInput } from './binary-input';
import { createClientLogger } from './client-logger';
import {
  CLIENT_DEFAULTS,
  mergeClientOptions,
  resolveTarget,
  type ClientTarget,
  type ResolvedClientOptions,
  type StelarClientOptions,
} from './client-options';
import { assertName } from './event-name';
import { handleInbound } from './client-inbound';

/** The platform pieces a StelarClient runs on; the Node and browser entries supply them. */
export interface StelarClientDeps {
  readonly transports: { readonly ws?: ClientTransportFactory; readonly tcp?: ClientTransportFactory };
  readonly codecs: { readonly ws?: MessageCodec; readonly tcp?: MessageCodec };
  readonly clock: Clock;
  /** Source of jitter; Math.random by default (tests pass a fixed one). */
  readonly random?: () => number;
  /** Presents received bytes to listeners (Node wraps them in a Buffer view). */
  readonly wrapBinary?: (bytes: Uint8Array) => Uint8Array;
}

/** One message waiting in the offline queue, already encoded (encode once). */
export interface QueuedMessage {
  readonly event: string;
  readonly out: OutboundMessage;
  /** Correlation id of a request, emit-with-ack or room request (registered in the AckRouter). */
  readonly id?: number;
  /** Room of a join request (added to the rejoin set once it is on the wire). */
  readonly joinRoom?: string;
}

/** What a `disconnect` listener receives. */
export interface DisconnectInfo {
  readonly code: number;
  readonly reason: string;
}

// A dial that opens no session within this time is abandoned (socket.io's default `timeout`);
// it is also capped at two heartbeat intervals so a short heartbeat gives a short dial timeout.
const DIAL_TIMEOUT_MS = 20000;
// Private-use close code (RFC 6455 §7.4.2, 4000-4999) for "the server went silent".
const CLOSE_SILENT = 4000;

/**
 * The transport-independent Stelar client: connection state machine, reconnection with
 * full-jitter backoff, bounded offline queue, room rejoin, request/answer correlation and
 * heartbeats. Platform pieces come in through {@link StelarClientDeps}; `src/client.ts` (Node)
 * and `src/browser.ts` export subclasses named `StelarClient` that supply them.
 */
export class BaseStelarClient {
  /** @internal */ opts: ResolvedClientOptions;
  /** @internal */ logger: Logger;
  /** @internal */ readonly listeners: ListenerRegistry;
  /** @internal */ readonly ackListeners: ListenerRegistry;
  /** @internal */ allListeners: Listener[] = [];
  /** @internal */ readonly acks: AckRouter;
  /** @internal */ readonly rooms = new Set<string>();
  /** @internal */ messagesReceived = 0;
  /** @internal */ serverDisconnect: DisconnectInfo | null = null;
  /** @internal */ serverMaxPayload = Infinity;
  /** @internal */ readonly heartbeat: HeartbeatMonitor;
  /** @internal */ readonly deps: StelarClientDeps;

  private rawTarget: string | number;
  private target: ClientTarget;
  private readonly machine: ClientStateMachine;
  private readonly queue: BoundedQueue<QueuedMessage>;
  private transport: ClientTransport | null = null;
  private link: ClientTransportHandler | null = null;
  private codec: MessageCodec | null = null;
  private pingOut: OutboundMessage | null = null;
  private pongOut: OutboundMessage | null = null;
  private id: string | null = null;
  private messagesSent = 0;
  private lastError: Error | null = null;
  private connectTime: number | null = null;
  private attempt = 0;
  private reconnectTimer: TimerHandle | null = null;
  private dialTimer: TimerHandle | null = null;

  constructor(target: string | number, options: StelarClientOptions = {}, deps: StelarClientDeps) {
    this.deps = deps;
    this.opts = mergeClientOptions(CLIENT_DEFAULTS, options);
    this.logger = createClientLogger(this.opts.logger);
    this.rawTarget = target;
    this.target = resolveTarget(target, this.opts.mode, this.opts.tls);
    this.machine = new ClientStateMachine((change) => this.onStateChange(change));
    const onListenerError = (err: unknown, event: string): void => this.reportError(asError(err), `listener:${event}`);
    this.listeners = new ListenerRegistry(onListenerError);
    this.ackListeners = new ListenerRegistry(onListenerError);
    this.acks = new AckRouter(deps.clock, this.opts.ackTimeout);
    this.queue = new BoundedQueue<QueuedMessage>(this.opts.messageQueueSize);
    this.heartbeat = new HeartbeatMonitor(deps.clock, {
      ping: () => this.sendControl(this.pingOut),
      silent: (ms) => this.dropLink(StelarErrorCode.HeartbeatTimeout, `heartbeat timeout: server silent for ${ms} ms`),
    });
  }

  // ---- listeners -------------------------------------------------------------------------

  /** Listens to `event` (a server event, or connect/disconnect/reconnecting/reconnect_failed/error). */
  on(event: string, handler: Listener): this {
    this.listeners.on(event, handler);
    return this;
  }

  off(event: string, handler: Listener): this {
    this.listeners.off(event, handler);
    return this;
  }

  once(event: string, handler: Listener): this {
    this.listeners.once(event, handler);
    return this;
  }

  /** Listens to every server event (JSON and binary) as `{ event, data, isBinary, meta? }`. */
  onAll(handler: (msg: { event: string; data: unknown; isBinary: boolean; meta?: BinaryMeta }) => void): this {
    if (typeof handler !== 'function') throw new TypeError('listener must be a function');
    this.allListeners = [...this.allListeners, handler];
    return this;
  }

  offAll(handler: Listener): this {
    this.allListeners = this.allListeners.filter((h) => h !== handler);
    return this;
  }

  /** Listens to ACK responses named `name`: server pushes and answers to `emit(…, { ack })`. */
  onAck(name: string, handler: (data: unknown) => void): this {
    this.ackListeners.on(name, handler);
    return this;
  }

  offAck(name: string, handler: Listener): this {
    this.ackListeners.off(name, handler);
    return this;
  }

  /** Removes the listeners of `event`, or every listener (on, onAll, onAck) when omitted. */
  removeAllListeners(event?: string): this {
    this.listeners.removeAll(event);
    if (event === undefined) {
      this.ackListeners.removeAll();
      this.allListeners = [];
    }
    return this;
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Sends `event` with JSON `data`, or queues it while not connected. With `opts.ack`, sends an
   * ACK request whose answer is delivered as event `opts.ack` and to `onAck(opts.ack)`.
   * Returns false when `onBeforeEmit` cancelled it.
   */
  emit(event: string, data?: unknown, opts?: { ack?: string }): boolean {
    assertName(event, 'event', true);
    const ack = opts?.ack;
    if (ack !== undefined) assertName(ack, 'ack');
    if (!this.beforeEmit(event, data)) return false;
    if (ack === undefined) {
      this.enqueue({ event, out: this.encode({ type: MessageType.Event, event, data }) });
      return true;
    }
    const id = this.acks.register(
      {
        resolve: (answer: unknown) => {
          this.listeners.dispatch(ack, answer);
          this.ackListeners.dispatch(ack, answer);
        },
        reject: (err: Error) => this.ackFailed(err, ack),
      },
      this.opts.ackTimeout,
      `ack "${ack}"`,
    );
    this.enqueueWithId(event, id, { type: MessageType.AckRequest, event, ack, id, data });
    return true;
  }

  /** Sends raw bytes as a binary event (no base64), or queues them while not connected. */
  emitBinary(event: string, data: BinaryData, meta?: BinaryMeta): boolean {
    assertName(event, 'event', true);
    const bytes = toBytes(data);
    if (!this.beforeEmit(event, bytes)) return false;
    this.enqueue({ event, out: this.encode({ type: MessageType.Binary, event, bytes, meta }) });
    return true;
  }

  /** Sends a Blob/File (browser) or Buffer/Uint8Array as binary with `{ name, type, size }`. */
  async sendFile(file: FileInput, opts: { event?: string; name?: string; type?: string } = {}): Promise<boolean> {
    const { bytes, meta } = await readFileInput(file, { name: 'file', type: 'application/octet-stream' }, opts);
    return this.emitBinary(opts.event ?? 'file', bytes, meta);
  }

  /** Like {@link sendFile}, as event `image` by default. */
  async sendImage(image: FileInput, opts: { event?: string; name?: string; type?: string } = {}): Promise<boolean> {
    const { bytes, meta } = await readFileInput(image, { name: 'image', type: 'application/octet-stream' }, opts);
    return this.emitBinary(opts.event ?? 'image', bytes, meta);
  }

  /**
   * Request-response: resolves with the server's answer; rejects on `ackTimeout`
   * (STELAR_ERR_ACK_TIMEOUT), on an error answer (an Error with the server's message), on
   * disconnect (STELAR_ERR_DISCONNECTED), or when `onBeforeEmit` cancels it. Never hangs.
   */
  request<T = unknown>(event: string, data?: unknown, ackName: string = event): Promise<T> {
    assertName(event, 'event', true);
    assertName(ackName, 'ack');
    if (!this.beforeEmit(event, data)) return Promise.reject(new Error(`request "${event}" cancelled by onBeforeEmit`));
    const { id, promise } = this.acks.request<T>(this.opts.ackTimeout, `request "${event}"`);
    this.enqueueWithId(event, id, { type: MessageType.AckRequest, event, ack: ackName, id, data });
    return promise;
  }

  /**
   * Joins `room` (queued while offline; rejoined automatically after every reconnect). The
   * promise resolves true when the server accepts, false when it refuses (an `error` event is
   * emitted too), times out or the connection drops; it never rejects, so fire-and-forget use
   * is safe.
   */
  joinRoom(room: string): Promise<boolean> {
    assertName(room, 'room');
    return this.roomRequest(MessageType.JoinRoom, room);
  }

  /** Leaves `room` (also cancels a join still in the offline queue). Same promise as joinRoom. */
  leaveRoom(room: string): Promise<boolean> {
    assertName(room, 'room');
    this.rooms.delete(room);
    if (!this.isConnected()) {
      for (const q of this.queue.removeWhere((m) => m.joinRoom === room)) if (q.id !== undefined) this.acks.resolve(q.id, { ok: false });
      return Promise.resolve(true);
    }
    return this.roomRequest(MessageType.LeaveRoom, room);
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
    this.acks.rejectAll(new StelarError(StelarErrorCode.Disconnected, 'client disconnected', CloseCode.Normal));
    if (this.machine.state !== 'disconnected') this.machine.transition('disconnected');
    if (wasConnected) this.listeners.dispatch('disconnect', { code: CloseCode.Normal, reason: 'client disconnect' });
    return this;
  }

  isConnected(): boolean {
    return this.machine.state === 'connected';
  }

  getState(): ClientState {
    return this.machine.state;
  }

  /** The id the server assigned (null until the server's Connect message arrives). */
  getId(): string | null {
    return this.id;
  }

  getUrl(): string {
    return this.target.url;
  }

  /** Changes the target; used by the next dial (call before connect(), or to move servers). */
  setUrl(url: string | number): this {
    this.target = resolveTarget(url, this.opts.mode, this.opts.tls);
    this.rawTarget = url;
    return this;
  }

  getMessagesSent(): number {
    return this.messagesSent;
  }

  getMessagesReceived(): number {
    return this.messagesReceived;
  }

  getLastError(): Error | null {
    return this.lastError;
  }

  /** Timestamp (ms) of the last successful connection, or null. */
  getConnectTime(): number | null {
    return this.connectTime;
  }

  getQueueSize(): number {
    return this.queue.size;
  }

  /**
   * Changes options at runtime, without reconnecting where possible: heartbeat and queue size
   * apply at once, ackTimeout to new requests, mode/tls/headers/limits to the next dial.
   */
  updateOptions(patch: StelarClientOptions): this {
    const next = mergeClientOptions(this.opts, patch);
    const prev = this.opts;
    this.opts = next;
    if (patch.logger !== undefined) this.logger = createClientLogger(next.logger);
    if (next.ackTimeout !== prev.ackTimeout) this.acks.setDefaultTimeout(next.ackTimeout);
    if (next.messageQueueSize !== prev.messageQueueSize) for (const m of this.queue.resize(next.messageQueueSize)) this.dropped(m);
    if (next.heartbeatInterval !== prev.heartbeatInterval && this.heartbeat.running) this.heartbeat.start(next.heartbeatInterval);
    if (next.mode !== prev.mode || next.tls !== prev.tls) this.target = resolveTarget(this.rawTarget, next.mode, next.tls);
    return this;
  }

  /** A copy of the current options (hooks and headers copied too). */
  getOptions(): ResolvedClientOptions {
    return { ...this.opts, hooks: { ...this.opts.hooks }, headers: { ...this.opts.headers } };
  }

  // ---- internals used by client-inbound.ts -----------------------------------------------

  /** @internal The server's Connect message: the session is up. */
  sessionStarted(clientId: string, maxPayloadSize: number): void {
    if (this.machine.state === 'connected') return;
    this.clearDialTimer();
    this.id = clientId;
    this.serverMaxPayload = maxPayloadSize > 0 ? maxPayloadSize : Infinity;
    this.connectTime = this.deps.clock.now();
    this.attempt = 0;
    this.machine.transition('connected');
    this.heartbeat.start(this.opts.heartbeatInterval);
    // Rejoin first, then flush: queued messages may be meant for those rooms.
    for (const room of [...this.rooms]) this.roomRequest(MessageType.JoinRoom, room);
    let count = 0;
    for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) {
      this.write(m);
      count++;
    }
    if (count > 0) this.callHook('onQueueDrained', { count });
    this.listeners.dispatch('connect');
  }

  /** @internal Answers a server Ping message. */
  sendPong(): void {
    // The TCP client transport answers Ping frames itself (like a WebSocket client answers ping
    // control frames); only the WS JSON {"t":2} needs an answer from here.
    if (this.opts.mode === 'ws') this.sendControl(this.pongOut);
  }

  /** @internal Reports an error to onError, `error` listeners, or the logger. */
  reportError(error: Error, context: string): void {
    this.lastError = error;
    const hook = this.opts.hooks.onError;
    if (hook) {
      try {
        hook({ error, context });
      } catch (err) {
        this.logger.error('[stelar-client] onError hook threw', err);
      }
    }
    if (this.listeners.count('error') > 0) this.listeners.dispatch('error', error);
    else if (!hook) this.logger.warn(`[stelar-client] ${context}: ${error.message}`);
  }

  /** @internal Calls a hook; a throwing hook is reported, never propagated. */
  callHook<K extends keyof ResolvedClientOptions['hooks']>(name: K, arg: Parameters<NonNullable<ResolvedClientOptions['hooks'][K]>>[0]): unknown {
    const hook = this.opts.hooks[name] as ((a: unknown) => unknown) | undefined;
    if (!hook) return undefined;
    try {
      return hook(arg);
    } catch (err) {
      if (name !== 'onError') this.reportError(asError(err), `hook:${name}`);
      return undefined;
    }
  }

  /** @internal A room refused (ok:false): forget it and report. */
  roomRefused(msg: RoomMessage): void {
    const verb = msg.type === MessageType.JoinRoom ? 'join' : 'leave';
    if (msg.type === MessageType.JoinRoom) this.rooms.delete(msg.room);
    this.reportError(new Error(`cannot ${verb} room "${msg.room}": ${msg.reason ?? 'refused'}`), `room:${verb}`);
  }

  // ---- private ---------------------------------------------------------------------------

  private onStateChange(change: StateChange): void {
    this.callHook('onStateChange', change);
  }

  private beforeEmit(event: string, data: unknown): boolean {
    return this.callHook('onBeforeEmit', { event, data }) !== false;
  }

  private encode(message: StelarMessage): OutboundMessage {
    const codec = this.codecFor(this.opts.mode);
    const out = codec.encode(message);
    const limit = Math.min(this.opts.maxPayloadSize, this.serverMaxPayload);
    if (out.payload.byteLength > limit) {
      throw new RangeError(`message of ${out.payload.byteLength} bytes exceeds maxPayloadSize (${limit})`);
    }
    return out;
  }

  private codecFor(mode: 'ws' | 'tcp'): MessageCodec {
    const codec = this.deps.codecs[mode];
    if (!codec) throw new Error(`no ${mode} codec in this build`);
    return codec;
  }

  private enqueueWithId(event: string, id: number, message: StelarMessage, joinRoom?: string): void {
    let out: OutboundMessage;
    try {
      out = this.encode(message);
    } catch (err) {
      this.acks.reject(id, asError(err));
      throw err;
    }
    this.enqueue({ event, out, id, joinRoom });
  }

  private enqueue(m: QueuedMessage): void {
    if (this.machine.state === 'connected' && this.transport) {
      this.write(m);
      return;
    }
    const dropped = this.queue.push(m);
    if (dropped) this.dropped(dropped);
    this.callHook('onMessageQueued', { event: m.event, queueSize: this.queue.size });
  }

  private dropped(m: QueuedMessage): void {
    this.logger.warn(`[stelar-client] offline queue full: dropped "${m.event}"`);
    if (m.id !== undefined) {
      this.acks.reject(m.id, new StelarError(StelarErrorCode.Disconnected, `"${m.event}" was dropped from the full offline queue`, CloseCode.Normal));
    }
  }

  private write(m: QueuedMessage): void {
    this.transport!.send(m.out);
    this.messagesSent++;
    if (m.joinRoom !== undefined) this.rooms.add(m.joinRoom);
  }

  private sendControl(out: OutboundMessage | null): void {
    if (!out || !this.transport) return;
    try {
      this.transport.send(out);
    } catch (err) {
      this.reportError(asError(err), 'heartbeat');
    }
  }

  private roomRequest(type: typeof MessageType.JoinRoom | typeof MessageType.LeaveRoom, room: string): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const id = this.acks.register(
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
      this.enqueueWithId(type === MessageType.JoinRoom ? 'joinRoom' : 'leaveRoom', id, { type, room, id }, type === MessageType.JoinRoom ? room : undefined);
    });
  }

  private ackFailed(err: Error, ack: string): void {
    if ((err as StelarError).code === StelarErrorCode.Disconnected || (err as StelarError).code === StelarErrorCode.AckTimeout) {
      this.logger.debug(`[stelar-client] ack "${ack}": ${err.message}`);
    } else {
      this.reportError(err, `ack:${ack}`);
    }
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
    const codec = (this.codec = this.codecFor(mode));
    this.pingOut = codec.encode({ type: MessageType.Ping });
    this.pongOut = codec.encode({ type: MessageType.Pong });
    this.serverDisconnect = null;
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
      onClose: (code, reason) => {
        if (this.link === link) this.linkLost(code, reason);
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
      this.transport = factory.connect(
        { url: this.target.url, tls: this.target.tls, rejectUnauthorized: o.rejectUnauthorized, headers: o.headers, maxPayloadSize: o.maxPayloadSize, maxFrameSize: o.maxFrameSize },
        link,
      );
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
    // Requests already on the wire can no longer be answered; queued ones keep waiting.
    const queued = new Set<number>();
    for (const m of this.queue.toArray()) if (m.id !== undefined) queued.add(m.id);
    this.acks.rejectAll(new StelarError(StelarErrorCode.Disconnected, `connection lost: ${info.reason || info.code}`, info.code), (id) => queued.has(id));
    if (this.opts.reconnection) this.machine.transition('reconnecting');
    else this.machine.transition('disconnected');
    if (wasConnected) this.listeners.dispatch('disconnect', info);
    else if (!this.opts.reconnection) this.reportError(new Error(`cannot connect to ${this.target.url}: ${reason || code}`), 'connect');
    if (this.machine.state === 'reconnecting') this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const attempt = ++this.attempt;
    if (attempt > this.opts.reconnectionAttempts) {
      this.machine.transition('disconnected');
      // Nothing will be sent any more: settle what still waits in the queue now.
      const failed = new StelarError(StelarErrorCode.Disconnected, 'reconnection failed', CloseCode.Abnormal);
      for (const m of this.queue.removeWhere((q) => q.id !== undefined)) this.acks.reject(m.id!, failed);
      this.listeners.dispatch('reconnect_failed');
      return;
    }
    const o = this.opts;
    const delay = resolveReconnectDelay(
      { attempt, baseDelay: o.reconnectionDelay, maxDelay: o.maxReconnectionDelay, custom: o.customReconnectDelay, hook: o.hooks.onReconnectDelay, random: this.deps.random },
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

  private detach(): void {
    this.link = null;
    this.transport = null;
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

/** Anything thrown, as an Error. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
