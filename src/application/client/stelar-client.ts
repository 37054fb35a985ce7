import { StelarErrorCode, type StelarError } from '../../domain/errors';
import { MessageType, type BinaryMeta } from '../../domain/message';
import { readFileInput, toBytes, type BinaryData, type FileInput } from './binary-input';
import { createClientLogger } from './client-logger';
import { mergeClientOptions, resolveTarget, type ResolvedClientOptions, type StelarClientOptions } from './client-options';
import { ClientConnectionBase } from './client-connection.base';
import { clientModes, type StelarClientDeps } from './client-deps';
import { assertName, roomNameError } from './event-name';
import type { BinaryEventNames, DefaultEventsMap, EventAnswer, EventNames, EventPayload, EventsMap, IsUntyped } from '../event-map.types';
import type { ClientEmitArgs, ClientRequestArgs, UntypedEventName } from './client-event-map.types';

export type { StelarClientDeps, QueuedMessage, DisconnectInfo } from './client-deps';
export type { ClientReservedEvents, ClientListener, ClientEventNames } from './client-event-map.types';

/** What `request(E)` resolves to: the answer type of `E`, or `unknown` for an untyped client. */
export type RequestAnswer<Emit extends EventsMap, E extends keyof Emit> = IsUntyped<Emit> extends true ? unknown : EventAnswer<Emit, E>;
export { asError } from './client-events.base';

/**
 * The transport-independent Stelar client: connection state machine, reconnection with
 * anchored full-jitter backoff, bounded offline queue, room rejoin, request/answer correlation and
 * heartbeats. Platform pieces come in through {@link StelarClientDeps}; `src/client.ts` (Node)
 * and `src/browser.ts` export subclasses named `StelarClient` that supply them.
 *
 * Optionally typed, in socket.io's order: `StelarClient<Listen, Emit>` — the events the server
 * sends (`Listen`), and the events and requests this client sends (`Emit`; a request's entry
 * returns its answer type). See docs/API.md, "Typed events".
 */
