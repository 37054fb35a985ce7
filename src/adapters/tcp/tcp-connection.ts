import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { Connection, ConnectionHandler, OutboundMessage } from '../../ports/connection.port';
import { CloseCode, type ProtocolError } from '../../domain/errors';
import { MessageType } from '../../domain/message';
import { TcpBinaryCodec, TCP_PING_FRAME } from '../codec/tcp-binary.codec';
import { peerDisconnectOf } from './tcp-peer-disconnect';
import { TcpFrameParser, type TcpFrameSink } from './tcp-frame-parser';
import { bindSocket, unbindSocket, type SocketOwner } from '../socket/socket-binding';
import { SocketOutbox } from '../socket/socket-outbox';
import { armCloseTimer, clearTimer } from '../socket/socket-timers';

export { PAUSE_SCREENING } from '../socket/socket-outbox';

/** Limits of one TCP connection (one object per transport, shared by its connections). */
export interface TcpConnectionOptions {
  /** Largest accepted frame `totalLen` (1009 above it, checked from the header). */
  readonly maxFrameSize: number;
  /** Largest accepted frame body (1009 above it, checked from the header). */
  readonly maxPayloadSize: number;
  /**
   * send() returns false, and reading from the peer pauses, while more than this many bytes are
   * buffered (socket-outbox.ts); what to do with a peer over it is the domain's decision.
   */
  readonly maxBufferedBytes: number;
  /** How long close() waits for the peer's FIN before destroying the socket (ms). */
  readonly closeTimeout: number;
  /**
   * Server side (default): a framing error is answered with an Error frame before the
   * Disconnect. Client side (false): Error frames flow server → client only.
   */
  readonly errorFrames?: boolean;
  /**
   * Encodes the frames the connection writes itself (Disconnect, Error): the transport's injected
   * codec (`TCP_TOKENS.Codec`). Default: a {@link TcpBinaryCodec}.
   */
  readonly codec?: MessageCodec;
  /** The close timer's clock (injected: `TOKENS.Clock`). Default: the system clock, unref'd. */
  readonly clock?: Clock;
}

// Connection states.
const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

const DEFAULT_CODEC = new TcpBinaryCodec();
const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** `::ffff:1.2.3.4` (IPv4-mapped IPv6) → `1.2.3.4`. */
export function normaliseAddress(address: string | undefined): string {
  if (address === undefined) return '';
  if (!address.startsWith('::ffff:') || !address.includes('.')) return address;
  // Many connections come from the same few addresses (a proxy, a NAT): share the string.
  if (address !== lastMapped) {
    lastMapped = address;
    lastNormalised = address.slice(7);
  }
  return lastNormalised;
}

let lastMapped = '';
let lastNormalised = '';

/**
 * One binary-TCP peer (plain or TLS socket) behind the Connection port, server or client side.
 * Inbound: the frame parser splits the byte stream and every frame body (type byte first) goes
 * to the handler's onMessage, the domain decodes it with TcpBinaryCodec; Pong frames also fire
 * onPong. Outbound: send() queues the codec's complete frame as-is (a broadcast queues the same
 * bytes for every socket); the shared socket core (adapters/socket) writes the frames of one
 * event-loop turn together and applies the one backpressure rule of both transports. Socket
 * listeners are module-level functions that find the connection through a symbol on the
 * socket, so a connection creates no closures.
 */
export class TcpConnection extends SocketOutbox implements Connection, TcpFrameSink, SocketOwner {
  readonly remoteAddress: string;
  owner: unknown = undefined;
  /**
   * The `headers` of the client's Connect hello, set by the server transport before it hands the
   * connection to the acceptor (empty when the hello had none).
   */
  helloHeaders: Readonly<Record<string, string>> = EMPTY_HEADERS;

  private handler: ConnectionHandler;
  private readonly parser: TcpFrameParser;
  private state = OPEN;
  private closeTimer: TimerHandle | null = null;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason = '';
  private closeKnown = false;

  /** `remoteAddress`: the socket's normalised peer address, when the caller already has it. */
  constructor(
    socket: Socket,
    private readonly options: TcpConnectionOptions,
    handler: ConnectionHandler,
    remoteAddress?: string,
  ) {
    super(socket);
    this.handler = handler;
    this.remoteAddress = remoteAddress ?? normaliseAddress(socket.remoteAddress);
    this.parser = new TcpFrameParser(this, options);
    bindSocket(socket, this, false);
  }

