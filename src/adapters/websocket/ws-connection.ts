import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TimerHandle } from '../../ports/clock.port';
import type { Connection, ConnectionHandler, OutboundMessage, SessionSignal } from '../../ports/connection.port';
import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { EMPTY_BUFFER, Opcode } from './ws-constants';
import { WsReceiver, type WsReceiverSink } from './ws-receiver';
import { closeBody, controlFrame } from './ws-sender';
import type { PerMessageDeflate } from './permessage-deflate';
import { WsOrderedOutbox } from './ws-ordered-outbox';
import { bindSocket, unbindSocket, type SocketOwner } from '../socket/socket-binding';
import { PAUSE_PARSER } from '../socket/socket-outbox';
import { armCloseTimer, clearTimer, type CloseTimerSettings } from '../socket/socket-timers';
import { UpgradeRequestSnapshot } from './upgrade-request.snapshot';
import { sessionSignalOf } from './ws-session-signal';

export { WsFrameCache } from './ws-frame-cache';

/** Settings of one WebSocket connection (server or client side). */
export interface WsConnectionOptions {
  /** Server side: expects masked frames and never masks. Client side: the opposite. */
  readonly isServer: boolean;
  readonly maxPayloadSize: number;
  readonly maxFrameSize: number;
  readonly maxFragments?: number;
  /**
   * How long to wait for the peer's close frame / FIN before destroying the socket, and on which
   * clock: the transport's one settings object (injected clock), shared by its connections.
   */
  readonly closeTimer: CloseTimerSettings;
  /** send() returns false, and reading pauses, while more than this many bytes are buffered (socket-outbox.ts). */
  readonly maxBufferedBytes: number;
  readonly deflate: PerMessageDeflate | null;
  readonly remoteAddress: string;
  /** What the server keeps of the HTTP upgrade request (server side), or null. */
  readonly request: UpgradeRequestSnapshot | null;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

const NOOP_HANDLER: ConnectionHandler = {
  onMessage() {},
  onProtocolError() {},
  onClose() {},
};

/**
 * One RFC 6455 connection over an upgraded socket: implements the Connection port for the
 * domain and the receiver sink for the parser. It answers pings, runs the close handshake
 * (§7.1.2), applies backpressure both ways and reports `onClose` exactly once.
 */
export class WsConnection extends WsOrderedOutbox implements Connection, WsReceiverSink, SocketOwner {
  readonly protocol = 'ws' as const;
  readonly remoteAddress: string;
  owner: unknown = null;

  private handler: ConnectionHandler = NOOP_HANDLER;
  private readonly receiver: WsReceiver;
  private state = OPEN;
  private closeFrameSent = false;
  private closeFrameReceived = false;
  private localCode = 0;
  private remoteCode = 0;
  private remoteReason = '';
  private localReason = '';
  private closeTimer: TimerHandle | null = null;
  private readonly closeSettings: CloseTimerSettings;
  private started = false;
  // The upgrade request: its snapshot until `request` is first read, then the IncomingMessage.
  private req: UpgradeRequestSnapshot | IncomingMessage | null;

  constructor(
    socket: Socket,
    options: WsConnectionOptions,
  ) {
    super(socket, options.deflate, !options.isServer, options.maxBufferedBytes);
    this.remoteAddress = options.remoteAddress;
    this.req = options.request;
    this.closeSettings = options.closeTimer;
    this.receiver = new WsReceiver(this, {
      isServer: options.isServer,
      maxPayloadSize: options.maxPayloadSize,
      maxFrameSize: options.maxFrameSize,
      maxFragments: options.maxFragments,
      deflate: options.deflate,
    });
  }

  /**
   * The HTTP upgrade request (`ctx.req`), built from its snapshot on first access and then kept,
   * so what a middleware attaches to it is still there for later handlers. Null client side.
   */
  get request(): IncomingMessage | null {
    const req = this.req;
    if (req instanceof UpgradeRequestSnapshot) return (this.req = req.materialize(this.socket));
    return req;
  }

