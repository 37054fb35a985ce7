import { TCP_PROTOCOL } from './tcp.protocol';
import * as net from 'node:net';
import type {
  ClientDialOptions,
  ClientTransport,
  ClientTransportFactory,
  ClientTransportHandler,
} from '../../ports/client-transport.port';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Connection, ConnectionHandler, OutboundMessage } from '../../ports/connection.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import { CloseCode, StelarError, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { MessageType } from '../../domain/message';
import { SESSION_HEADER } from '../../domain/recovery/resume-offer';
import { TCP_PONG_FRAME } from '../codec/tcp-binary.codec';
import { connectBound, dialSocket } from '../socket/dial';
import { armTimer, clearTimer } from '../socket/socket-timers';
import { TcpConnection } from './tcp-connection';

/** Where to dial, parsed from `host:port`, `tcp://host:port` or `tls://host:port`. */
export interface TcpAddress {
  readonly host: string;
  readonly port: number;
  /** True for a `tls://` (or `tcps://`) URL. */
  readonly tls: boolean;
}

/** Parses a TCP dial address; throws TypeError when it has no valid host and port. */
export function parseTcpAddress(url: string): TcpAddress {
  const m = /^(?:(tcp|tls|tcps):\/\/)?(\[[^\]]+\]|[^:/[\]]*):(\d{1,5})\/?$/i.exec(url.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port > 0 && port <= 65535)) {
    throw new TypeError(`Invalid TCP address "${url}": expected host:port or tcp://host:port`);
  }
  let host = m[2];
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host === '') host = '127.0.0.1';
  const scheme = (m[1] ?? 'tcp').toLowerCase();
  return { host, port, tls: scheme !== 'tcp' };
}

/** Options of the TCP client transport factory. */
export interface TcpClientTransportOptions {
  /** Ms close() waits for the server's FIN before destroying the socket (default 2000). */
  readonly closeTimeout?: number;
  /** The clock of the close and connect timers. Default: the system clock; every timer unref'd. */
  readonly clock?: Clock;
  /**
   * Ms allowed for the TCP/TLS connect plus the server's answer to the hello (its Connect or
   * Error frame), when the dial gives none (default 10000, as the WebSocket client). A dial's
   * own `connectTimeout` (the StelarClient passes its dial timeout) replaces the default; a
   * value set here still caps it.
   */
  readonly connectTimeout?: number;
}

/** Default bound of the connect + hello answer (ms) for a dial without one, as the WebSocket client's. */
export const TCP_CLIENT_CONNECT_TIMEOUT = 10_000;

/**
 * Dials the binary TCP protocol for `StelarClient` mode 'tcp' (Node only), plain or TLS. The
 * codec of each dial comes from the client's codec registry (`ClientDialOptions.codec`).
 */
export class TcpClientTransportFactory implements ClientTransportFactory {
  readonly protocol = TCP_PROTOCOL;
  readonly schemes = ['tcp', 'tls'] as const;
  readonly keepsPath = false;
  /** Ping frames are answered by this transport (TCP_PONG_FRAME), so the client must not. */
  readonly answersPing = true;

  constructor(private readonly factoryOptions: TcpClientTransportOptions = {}) {}

  connect(options: ClientDialOptions, handler: ClientTransportHandler): ClientTransport {
    if (options.codec === undefined) throw new TypeError('The TCP client transport needs the codec of its dial (ClientDialOptions.codec)');
    const f = this.factoryOptions;
    const connectTimeout = connectBound(options.connectTimeout, f.connectTimeout, TCP_CLIENT_CONNECT_TIMEOUT);
    return new TcpClientTransport(options, handler, f.closeTimeout ?? 2_000, f.clock, connectTimeout);
  }
}

const PONG: OutboundMessage = { payload: TCP_PONG_FRAME, binary: true };

function helloTimedOut(transport: TcpClientTransport): void {
  transport.helloTimedOut();
}

/**
 * One TCP client connection: a {@link TcpConnection} over a dialled socket (the same framing,
 * write batching, close handshake and backpressure as the server side), which sends the Connect
 * hello `{"v":1}` (with the dial headers) as soon as the socket (or TLS session) is up, then
 * reports `onOpen`. Every inbound frame body (type byte first) goes to `onMessage(body, true)`;
 * Ping frames are also answered with Pong right away, as a WebSocket client answers ping frames
 * (RFC 6455 §5.5.2), so the core need not answer them.
 */