export class BaseStelarClient<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = DefaultEventsMap> extends ClientConnectionBase<Listen> {
  constructor(target: string | number, options: StelarClientOptions = {}, deps: StelarClientDeps) {
    super(target, options, deps);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Sends `event` with JSON `data`, or queues it while not connected. With `opts.ack`, sends an
   * ACK request whose answer is delivered as event `opts.ack` and to `onAck(opts.ack)`.
   * Returns false when `onBeforeEmit` cancelled it.
   */
  emit<E extends EventNames<Emit>>(event: E, ...args: ClientEmitArgs<EventPayload<Emit, E>>): boolean;
  emit(event: string, data?: unknown, opts?: { ack?: string }): boolean {
    assertName(event, 'event', true);
    const ack = opts?.ack;
    if (ack !== undefined) assertName(ack, 'ack');
    if (!this.beforeEmit(event, data)) return false;
    if (ack === undefined) {
      this.sendMessage(event, { type: MessageType.Event, event, data });
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
  emitBinary<E extends BinaryEventNames<Emit>>(event: E, data: BinaryData, meta?: BinaryMeta): boolean;
  emitBinary(event: string, data: BinaryData, meta?: BinaryMeta): boolean {
    return this.emitBytes(event, data, meta);
  }

  private emitBytes(event: string, data: BinaryData, meta?: BinaryMeta): boolean {
    assertName(event, 'event', true);
    const bytes = toBytes(data);
    if (!this.beforeEmit(event, bytes)) return false;
    this.sendMessage(event, { type: MessageType.Binary, event, bytes, meta });
    return true;
  }

  /** Sends a Blob/File (browser) or Buffer/Uint8Array as binary with `{ name, type, size }`. */
  async sendFile(file: FileInput, opts: { event?: string; name?: string; type?: string } = {}): Promise<boolean> {
    const { bytes, meta } = await readFileInput(file, { name: 'file', type: 'application/octet-stream' }, opts);
    return this.emitBytes(opts.event ?? 'file', bytes, meta);
  }

  /** Like {@link sendFile}, as event `image` by default. */
  async sendImage(image: FileInput, opts: { event?: string; name?: string; type?: string } = {}): Promise<boolean> {
    const { bytes, meta } = await readFileInput(image, { name: 'image', type: 'application/octet-stream' }, opts);
    return this.emitBytes(opts.event ?? 'image', bytes, meta);
  }

  /**
   * Request-response: resolves with the server's answer; rejects on `ackTimeout`
   * (STELAR_ERR_ACK_TIMEOUT), on an error answer (an Error with the server's message), on
   * disconnect (STELAR_ERR_DISCONNECTED), or when `onBeforeEmit` cancels it. Never hangs.
   */
  request<E extends EventNames<Emit>>(event: E, ...args: ClientRequestArgs<EventPayload<Emit, E>>): Promise<RequestAnswer<Emit, E>>;
  /** Untyped clients: `request<T>(event, data?, ackName?)` resolves to the `T` you name. */
  request<T = unknown>(event: UntypedEventName<Emit>, data?: unknown, ackName?: string): Promise<T>;
  request(event: string, data?: unknown, ackName: string = event): Promise<unknown> {
    assertName(event, 'event', true);
    assertName(ackName, 'ack');
    if (!this.beforeEmit(event, data)) return Promise.reject(new Error(`request "${event}" cancelled by onBeforeEmit`));
    let pending: { id: number; promise: Promise<unknown> };
    try {
      pending = this.acks.request<unknown>(this.opts.ackTimeout, `request "${event}"`);
    } catch (err) {
      return Promise.reject(err); // STELAR_ERR_TOO_MANY_REQUESTS (maxRequestsInFlight): nothing sent
    }
    const { id, promise } = pending;
    this.enqueueWithId(event, id, { type: MessageType.AckRequest, event, ack: ackName, id, data });
    return promise;
  }

  /**
   * Joins `room` (queued while offline; rejoined automatically after every reconnect). The
   * promise resolves true when the server accepts, false when it refuses (an `error` event is
   * emitted too), times out or the connection drops; it never rejects nor throws, so
   * fire-and-forget use is safe. An invalid name (empty, over 255 bytes, NUL, not a string) is
   * refused here the same way: `false`, and an `error` (TypeError, STELAR_ERR_INVALID_EVENT_NAME).
   */
  joinRoom(room: string): Promise<boolean> {
    if (!this.roomNameOk(room, 'join')) return Promise.resolve(false);
    return this.roomRequest(MessageType.JoinRoom, room);
  }

  /** Leaves `room` (also cancels a join still in the offline queue). Same promise as joinRoom. */
  leaveRoom(room: string): Promise<boolean> {
    if (!this.roomNameOk(room, 'leave')) return Promise.resolve(false);
    this.rooms.delete(room);
    if (!this.isConnected()) {
      for (const q of this.queue.removeWhere((m) => m.joinRoom === room)) if (q.id !== undefined) this.acks.resolve(q.id, { ok: false });
      return Promise.resolve(true);
    }
    return this.roomRequest(MessageType.LeaveRoom, room);
  }

  // ---- metrics and options ---------------------------------------------------------------

  /** Messages written to the server (heartbeats excluded). */
  getMessagesSent(): number {
    return this.messagesSent;
  }

  /** Messages received from the server (heartbeats and Connect excluded). */
  getMessagesReceived(): number {
    return this.messagesReceived;
  }

  /** Timestamp (ms) of the last successful connection, or null. */
  getConnectTime(): number | null {
    return this.connectTime;
  }

  /**
   * Session recovery: messages written in this session that the server has not confirmed yet
   * (kept to be re-sent after a resume; at most 1024 messages / 8 MiB). 0 when the server does
   * not confirm (recovery off on either side).
   */
  getUnconfirmedCount(): number {
    return this.sendLog === null ? 0 : this.sendLog.size;
  }

  /** Messages waiting in the offline queue. */
  getQueueSize(): number {
    return this.queue.size;
  }

  /**
   * Changes options at runtime, without reconnecting where possible: heartbeat and queue size
   * apply at once, ackTimeout to new requests, mode/tls/headers/limits to the next dial.
   */
  updateOptions(patch: StelarClientOptions): this {
    const next = mergeClientOptions(this.opts, patch, clientModes(this.deps));
    const prev = this.opts;
    this.opts = next;
    if (patch.logger !== undefined) this.logger = createClientLogger(next.logger);
    if (next.ackTimeout !== prev.ackTimeout) this.acks.setDefaultTimeout(next.ackTimeout);
    if (next.maxRequestsInFlight !== prev.maxRequestsInFlight) this.acks.setMaxPending(next.maxRequestsInFlight);
    if (next.messageQueueSize !== prev.messageQueueSize) for (const m of this.queue.resize(next.messageQueueSize)) this.dropped(m);
    if (next.heartbeatInterval !== prev.heartbeatInterval && this.heartbeat.running) this.heartbeat.start(next.heartbeatInterval);
    if (next.mode !== prev.mode || next.tls !== prev.tls) this.target = resolveTarget(this.rawTarget, next.mode, next.tls, this.deps.transports);
    return this;
  }

  /** A copy of the current options (hooks and headers copied too). */
  getOptions(): ResolvedClientOptions {
    return { ...this.opts, hooks: { ...this.opts.hooks }, headers: { ...this.opts.headers } };
  }

  private roomNameOk(room: unknown, verb: 'join' | 'leave'): boolean {
    const err = roomNameError(room);
    if (err !== null) this.reportError(err, `room:${verb}`);
    return err === null;
  }

  private beforeEmit(event: string, data: unknown): boolean {
    return this.callHook('onBeforeEmit', { event, data }) !== false;
  }

  private ackFailed(err: Error, ack: string): void {
    if ((err as StelarError).code === StelarErrorCode.Disconnected || (err as StelarError).code === StelarErrorCode.AckTimeout) {
      this.logger.debug(`[stelar-client] ack "${ack}": ${err.message}`);
    } else {
      this.reportError(err, `ack:${ack}`);
    }
  }
}