  // On the prototype, not per instance: every field costs 8 bytes per idle connection.
  get protocol(): 'tcp' {
    return 'tcp';
  }

  get request(): null {
    return null;
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** The handler currently receiving this connection's events. */
  getHandler(): ConnectionHandler {
    return this.handler;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  /**
   * Queues one complete frame. Returns false when the buffered bytes are above
   * `maxBufferedBytes`; reading from the peer is then paused until the socket drains.
   */
  send(message: OutboundMessage): boolean {
    if (this.state !== OPEN) return false;
    return this.queueFrame(message.payload, this.options.maxBufferedBytes);
  }

  ping(): void {
    if (this.state === OPEN) this.writeFrame(TCP_PING_FRAME);
  }

  /** Sends Disconnect `{code, reason}`, then FIN; destroys after closeTimeout if the peer lingers. */
  close(code: number, reason: string): void {
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
      throw new RangeError(`Invalid close code ${code}`);
    }
    if (this.state !== OPEN) return;
    // Once the peer has sent its own Disconnect (or the socket failed) it discards whatever it
    // reads until our FIN (docs/PROTOCOL.md, TCP lifecycle step 4): answering with a
    // Disconnect would be a write nobody reads.
    if (!this.closeKnown) {
      this.writeFrame((this.options.codec ?? DEFAULT_CODEC).encode({ type: MessageType.Disconnect, code, reason: String(reason) }).payload);
    }
    this.beginClose(code, String(reason));
  }

  /** Sends an Error frame with the error's code, then closes with its close code. */
  fail(err: { readonly code: string; readonly message: string; readonly closeCode: number }): void {
    if (this.state !== OPEN) return;
    this.writeFrame((this.options.codec ?? DEFAULT_CODEC).encode({ type: MessageType.Error, code: err.code, message: err.message }).payload);
    this.close(err.closeCode, err.message);
  }

  terminate(): void {
    this.abort(CloseCode.Abnormal, 'terminated');
  }

  /** Destroys the socket now; onClose reports `code` and `reason` unless a close was known. */
  abort(code: number, reason: string): void {
    if (this.state === CLOSED) return;
    this.recordClose(code, reason);
    this.state = CLOSING;
    this.parser.halt();
    this.socket.destroy();
  }

  // --- TcpFrameSink ---------------------------------------------------------------------------

  onFrame(body: Uint8Array): void {
    if (this.state !== OPEN) return;
    const type = body[0];
    if (type === MessageType.Disconnect) this.notePeerDisconnect(body);
    this.handler.onMessage(this, body, true);
    if (type === MessageType.Pong && this.state === OPEN) this.handler.onPong?.(this);
  }

  onFrameError(err: ProtocolError): void {
    if (this.state !== OPEN) return;
    this.handler.onProtocolError(this, err);
    if (this.options.errorFrames === false) this.close(err.closeCode, err.message);
    else this.fail(err);
  }

  // --- internals ------------------------------------------------------------------------------

  private beginClose(code: number, reason: string): void {
    this.recordClose(code, reason);
    this.state = CLOSING;
    this.parser.halt();
    this.endSocket();
    // Keep reading (and discarding) until the peer's FIN: destroying with unread input would
    // send RST and could discard the Disconnect frame before the peer reads it.
    this.resumeAll();
    this.closeTimer = armCloseTimer(this.options, this.socket);
  }

  private recordClose(code: number, reason: string): void {
    if (this.closeKnown) return;
    this.closeKnown = true;
    this.closeCode = code;
    this.closeReason = reason;
  }

  private notePeerDisconnect(body: Uint8Array): void {
    const peer = peerDisconnectOf(body);
    this.recordClose(peer.code, peer.reason);
  }

  protected onWritable(): void {
    if (this.state === OPEN) this.handler.onDrain?.(this);
  }

  /** @internal socket 'data'. */
  socketData(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  /** @internal not listened to: a TCP socket ends itself on the peer's FIN ('close' follows). */
  socketEnd(): void {}

  /** @internal socket 'error' ('close' follows). */
  socketError(err: Error): void {
    this.recordClose(CloseCode.Abnormal, err.message);
  }

  /** @internal socket 'close': reported to the handler exactly once. */
  socketClosed(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.parser.halt();
    this.dropWrites();
    this.closeTimer = clearTimer(this.options.clock, this.closeTimer);
    // 'error' stays attached: a late error on a dead socket must not become an uncaught one.
    unbindSocket(this.socket, this);
    this.handler.onClose(this, this.closeCode, this.closeReason);
  }
}