export class TcpClientTransport implements ClientTransport, ConnectionHandler {
  private readonly conn: TcpConnection;
  private readonly codec: MessageCodec;
  private opened = false;
  private closed = false;
  /** Armed until the server's first frame (its answer to the hello) or the close. */
  private helloTimer: TimerHandle | null;

  constructor(
    private readonly options: ClientDialOptions,
    private readonly handler: ClientTransportHandler,
    closeTimeout: number,
    private readonly clock: Clock | undefined,
    private readonly connectTimeout: number = TCP_CLIENT_CONNECT_TIMEOUT,
  ) {
    this.codec = options.codec as MessageCodec;
    const address = parseTcpAddress(options.url);
    const socket = dialSocket(address.host, address.port, options.tls || address.tls, options.rejectUnauthorized, options.tlsSettings, this.onConnect);
    this.conn = new TcpConnection(
      socket,
      {
        maxFrameSize: options.maxFrameSize,
        maxPayloadSize: options.maxPayloadSize,
        // A client's send buffer is bounded by what its application sends (bufferedAmount).
        maxBufferedBytes: Number.POSITIVE_INFINITY,
        closeTimeout,
        errorFrames: false,
        codec: this.codec,
        clock,
      },
      this,
    );
    socket.on('error', this.onError);
    this.helloTimer = armTimer(clock, helloTimedOut, connectTimeout, this);
  }

  /** @internal no answer to the hello within connectTimeout (module-level {@link helloTimedOut}). */
  helloTimedOut(): void {
    this.helloTimer = null;
    if (this.closed) return;
    const reason = `TCP hello timed out: no answer within ${this.connectTimeout} ms`;
    this.handler.onError(new StelarError(StelarErrorCode.ConnectTimeout, reason, CloseCode.Abnormal));
    this.conn.abort(CloseCode.Abnormal, reason);
  }

  get bufferedAmount(): number {
    return this.conn.bufferedAmount;
  }

  /** The underlying socket (for diagnostics and tests). */
  get rawSocket(): net.Socket {
    return this.conn.socket;
  }

  /** Queues one complete frame (the TcpBinaryCodec output) for the server. */
  send(message: OutboundMessage): void {
    if (this.opened) this.conn.send(message);
  }

  /** Sends Disconnect, then FIN; destroys after closeTimeout if the server lingers. */
  close(code: number, reason: string): void {
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
      throw new RangeError(`Invalid close code ${code}`);
    }
    // Before the socket is up there is nobody to say goodbye to.
    if (!this.opened) this.conn.abort(code, String(reason));
    else this.conn.close(code, reason);
  }

  private readonly onConnect = (): void => {
    if (this.opened || !this.conn.isOpen) return;
    this.opened = true;
    this.conn.socket.setNoDelay(true);
    // The session recovery offer travels as the hello's own `session` field, not among the
    // middleware headers (docs/PROTOCOL.md): the server reads it once and does not keep it.
    const { [SESSION_HEADER]: sessionOffer, ...headers } = this.options.headers;
    this.conn.send(
      this.codec.encode({
        type: MessageType.Connect,
        clientId: '',
        maxPayloadSize: 0,
        heartbeatInterval: 0,
        version: 1,
        headers: Object.keys(headers).length > 0 ? headers : undefined,
        ...(sessionOffer === undefined ? undefined : { sessionOffer }),
      }),
    );
    this.handler.onOpen();
  };

  private readonly onError = (err: Error): void => {
    if (!this.closed) this.handler.onError(err);
  };

  // ---- ConnectionHandler (the connection reports here) ---------------------------------------

  /** @internal */
  onMessage(conn: Connection, body: Uint8Array): void {
    if (this.helloTimer !== null) this.helloTimer = clearTimer(this.clock, this.helloTimer);
    if (body[0] === MessageType.Ping) conn.send(PONG);
    this.handler.onMessage(body, true);
  }

  /** @internal the connection closes itself afterwards (Disconnect, no Error frame). */
  onProtocolError(_conn: Connection, err: ProtocolError): void {
    this.handler.onError(err);
  }

  /** @internal */
  onClose(_conn: Connection, code: number, reason: string): void {
    const socket = this.conn.socket;
    socket.removeListener('connect', this.onConnect);
    socket.removeListener('secureConnect', this.onConnect);
    socket.removeListener('error', this.onError);
    this.helloTimer = clearTimer(this.clock, this.helloTimer);
    this.closed = true;
    this.handler.onClose(code, reason);
  }
}