  /** The upgrade request's headers (`ctx.headers`) without building the request itself. */
  get handshakeHeaders(): IncomingHttpHeaders | null {
    const req = this.req;
    if (req instanceof UpgradeRequestSnapshot) return req.headers();
    return req === null ? null : req.headers;
  }

  /** The session recovery signal of the upgrade URL (read once, at admission; not stored). */
  get sessionSignal(): SessionSignal | null {
    const req = this.req;
    return req === null ? null : sessionSignalOf(req.url ?? '/');
  }

  /** True until close() is called or the peer goes away. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Sets the callbacks (the domain does it in `accept`). */
  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  /**
   * Starts reading: attaches the socket listeners and parses `head` (bytes that arrived with
   * the upgrade request). Called by the transport after the acceptor took the connection.
   */
  start(head: Buffer | null): void {
    if (this.started) return;
    this.started = true;
    bindSocket(this.socket, this, true);
    if (head !== null && head.length > 0) this.receiver.push(head);
    if (this.socket.destroyed) this.socketClosed();
  }

  /** Queues one message; false when the send buffer is above `maxBufferedBytes` (socket-outbox.ts). */
  send(message: OutboundMessage): boolean {
    if (this.state !== OPEN) return false;
    return this.enqueue(message);
  }

  /** Sends a ping control frame (the domain schedules heartbeats). */
  ping(): void {
    if (this.state !== OPEN) return;
    this.write(controlFrame(Opcode.Ping, EMPTY_BUFFER, this.mask));
  }

  /**
   * Starts the close handshake (RFC 6455 §7.1.2). Throws RangeError for a code that may not be
   * sent (caller mistake). Idempotent once closing.
   */
  close(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    const body = closeBody(code, reason);
    this.localCode = code;
    this.localReason = reason;
    this.beginClose(body);
  }

  /** Destroys the socket now; onClose follows with 1006 unless a close code is known. */
  terminate(): void {
    if (this.state === OPEN) this.state = CLOSING;
    this.socket.destroy();
  }

  // ---- receiver sink -------------------------------------------------------------------------

  /** @internal */
  onFrameMessage(payload: Buffer, binary: boolean): void {
    // After our close frame, data is discarded (RFC 6455 §5.5.1: we are done sending anyway).
    if (this.state !== OPEN) return;
    this.handler.onMessage(this, payload, binary);
  }

  /** @internal */
  onFramePing(data: Buffer): void {
    // §5.5.2/§5.5.3: answer with the same application data, unless our close frame went out.
    if (this.closeFrameSent || this.state === CLOSED) return;
    // A pong is output like any other: a peer that pings and never reads is dropped at the
    // bound instead of making us queue pongs without limit (pong amplification).
    if (this.bufferedAmount > this.maxBufferedBytes) return this.dropSlowConsumer();
    this.write(controlFrame(Opcode.Pong, data, this.mask));
  }

  /** @internal */
  onFramePong(): void {
    if (this.state === OPEN && this.handler.onPong) this.handler.onPong(this);
  }

  /** @internal */
  onFrameClose(code: number, reason: string): void {
    this.closeFrameReceived = true;
    this.remoteCode = code;
    this.remoteReason = reason;
    if (!this.closeFrameSent && !this.closePending) {
      // §5.5.1: echo the status code; a close without a body gets one without a body.
      this.state = CLOSING;
      this.localCode = code;
      const body = code === CloseCode.NoStatus ? EMPTY_BUFFER : closeBody(code, '');
      // Messages already queued behind a compression go out first: a close frame is last.
      this.closeAfterQueue(body);
    } else if (this.closeFrameSent) {
      this.endSocket();
    }
    this.armCloseTimer();
  }

