import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Connection, ConnectionHandler } from '../../ports/connection.port';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { ConnectionAcceptor, Refusal, Transport, TransportLimits } from '../../ports/transport.port';
import {
  CloseCode,
  StelarErrorCode,
  type ProtocolError,
  type StelarError,
} from '../../domain/errors';
import { MessageType, type StelarMessage } from '../../domain/message';
import { TcpBinaryCodec } from '../codec/tcp-binary.codec';
import { PAUSE_SCREENING, TcpConnection, normaliseAddress, type TcpConnectionOptions } from './tcp-connection';
import { DeadlineSweep } from '../socket/deadline-sweep';
import { isPending, screenAttempt } from '../socket/screening';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { positiveOption } from '../socket/option-checks';

/** Options of the binary TCP listener. */
export interface TcpServerTransportOptions {
  /** Port to listen on; 0 picks an ephemeral one. */
  readonly port: number;
  /** Interface to bind (default: all). */
  readonly host?: string;
  /** When set, a TLS server (tls.createServer) with these options. */
  readonly tls?: tls.TlsOptions | null;
  /** Largest frame `totalLen` (default 10 MiB). */
  readonly maxFrameSize?: number;
  /** Largest frame body (default 10 MiB). */
  readonly maxPayloadSize?: number;
  /** Ms a new socket has to send its Connect hello (default 10000). Also the TLS handshake timeout. */
  readonly connectTimeout?: number;
  /** send() returns false, and reading pauses, above this many buffered bytes per connection (default 16 MiB; dropping a slow consumer is the domain's rule). */
  readonly maxBufferedBytes?: number;
  /** Ms close() waits for the peer's FIN before destroying the socket (default 2000). */
  readonly closeTimeout?: number;
  /** The codec of hello, Disconnect and Error frames (injected: `TCP_TOKENS.Codec`). Default a TcpBinaryCodec. */
  readonly codec?: MessageCodec;
  /** Where errors of the listening socket are reported (injected: `TOKENS.Logger`). Default: nowhere. */
  readonly logger?: Logger;
}

/** Defaults of {@link TcpServerTransportOptions}. */
export const TCP_DEFAULTS = {
  maxFrameSize: 10 * 1024 * 1024,
  maxPayloadSize: 10 * 1024 * 1024,
  connectTimeout: 10_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  closeTimeout: 2_000,
} as const;

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
/** The protocol version a client hello must announce. */
export const PROTOCOL_VERSION = 1;

/**
 * The binary TCP listener (plain `net` or `tls`) behind the Transport port. For each socket:
 * `acceptor.screen(info)` right away (reading stays paused meanwhile), then the client must send
 * its Connect hello within `connectTimeout`; on the hello `acceptor.accept(conn)` hands the
 * connection to the domain, which then receives the hello itself as its first message.
 * Until then this transport is the connection's handler (one object for every connection).
 */
export class TcpServerTransport implements Transport, ConnectionHandler {
  readonly protocol = 'tcp' as const;

  private acceptor: ConnectionAcceptor | null = null;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  /** Sockets not yet accepted, each with its connect deadline (one timer for them all). */
  private readonly pending: DeadlineSweep<TcpConnection>;
  private connOptions: TcpConnectionOptions;
  private readonly connectTimeout: number;

