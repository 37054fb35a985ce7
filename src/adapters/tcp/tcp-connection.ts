import type { Socket } from 'node:net';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { Connection, ConnectionHandler, OutboundMessage } from '../../ports/connection.port';
import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { MessageType } from '../../domain/message';
import { TcpBinaryCodec, TCP_PING_FRAME } from '../codec/tcp-binary.codec';
import { peerDisconnectOf } from './tcp-peer-disconnect';
import { TcpFrameParser, type TcpFrameSink } from './tcp-frame-parser';
import { coalesceFrames } from '../socket/frame-coalescer';
import { enterInbound, leaveInbound, scheduleFlush, type TcpFlushable } from './tcp-flush-queue';

/** Limits of one TCP connection. */
export interface TcpConnectionOptions {
  /** Largest accepted frame `totalLen` (1009 above it, checked from the header). */
  readonly maxFrameSize: number;
  /** Largest accepted frame body (1009 above it, checked from the header). */
  readonly maxPayloadSize: number;
  /**
   * Hard cap on bytes queued for a peer that does not read: above it the socket is destroyed
   * (STELAR_ERR_SLOW_CONSUMER, reported as 1008), so a slow reader cannot grow memory unboundedly.
   */
  readonly maxBufferedBytes: number;
  /** How long close() waits for the peer's FIN before destroying the socket (ms). */
  readonly closeTimeout: number;
  /**
   * Encodes the frames the connection writes itself (Disconnect, Error): the transport's injected
   * codec (`TCP_TOKENS.Codec`). Default: a {@link TcpBinaryCodec}.
   */
  readonly codec?: MessageCodec;
}

// Connection states.
const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

// Reasons reading is paused; reading resumes when none is left.
/** Paused by the transport until the acceptor has screened the socket. */
export const PAUSE_SCREENING = 1;
const PAUSE_BACKPRESSURE = 2;

/**
 * Frames queued in one turn whose total is at most this many bytes are copied into one buffer
 * and written with a single write(); above it they go out as one writev without copying.
 */
const COALESCE_LIMIT = 16 * 1024;

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
 * One binary-TCP peer (plain or TLS socket) behind the Connection port. Inbound: the frame
 * parser splits the byte stream and every frame body (type byte first) goes to the handler's
 * onMessage, the domain decodes it with TcpBinaryCodec; Pong frames also fire onPong.
 * Outbound: send() queues the codec's complete frame as-is (a broadcast queues the same bytes
 * for every socket); the frames queued in one event-loop turn are written together, through
 * one shared flush list (tcp-flush-queue) run when the socket 'data' callback that queued them
 * returns, or else on the next tick: a broadcast to N sockets costs one write per socket and at
 * most one nextTick in all. Socket listeners are module-level functions that
 * find the connection through a symbol on the socket, so a connection creates no closures.
 */
export class TcpConnection implements Connection, TcpFrameSink, TcpFlushable {
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
  private paused = 0;
  private aboveHighWater = false;
  /** First frame queued this turn (null: nothing queued, not registered for a flush). */
  private outFirst: Uint8Array | null = null;
  /** Further frames queued this turn. */
  private outMore: Uint8Array[] | null = null;
  /** Bytes queued this turn. */
  private outBytes = 0;
  /** socket.writableLength when this turn's first frame was queued (it cannot grow meanwhile). */
  private outBase = 0;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason = '';
  private closeKnown = false;