  /** @internal */
  onFrameError(err: ProtocolError): void {
    // §7.1.7 "Fail the WebSocket Connection": report, send the close code, drop the link.
    const wasOpen = this.state === OPEN;
    this.state = CLOSING;
    this.localCode = err.closeCode;
    this.localReason = err.message;
    if (wasOpen) this.handler.onProtocolError(this, err);
    this.dropQueue(!this.closeFrameSent);
    if (!this.closeFrameSent) {
      this.sendClose(closeBody(err.closeCode, ''));
    }
    this.endSocket();
    this.armCloseTimer();
    this.resumeAll();
  }

  /** @internal */
  onFrameResume(): void {
    this.resumeReading(PAUSE_PARSER);
  }

  // ---- socket events (module-level listeners call these) ------------------------------------

  /** @internal */
  socketData(chunk: Buffer): void {
    this.receiver.push(chunk);
    if (this.receiver.busy) this.pauseReading(PAUSE_PARSER);
  }

  /** @internal */
  socketEnd(): void {
    // The peer half-closed (http server sockets allow half-open): finish our side too.
    if (this.state === OPEN) this.state = CLOSING;
    this.endSocket();
  }

  /** @internal socket error: 'close' follows (the binding destroys the socket). */
  socketError(): void {}

  protected onWritable(): void {
    if (this.state === OPEN && this.handler.onDrain) this.handler.onDrain(this);
  }

  /** @internal Called once when the socket is gone. */
  socketClosed(): void {
    // Once only: the binding is removed on the first call.
    if (!unbindSocket(this.socket, this)) return;
    this.state = CLOSED;
    this.closeTimer = clearTimer(this.closeSettings.clock, this.closeTimer);
    this.receiver.stop();
    this.dropWrites();
    if (this.deflate !== null) this.deflate.close();
    this.dropQueue(false);
    let code: number = CloseCode.Abnormal;
    let reason = '';
    if (this.closeFrameReceived) {
      code = this.remoteCode;
      reason = this.remoteReason;
    } else if (this.localCode !== 0) {
      code = this.localCode;
      reason = this.localReason;
    }
    this.handler.onClose(this, code, reason);
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * Output over `maxBufferedBytes` that the domain did not send (pongs): the peer is not reading,
   * so a close frame would wait behind the backlog. Reported to the handler (which logs it) as
   * STELAR_ERR_SLOW_CONSUMER, closed with 1008 and the socket destroyed at once.
   */
  private dropSlowConsumer(): void {
    const err = createError(
      ErrorPrefix.None,
      `${StelarErrorCode.SlowConsumer}: more than ${this.maxBufferedBytes} bytes buffered for a peer that does not read`,
      StelarErrorCode.SlowConsumer,
      CloseCode.PolicyViolation,
    );
    const wasOpen = this.state === OPEN;
    this.state = CLOSING;
    this.localCode = err.closeCode;
    this.localReason = err.message;
    this.receiver.stop();
    this.dropQueue(false);
    this.dropWrites();
    if (wasOpen) this.handler.onProtocolError(this, err);
    this.socket.destroy();
  }

  private beginClose(body: Buffer): void {
    this.state = CLOSING;
    this.closeAfterQueue(body);
    this.armCloseTimer();
  }

  protected get closed(): boolean {
    return this.state === CLOSED;
  }

  protected compressionFailed(): void {
    // Out of memory in zlib, or the like: the stream cannot continue in order.
    this.localCode = CloseCode.InternalError;
    this.terminate();
  }

  protected sendClose(body: Buffer): void {
    this.closeFrameSent = true;
    this.write(controlFrame(Opcode.Close, body, this.mask));
    // The server closes TCP first once both close frames crossed (§7.1.1); the client too when
    // the server echoed, so no side lingers.
    if (this.closeFrameReceived) this.endSocket();
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.state === CLOSED) return;
    this.closeTimer = armCloseTimer(this.closeSettings, this.socket);
  }
}