  constructor(private readonly options: TcpServerTransportOptions) {
    const port = options.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`Invalid TCP port ${port}`);
    }
    this.connectTimeout = positiveOption('connectTimeout', options.connectTimeout, TCP_DEFAULTS.connectTimeout);
    this.connOptions = {
      maxFrameSize: positiveOption('maxFrameSize', options.maxFrameSize, TCP_DEFAULTS.maxFrameSize),
      maxPayloadSize: positiveOption('maxPayloadSize', options.maxPayloadSize, TCP_DEFAULTS.maxPayloadSize),
      maxBufferedBytes: positiveOption('maxBufferedBytes', options.maxBufferedBytes, TCP_DEFAULTS.maxBufferedBytes),
      closeTimeout: positiveOption('closeTimeout', options.closeTimeout, TCP_DEFAULTS.closeTimeout),
      codec: options.codec ?? DEFAULT_CODEC,
    };
    this.pending = new DeadlineSweep<TcpConnection>(this.connectTimeout, (conn) => this.helloTimedOut(conn));
  }

  /** Live limit change; connections accepted afterwards parse with the new limits. */
  updateLimits(limits: TransportLimits): void {
    this.connOptions = {
      ...this.connOptions,
      maxFrameSize: positiveOption('maxFrameSize', limits.maxFrameSize, this.connOptions.maxFrameSize),
      maxPayloadSize: positiveOption('maxPayloadSize', limits.maxPayloadSize, this.connOptions.maxPayloadSize),
    };
  }

  /** An error of the listening socket after listen() (e.g. EMFILE on accept): logged, never thrown. */
  private readonly onServerError = (err: Error): void => {
    this.options.logger?.warn(`TCP listener error: ${err.message}`);
  };

  setAcceptor(acceptor: ConnectionAcceptor): void {
    this.acceptor = acceptor;
  }

  /** Resolves with the bound port once listening (rejects on EADDRINUSE and the like). */
  listen(): Promise<number> {
    if (this.server !== null) return Promise.reject(new Error('The TCP transport is already listening'));
    let server: net.Server;
    try {
      // noDelay: Nagle off at accept, in the server's own accept path (one setsockopt, no JS
      // call per socket); writes are already coalesced per event-loop turn.
      server = this.options.tls
        ? tls.createServer({ handshakeTimeout: this.connectTimeout, noDelay: true, ...this.options.tls })
        : net.createServer({ noDelay: true });
    } catch (err) {
      // e.g. an unparsable TLS key or certificate
      return Promise.reject(err);
    }
    this.server = server;
    server.on(this.options.tls ? 'secureConnection' : 'connection', this.onSocket);
    // A failed TLS handshake destroys that socket; it must not reach the server 'error' path.
    if (this.options.tls) server.on('tlsClientError', ignore);
    return new Promise<number>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.server = null;
        server.removeListener('connection', this.onSocket);
        server.removeListener('secureConnection', this.onSocket);
        reject(err);
      };
      server.once('error', onListenError);
      server.listen(this.options.port, this.options.host, () => {
        server.removeListener('error', onListenError);
        server.on('error', this.onServerError);
        this.boundPort = (server.address() as net.AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  port(): number | null {
    return this.boundPort;
  }

  /**
   * Stops listening and drops sockets that were never accepted. Accepted connections belong to
   * the domain and are left open. Resolves once the listening socket is closed (it does not wait
   * for the accepted connections, unlike net.Server's close callback).
   */
  close(): Promise<void> {
    const server = this.server;
    if (server === null) return Promise.resolve();
    this.server = null;
    this.boundPort = null;
    const pending = [...this.pending.keys()];
    this.pending.clear();
    for (const conn of pending) conn.terminate();
    return new Promise<void>((resolve) => {
      server.close();
      server.removeListener('connection', this.onSocket);
      server.removeListener('secureConnection', this.onSocket);
      setImmediate(resolve);
    });
  }

  /** Number of sockets waiting for screening or their Connect hello. */
  pendingCount(): number {
    return this.pending.size;
  }

  // --- arrival and screening -----------------------------------------------------------------

  private readonly onSocket = (socket: net.Socket): void => {
    const remoteAddress = normaliseAddress(socket.remoteAddress);
    // Screen first: a synchronous verdict (the usual case) lets the socket flow from the start,
    // without a pause/resume round per socket.
    const verdict = screenAttempt(this.acceptor, { protocol: 'tcp', remoteAddress, originApplies: false, headers: NO_HEADERS });
    const conn = new TcpConnection(socket, this.connOptions, this, remoteAddress);
    this.pending.add(conn);
    if (verdict === null) return;
    if (isPending(verdict)) {
      conn.pauseReading(PAUSE_SCREENING);
      verdict.then((r) => this.screened(conn, r));
    } else {
      this.screened(conn, verdict);
    }
  };

  private screened(conn: TcpConnection, refusal: Refusal | null): void {
    if (!conn.isOpen) return;
    if (refusal !== null) {
      this.pending.delete(conn);
      conn.fail({ code: refusal.code, message: refusal.reason, closeCode: refusal.closeCode });
      return;
    }
    conn.resumeReading(PAUSE_SCREENING);
  }

  private helloTimedOut(conn: TcpConnection): void {
    conn.fail(
      createError(ErrorPrefix.None, `No Connect frame within ${this.connectTimeout} ms`, StelarErrorCode.ConnectTimeout, CloseCode.PolicyViolation),
    );
  }

  // --- ConnectionHandler until accepted -------------------------------------------------------

  /** The first frame must be the Connect hello; it is then handed over with the connection. */
  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void {
    const tcp = conn as TcpConnection;
    if (!this.pending.delete(tcp)) return;
    const problem = isPlainHello(payload) ? null : checkHello(tcp, payload, this.connOptions.codec ?? DEFAULT_CODEC);
    if (problem !== null) return tcp.fail(problem);
    const acceptor = this.acceptor;
    if (acceptor === null) return tcp.fail(INTERNAL_ERROR);
    try {
      acceptor.accept(tcp);
    } catch {
      return tcp.fail(INTERNAL_ERROR);
    }
    const handler = tcp.getHandler();
    // The domain's handler receives the (validated) hello itself as its first message.
    if (tcp.isOpen && handler !== this) handler.onMessage(tcp, payload, binary);
  }

  onProtocolError(_conn: Connection, _err: ProtocolError): void {
    // The connection sends the Error frame and closes itself; onClose cleans up.
  }

  onClose(conn: Connection): void {
    this.pending.delete(conn as TcpConnection);
  }
}

const DEFAULT_CODEC = new TcpBinaryCodec();

/** The body of the usual hello, Connect `{"v":1}` without headers: type 6, eventLen 0, JSON. */
const PLAIN_HELLO = Uint8Array.of(MessageType.Connect, 0, 0, ...Buffer.from(`{"v":${PROTOCOL_VERSION}}`));

/** True for exactly the usual hello bytes (no decoding needed; its headers are none). */
function isPlainHello(payload: Uint8Array): boolean {
  if (payload.length !== PLAIN_HELLO.length) return false;
  for (let i = 0; i < PLAIN_HELLO.length; i++) if (payload[i] !== PLAIN_HELLO[i]) return false;
  return true;
}

/**
 * Validates the first frame: a Connect hello `{"v":1}` (docs/PROTOCOL.md, TCP connection
 * lifecycle). On success records its headers on the connection; otherwise returns the error to
 * send (1002) before closing.
 */
function checkHello(conn: TcpConnection, payload: Uint8Array, helloCodec: MessageCodec): StelarError | null {
  if (payload[0] !== MessageType.Connect) {
    return createError(ErrorPrefix.Message, `the first frame must be Connect (6), got type ${payload[0]}`, StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
  }
  let hello: StelarMessage;
  try {
    hello = helloCodec.decode(payload, true);
  } catch (err) {
    const e = err as StelarError;
    return createError(ErrorPrefix.None, `${e.message} (in the Connect hello)`, e.code, CloseCode.ProtocolError);
  }
  if (hello.type !== MessageType.Connect || hello.version !== PROTOCOL_VERSION) {
    const v = hello.type === MessageType.Connect ? hello.version : undefined;
    return createError(ErrorPrefix.Message, `the Connect hello must carry {"v":${PROTOCOL_VERSION}}, got ${JSON.stringify(v ?? null)}`, StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
  }
  conn.helloHeaders = hello.headers ?? NO_HEADERS;
  return null;
}

const INTERNAL_ERROR = {
  code: StelarErrorCode.Internal,
  message: 'The server could not accept the connection',
  closeCode: CloseCode.InternalError,
} as const;

function ignore(): void {}