  /** `remoteAddress`: the socket's normalised peer address, when the caller already has it. */
  constructor(
    readonly socket: Socket,
    private readonly options: TcpConnectionOptions,
    handler: ConnectionHandler,
    remoteAddress?: string,
  ) {
    this.handler = handler;
    this.remoteAddress = remoteAddress ?? normaliseAddress(socket.remoteAddress);
    this.parser = new TcpFrameParser(this, options);
    (socket as OwnedSocket)[kConnection] = this;
    // 'drain' is listened to only while above the high-water mark (fewer listeners per socket).
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  // On the prototype, not per instance: every field costs 8 bytes per idle connection.
  get protocol(): 'tcp' {
    return 'tcp';
  }

  get request(): null {
    return null;
  }

  get bufferedAmount(): number {
    return this.socket.writableLength + this.outBytes;
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
   * Queues one complete frame. Returns false when the socket's buffer is above its high-water
   * mark (the write() return value); reading from the peer is then paused until 'drain'.
   */
  send(message: OutboundMessage): boolean {
    if (this.state !== OPEN) return false;
    return this.write(message.payload);
  }

  ping(): void {
    if (this.state === OPEN) this.write(TCP_PING_FRAME);
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
      this.write((this.options.codec ?? DEFAULT_CODEC).encode({ type: MessageType.Disconnect, code, reason: String(reason) }).payload);
    }
    // write() may have found the peer over maxBufferedBytes and destroyed the socket.
    if (this.state === OPEN) this.beginClose(code, String(reason));
  }

  /** Sends an Error frame with the error's code, then closes with its close code. */
  fail(err: { readonly code: string; readonly message: string; readonly closeCode: number }): void {
    if (this.state !== OPEN) return;
    this.write((this.options.codec ?? DEFAULT_CODEC).encode({ type: MessageType.Error, code: err.code, message: err.message }).payload);
    this.close(err.closeCode, err.message);
  }

  terminate(): void {
    if (this.state === CLOSED) return;
    this.recordClose(CloseCode.Abnormal, 'terminated');
    this.state = CLOSING;
    this.parser.halt();
    this.socket.destroy();
  }

  /** Pauses reading for `reason` (a PAUSE_* bit). */
  pauseReading(reason: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= reason;
  }

  /** Lifts one pause reason; reading resumes when none is left. */
  resumeReading(reason: number): void {
    if (this.paused === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0) this.socket.resume();
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
    this.fail(err);
  }

  // --- internals ------------------------------------------------------------------------------

  private write(bytes: Uint8Array): boolean {
    const socket = this.socket;
    if (this.outFirst === null) {
      this.outFirst = bytes;
      this.outBytes = bytes.length;
      this.outBase = socket.writableLength;
      scheduleFlush(this);
    } else {
      if (this.outMore === null) this.outMore = [bytes];
      else this.outMore.push(bytes);
      this.outBytes += bytes.length;
    }
    const queued = this.outBase + this.outBytes;
    if (queued > this.options.maxBufferedBytes) {
      this.slowConsumer();
      return false;
    }
    if (queued < socket.writableHighWaterMark) return true;
    if (!this.aboveHighWater) {
      // The peer is not reading: stop reading its requests until our output drains.
      this.aboveHighWater = true;
      socket.on('drain', onSocketDrain);
      this.pauseReading(PAUSE_BACKPRESSURE);
    }
    return false;
  }

  /** @internal writes the frames queued this turn (called by the flush list, or on close). */
  flushQueued(): void {
    const first = this.outFirst;
    if (first === null) return;
    const more = this.outMore;
    const total = this.outBytes;
    this.outFirst = null;
    this.outMore = null;
    this.outBytes = 0;
    const socket = this.socket;
    // Gone, or ended under us (a peer FIN auto-ends the socket): nothing can be written.
    if (socket.destroyed || !socket.writable) return;
    let ok: boolean;
    if (more === null) {
      ok = socket.write(first);
    } else if (total <= COALESCE_LIMIT) {
      // Small frames: one copy into one buffer (shared by every connection that queued the
      // same frames) is cheaper than a writev of many chunks.
      ok = socket.write(coalesceFrames(first, more, total));
    } else {
      socket.cork();
      socket.write(first);
      for (let i = 0; i < more.length - 1; i++) socket.write(more[i]);
      ok = socket.write(more[more.length - 1]);
      socket.uncork();
    }
    // write() said "above high water" when the frames were queued, so 'drain' will follow;
    // should the socket's mark have moved meanwhile, there is no drain to wait for.
    if (ok && this.aboveHighWater && !socket.writableNeedDrain) this.drained();
  }

  private slowConsumer(): void {
    this.recordClose(
      CloseCode.PolicyViolation,
      `${StelarErrorCode.SlowConsumer}: more than ${this.options.maxBufferedBytes} bytes queued`,
    );
    this.state = CLOSING;
    this.parser.halt();
    this.outFirst = null;
    this.outMore = null;
    this.outBytes = 0;
    this.socket.destroy();
  }

  private beginClose(code: number, reason: string): void {
    this.recordClose(code, reason);
    this.state = CLOSING;
    this.parser.halt();
    this.flushQueued();
    this.socket.end();
    // Keep reading (and discarding) until the peer's FIN: destroying with unread input would
    // send RST and could discard the Disconnect frame before the peer reads it.
    this.resumeAll();
    this.closeTimer = setTimeout(destroySocket, this.options.closeTimeout, this.socket);
    this.closeTimer.unref();
  }

  private resumeAll(): void {
    if (this.paused !== 0) {
      this.paused = 0;
      this.socket.resume();
    }
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

  /** @internal socket 'data'. */
  socketData(chunk: Buffer): void {
    enterInbound();
    try {
      this.parser.push(chunk);
    } finally {
      leaveInbound();
    }
  }

  /** @internal socket 'drain'. */
  drained(): void {
    if (!this.aboveHighWater) return;
    this.aboveHighWater = false;
    this.socket.removeListener('drain', onSocketDrain);
    this.resumeReading(PAUSE_BACKPRESSURE);
    if (this.state === OPEN) this.handler.onDrain?.(this);
  }

  /** @internal socket 'error' ('close' follows). */
  socketError(err: Error): void {
    this.recordClose(CloseCode.Abnormal, err.message);
  }

  /** @internal socket 'close': reported to the handler exactly once. */
  socketClosed(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.parser.halt();
    this.outFirst = null;
    this.outMore = null;
    this.outBytes = 0;
    if (this.closeTimer !== null) {
      clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    const socket = this.socket;
    socket.removeListener('data', onSocketData);
    socket.removeListener('drain', onSocketDrain);
    socket.removeListener('close', onSocketClose);
    // 'error' stays attached: a late error on a dead socket must not become an uncaught one.
    this.handler.onClose(this, this.closeCode, this.closeReason);
  }
}

// Module-level socket listeners: `this` is the socket, the connection hangs off it.
const kConnection = Symbol('stelar.tcpConnection');
type OwnedSocket = Socket & { [kConnection]?: TcpConnection };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  (this[kConnection] as TcpConnection).socketData(chunk);
}

function onSocketDrain(this: OwnedSocket): void {
  (this[kConnection] as TcpConnection).drained();
}

function onSocketError(this: OwnedSocket, err: Error): void {
  (this[kConnection] as TcpConnection).socketError(err);
}

function onSocketClose(this: OwnedSocket): void {
  (this[kConnection] as TcpConnection).socketClosed();
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
